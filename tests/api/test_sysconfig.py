"""Settings endpoints of api.md §9.3: list with sources, set and unset per client, every status and code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateway.testing import bearer

URL = "/api/v1/sysconfig"
PAGE = "REST_MAX_RECORDS_SIZE"


def _problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    body = reply.get_json()
    assert reply.status_code == status, body
    assert body["type"] == code and body["status"] == status, body
    return dict(body)


def _records(client: Any, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    reply = client.get(URL, query_string=query, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    return list(reply.get_json()["records"])


def _one(client: Any, headers: dict[str, str], name: str, client_id: int = 0) -> dict[str, Any]:
    found = _records(client, headers, **{"$filter": f"name eq '{name}' and clientId eq {client_id}"})
    assert len(found) == 1, found
    return found[0]


def _page_size(client: Any, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/models/c_bpartner", headers=headers).get_json()["records-size"])


@pytest.fixture
def system(login_as: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login_as("SuperUser", client_id=0, role="Admin")


def test_list_shows_every_runtime_key_with_its_source(client: Any, system: dict[str, str]) -> None:
    reply = client.get(URL, headers=system)
    body = reply.get_json()
    assert reply.status_code == 200 and set(body) >= {"page-count", "records-size", "row-count", "records"}
    names = [r["name"] for r in body["records"]]
    assert PAGE in names and "REST_STATEMENT_TIMEOUT_MS" in names and "SECRET_KEY" not in names
    record = _one(client, system, PAGE)
    assert set(record) == {"name", "value", "clientId", "effectiveValue", "source", "description"}
    assert (record["value"], record["effectiveValue"], record["source"]) == (None, "100", "default")
    assert record["description"]
    ordered = _records(client, system, **{"$orderby": "name desc", "$top": "2", "$skip": "1"})
    assert len(ordered) == 2 and ordered[0]["name"] > ordered[1]["name"]
    assert ordered[0]["name"] == sorted(names, reverse=True)[1]


def test_put_and_delete_at_client_0(client: Any, system: dict[str, str], login_as: Any) -> None:
    garden = login_as("GardenAdmin")
    reply = client.put(f"{URL}/{PAGE}", json={"value": "50", "clientId": 0}, headers=system)
    assert reply.status_code == 200, reply.get_json()
    assert {k: reply.get_json()[k] for k in ("name", "value", "clientId", "effectiveValue", "source")} == {
        "name": PAGE, "value": "50", "clientId": 0, "effectiveValue": "50", "source": "db",
    }  # fmt: skip
    assert _page_size(client, garden) == 50
    again = client.put(f"{URL}/rest_max_records_size", json={"value": 40}, headers=system)
    assert again.get_json()["value"] == "40" and _page_size(client, garden) == 40  # names in any case
    deleted = client.delete(f"{URL}/{PAGE}?clientId=0", headers=system)
    assert deleted.status_code == 200 and deleted.get_json() == {"msg": "Deleted"}
    record = _one(client, system, PAGE)
    assert (record["value"], record["source"], record["effectiveValue"]) == (None, "default", "100")
    assert _page_size(client, garden) == 100


def test_tenant_rows_override_client_0_for_that_tenant_only(client: Any, system: Any, login_as: Any) -> None:
    garden, seed = login_as("GardenAdmin"), login_as("SeedAdmin")
    assert client.put(f"{URL}/{PAGE}", json={"value": "30"}, headers=system).status_code == 200
    own = client.put(f"{URL}/{PAGE}", json={"value": "7"}, headers=garden)
    assert own.status_code == 200 and own.get_json()["clientId"] == 11
    assert (_page_size(client, garden), _page_size(client, seed)) == (7, 30)
    listed = _records(client, garden, **{"$filter": f"name eq '{PAGE}'"})
    assert sorted((r["clientId"], r["value"]) for r in listed) == [(0, "30"), (11, "7")]
    assert [r["clientId"] for r in _records(client, seed, **{"$filter": f"name eq '{PAGE}'"})] == [0]
    assert {r["clientId"] for r in _records(client, system, **{"$filter": f"name eq '{PAGE}'"})} == {0, 11}
    _problem(
        client.put(f"{URL}/{PAGE}", json={"value": "8", "clientId": 0}, headers=garden),
        403,
        "AUTHORIZATION-ERROR",
    )
    _problem(
        client.put(f"{URL}/{PAGE}", json={"value": "8", "clientId": 12}, headers=garden),
        403,
        "AUTHORIZATION-ERROR",
    )
    _problem(client.delete(f"{URL}/{PAGE}?clientId=0", headers=garden), 403, "AUTHORIZATION-ERROR")
    assert client.delete(f"{URL}/{PAGE}", headers=garden).get_json() == {"msg": "Deleted"}
    assert _page_size(client, garden) == 30


def test_permissions(client: Any, login_as: Any) -> None:
    user = login_as("GardenUser")
    for reply in (
        client.get(URL, headers=user),
        client.put(f"{URL}/{PAGE}", json={"value": "5"}, headers=user),
        client.delete(f"{URL}/{PAGE}", headers=user),
    ):
        assert "sysconfig." in _problem(reply, 403, "AUTHORIZATION-ERROR")["detail"]
    _problem(client.get(URL), 401, "AUTHENTICATION-ERROR")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (PAGE, "many"),
        (PAGE, -1),
        (PAGE, 2.5),
        (PAGE, [1]),
        (PAGE, None),
        ("REST_TOKEN_EXPIRE_IN_MINUTES", 0),
        ("REST_TOKEN_EXPIRE_IN_MINUTES", 1441),
        ("REST_OMIT_NULLS", "maybe"),
        ("REST_EXPAND_SEPARATOR", ","),
        ("REST_EXPAND_SEPARATOR", ";;"),
    ],
)
def test_bad_values(client: Any, system: dict[str, str], name: str, value: Any) -> None:
    _problem(client.put(f"{URL}/{name}", json={"value": value}, headers=system), 400, "SETTING-ERROR")
    assert _one(client, system, name)["source"] == "default"


def test_unknown_keys_and_bad_requests(client: Any, system: dict[str, str]) -> None:
    for name in ("NO_SUCH_KEY", "SECRET_KEY", "GATEWAY_SECRET_KEY", "database_url"):
        _problem(client.put(f"{URL}/{name}", json={"value": "1"}, headers=system), 404, "SETTING-NOT-FOUND")
        _problem(client.delete(f"{URL}/{name}", headers=system), 404, "SETTING-NOT-FOUND")
    _problem(client.put(f"{URL}/{PAGE}", json={"clientId": 0}, headers=system), 400, "BODY-ERROR")
    _problem(client.put(f"{URL}/{PAGE}", json=["50"], headers=system), 400, "BODY-ERROR")
    _problem(
        client.put(f"{URL}/{PAGE}", json={"value": "5", "clientId": "x"}, headers=system), 400, "BODY-ERROR"
    )
    _problem(client.delete(f"{URL}/{PAGE}?clientId=x", headers=system), 400, "INVALID-OPTION")
    _problem(client.get(URL, query_string={"$top": "-1"}, headers=system), 400, "PAGING-ERROR")
    _problem(client.get(URL, query_string={"$filter": "name eq"}, headers=system), 400, "FILTER-SYNTAX")


def test_yes_no_values_are_normalised(client: Any, system: dict[str, str], login_as: Any) -> None:
    reply = client.put(f"{URL}/REST_OMIT_NULLS", json={"value": "true"}, headers=system)
    assert reply.status_code == 200 and reply.get_json()["value"] == "Y"
    assert reply.get_json()["effectiveValue"] == "Y"
    order = client.get("/api/v1/models/c_order/1042", headers=login_as("GardenAdmin")).get_json()
    assert None not in order.values()


@pytest.mark.parametrize("app_overrides", [{"secret_key": "s" * 64, "rest_max_records_size": 20}])
def test_environment_wins_over_stored_rows(client: Any, system: dict[str, str], login_as: Any) -> None:
    reply = client.put(f"{URL}/{PAGE}", json={"value": "50"}, headers=system)
    assert reply.status_code == 200
    record = reply.get_json()
    assert (record["value"], record["effectiveValue"], record["source"]) == ("50", "20", "env")
    assert _page_size(client, login_as("GardenAdmin")) == 20


def test_bearer_of_api_token_needs_the_permission_too(client: Any, login_as: Any) -> None:
    admin = login_as("GardenAdmin")
    issued = client.post(
        "/api/v1/apitokens", json={"userName": "Reader", "roleId": "GardenWorld Reader"}, headers=admin
    )
    token = bearer(issued.get_json()["token"])
    _problem(client.get(URL, headers=token), 403, "AUTHORIZATION-ERROR")
