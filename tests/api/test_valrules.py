"""Validation rules (api.md §4.9): management endpoints and the $valrule / $context read path of /models."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

URL = "/api/v1/valrules"
BP = "/api/v1/models/c_bpartner"


def _problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    body = reply.get_json()
    assert reply.status_code == status, body
    assert body["type"] == code and body["status"] == status, body
    return dict(body)


def _add(client: Any, headers: dict[str, str], **rule: Any) -> dict[str, Any]:
    reply = client.post(URL, json=rule, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    return dict(reply.get_json())


def _ids(reply: Any) -> list[int]:
    assert reply.status_code == 200, reply.get_json()
    return [r["id"] for r in reply.get_json()["records"]]


@pytest.fixture
def system(login_as: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login_as("SuperUser", client_id=0, role="Admin")


@pytest.fixture
def garden(login_as: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login_as("GardenAdmin")


def test_create_list_update_delete(
    client: Any, system: dict[str, str], garden: dict[str, str], login_as: Any
) -> None:
    shared = _add(client, system, name="ByValue", tableName="C_BPartner", filter="Value eq @V@", clientId=0)
    assert set(shared) == {"id", "uid", "name", "tableName", "filter", "description", "isActive", "clientId"}
    assert (shared["clientId"], shared["isActive"], shared["description"]) == (0, True, None)
    own = _add(client, garden, name="Customers", filter="IsCustomer eq true", description="customers")
    assert own["clientId"] == 11 and own["tableName"] is None
    user, seed = login_as("GardenUser"), login_as("SeedAdmin")
    listed = client.get(URL, headers=user)
    assert listed.status_code == 200 and listed.get_json()["row-count"] == 2
    assert {r["name"] for r in listed.get_json()["records"]} == {"ByValue", "Customers"}
    assert [r["name"] for r in client.get(URL, headers=seed).get_json()["records"]] == ["ByValue"]
    filtered = client.get(URL, query_string={"$filter": "clientId eq 11", "$orderby": "name"}, headers=system)
    assert [r["id"] for r in filtered.get_json()["records"]] == [own["id"]]
    changed = client.put(
        f"{URL}/{own['id']}", json={"filter": "IsVendor eq true", "isActive": False}, headers=garden
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["filter"], changed.get_json()["isActive"]) == ("IsVendor eq true", False)
    _problem(client.get(BP, query_string={"$valrule": "Customers"}, headers=garden), 404, "VALRULE-NOT-FOUND")
    assert client.delete(f"{URL}/{own['id']}", headers=garden).get_json() == {"msg": "Deleted"}
    _problem(client.delete(f"{URL}/{own['id']}", headers=garden), 404, "VALRULE-NOT-FOUND")
    assert [r["name"] for r in client.get(URL, headers=user).get_json()["records"]] == ["ByValue"]


def test_management_permissions_and_client_boundaries(
    client: Any, system: dict[str, str], garden: dict[str, str], login_as: Any
) -> None:
    user, seed = login_as("GardenUser"), login_as("SeedAdmin")
    _problem(
        client.post(URL, json={"name": "X", "filter": "Name eq 'x'"}, headers=user),
        403,
        "AUTHORIZATION-ERROR",
    )
    shared = _add(client, system, name="Shared", filter="Name eq 'x'", clientId=0)
    own = _add(client, garden, name="Own", filter="Name eq 'x'")
    for reply in (
        client.put(f"{URL}/{own['id']}", json={"name": "Y"}, headers=user),
        client.delete(f"{URL}/{own['id']}", headers=user),
        client.put(f"{URL}/{shared['id']}", json={"name": "Y"}, headers=garden),
        client.delete(f"{URL}/{shared['id']}", headers=garden),
        client.post(URL, json={"name": "Z", "filter": "Name eq 'x'", "clientId": 0}, headers=garden),
        client.post(URL, json={"name": "Z", "filter": "Name eq 'x'", "clientId": 12}, headers=garden),
    ):
        _problem(reply, 403, "AUTHORIZATION-ERROR")
    _problem(client.put(f"{URL}/{own['id']}", json={"name": "Y"}, headers=seed), 404, "VALRULE-NOT-FOUND")
    _problem(client.delete(f"{URL}/{own['id']}", headers=seed), 404, "VALRULE-NOT-FOUND")
    _problem(client.put(f"{URL}/999999", json={"name": "Y"}, headers=system), 404, "VALRULE-NOT-FOUND")
    _problem(client.get(URL), 401, "AUTHENTICATION-ERROR")


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"name": "Bad", "filter": "Name eq"}, "FILTER-SYNTAX"),
        ({"name": "Bad", "filter": "1=1; DELETE FROM c_order"}, "FILTER-SYNTAX"),
        ({"name": "Bad", "filter": "Nope eq 1", "tableName": "C_BPartner"}, "UNKNOWN-COLUMN"),
        ({"name": "Bad", "filter": "Name eq 1", "tableName": "C_BPartner"}, "FILTER-TYPE"),
        ({"name": "Bad", "filter": "Name eq 'x'", "tableName": "No_Such_Table"}, "VALRULE-ERROR"),
        ({"name": "Bad", "filter": "Name eq 'x'", "tableName": "gw_user"}, "VALRULE-ERROR"),
        ({"filter": "Name eq 'x'"}, "BODY-ERROR"),
        ({"name": "Bad"}, "BODY-ERROR"),
        ({"name": " ", "filter": "Name eq 'x'"}, "BODY-ERROR"),
        ({"name": "Bad", "filter": "Name eq 'x'", "sql": "x"}, "BODY-ERROR"),
        ({"name": "Bad", "filter": "Name eq 'x'", "isActive": "Y"}, "BODY-ERROR"),
        ({"name": "Bad", "filter": "Name eq 'x'", "tableName": 5}, "BODY-ERROR"),
        ({"name": "Bad", "filter": "Name eq 'x'", "clientId": "0"}, "BODY-ERROR"),
    ],
)
def test_save_checks(client: Any, system: dict[str, str], rule: dict[str, Any], code: str) -> None:
    reply = client.post(URL, json=rule, headers=system)
    _problem(reply, 400, code)
    assert client.get(URL, headers=system).get_json()["row-count"] == 0


def test_names_are_unique_per_client(client: Any, system: dict[str, str], garden: dict[str, str]) -> None:
    _add(client, garden, name="Twice", filter="Name eq 'x'")
    _problem(
        client.post(URL, json={"name": "TWICE", "filter": "Name eq 'y'"}, headers=garden), 400, "BODY-ERROR"
    )
    _add(client, system, name="Twice", filter="Name eq 'y'", clientId=0)  # another client: allowed
    other = _add(client, garden, name="Other", filter="Name eq 'x'")
    _problem(client.put(f"{URL}/{other['id']}", json={"name": "twice"}, headers=garden), 400, "BODY-ERROR")
    _problem(client.post(URL, json=[1], headers=garden), 400, "BODY-ERROR")


def test_read_by_name_id_and_uid(client: Any, system: dict[str, str], garden: dict[str, str]) -> None:
    rule = _add(client, system, name="ByValue", tableName="C_BPartner", filter="Value eq @V@", clientId=0)
    for ident in ("ByValue", "byvalue", str(rule["id"]), rule["uid"]):
        assert _ids(client.get(BP, query_string={"$valrule": ident, "$context": "V:CW"}, headers=garden)) == [
            117
        ]
    _problem(client.get(BP, query_string={"$valrule": "Nope"}, headers=garden), 404, "VALRULE-NOT-FOUND")
    both = {"$valrule": "ByValue", "$context": "V:CW", "$filter": "Name eq 'nothing'"}
    assert _ids(client.get(BP, query_string=both, headers=garden)) == []  # ANDed with $filter


def test_context_forms(client: Any, system: dict[str, str], garden: dict[str, str]) -> None:
    _add(client, system, name="InNames", filter="Name in (@A@, @B@) or contains(Name, @Part@)", clientId=0)
    text = "A:'Joe''s Garden',B:'Semi;colon Corp',Part:'100%',Unused:1"
    assert _ids(client.get(BP, query_string={"$valrule": "InNames", "$context": text}, headers=garden)) == [
        118, 119, 122,
    ]  # fmt: skip
    as_json = {
        "$valrule": "InNames",
        "$context": json.dumps({"A": "C&W Construction", "B": "x", "Part": "Under_"}),
    }
    assert _ids(client.get(BP, query_string=as_json, headers=garden)) == [
        117, 120,
    ]  # fmt: skip
    comma = "A:'a,b:c',B:x,Part:'Back\\slash'"
    assert _ids(client.get(BP, query_string={"$valrule": "InNames", "$context": comma}, headers=garden)) == [
        121
    ]
    _add(client, system, name="Literal", filter="Name eq '@A@' or Value eq @A@", clientId=0)
    assert _ids(
        client.get(BP, query_string={"$valrule": "Literal", "$context": "A:JOE"}, headers=garden)
    ) == [118]


def test_builtin_context(client: Any, system: dict[str, str], garden: dict[str, str], login_as: Any) -> None:
    _add(client, system, name="Mine", filter="AD_Client_ID eq @#AD_Client_ID@", clientId=0)
    mine = client.get(BP, query_string={"$valrule": "Mine", "$top": "100"}, headers=garden)
    assert mine.status_code == 200 and mine.get_json()["row-count"] > 0
    assert {r["AD_Client_ID"]["id"] for r in mine.get_json()["records"]} == {11}
    seed = client.get(BP, query_string={"$valrule": "Mine"}, headers=login_as("SeedAdmin"))
    assert {r["AD_Client_ID"]["id"] for r in seed.get_json()["records"]} == {12}
    _add(
        client,
        system,
        name="Today",
        filter="DateOrdered le @#Date@ and SalesRep_ID ne @#AD_User_ID@",
        clientId=0,
    )
    assert (
        client.get("/api/v1/models/c_order", query_string={"$valrule": "Today"}, headers=garden).status_code
        == 200
    )
    override = {"$valrule": "Mine", "$context": "#AD_Client_ID:12"}
    _problem(client.get(BP, query_string=override, headers=garden), 400, "CONTEXT-ERROR")


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        (None, "V"),
        ("Other:1", "V"),
        ("V", "Name:Value"),
        ("V:'open", "quote"),
        ("V:1 W:2", "'1 W:2'"),
        ("V:1;W:2", "'1;W:2'"),
        ("[1, 2]", "Name:Value"),
        ("V:1 x", "integer"),
        ('{"V": [1]}', "scalar"),
        ("{not json", "JSON"),
        ("9V:1", "name"),
        ("V:" + "x" * 1001, "too long"),
        (",".join(f"N{i}:{i}" for i in range(51)), "50"),
    ],
)
def test_context_errors(
    client: Any, system: dict[str, str], garden: dict[str, str], context: Any, fragment: str
) -> None:
    _add(client, system, name="ById", filter="C_BPartner_ID eq @V@", clientId=0)
    query = {"$valrule": "ById"} | ({} if context is None else {"$context": context})
    body = _problem(client.get(BP, query_string=query, headers=garden), 400, "CONTEXT-ERROR")
    assert fragment in body["detail"] and body["parameter"] == "$context"


def test_context_value_must_fit_the_column(
    client: Any, system: dict[str, str], garden: dict[str, str]
) -> None:
    _add(client, system, name="ById", filter="C_BPartner_ID eq @V@", clientId=0)
    for value in ("abc", "1.5", "' OR 1=1 --"):
        reply = client.get(BP, query_string={"$valrule": "ById", "$context": f"V:'{value}'"}, headers=garden)
        _problem(reply, 400, "CONTEXT-ERROR")
    _add(client, system, name="ByName", filter="Name eq @V@", clientId=0)
    injected = {"$valrule": "ByName", "$context": json.dumps({"V": "' OR 1=1 --"})}
    assert _ids(client.get(BP, query_string=injected, headers=garden)) == []


def test_rule_errors_against_the_request_table(
    client: Any, system: dict[str, str], garden: dict[str, str]
) -> None:
    _add(client, system, name="ForOrders", tableName="C_Order", filter="DocumentNo eq 'SO-1042'", clientId=0)
    body = _problem(
        client.get(BP, query_string={"$valrule": "ForOrders"}, headers=garden), 400, "VALRULE-ERROR"
    )
    assert body["parameter"] == "$valrule"
    assert _ids(
        client.get("/api/v1/models/c_order", query_string={"$valrule": "ForOrders"}, headers=garden)
    ) == [1042]
    _add(client, system, name="Loose", filter="DocumentNo eq @D@", clientId=0)
    body = _problem(
        client.get(BP, query_string={"$valrule": "Loose", "$context": "D:x"}, headers=garden),
        400,
        "VALRULE-ERROR",
    )
    assert body["position"] == 1 and body["parameter"] == "$valrule"


def test_rules_respect_denied_columns_and_other_clients(
    client: Any, system: dict[str, str], garden: dict[str, str], login_as: Any
) -> None:
    _add(client, system, name="Credit", filter="SO_CreditLimit gt 0", clientId=0)
    _problem(
        client.get(BP, query_string={"$valrule": "Credit"}, headers=login_as("GardenUser")),
        400,
        "VALRULE-ERROR",
    )
    assert client.get(BP, query_string={"$valrule": "Credit"}, headers=garden).status_code == 200
    own = _add(client, garden, name="GardenOnly", filter="Name eq 'x'")
    seed = login_as("SeedAdmin")
    for ident in ("GardenOnly", str(own["id"]), own["uid"]):
        _problem(client.get(BP, query_string={"$valrule": ident}, headers=seed), 404, "VALRULE-NOT-FOUND")
