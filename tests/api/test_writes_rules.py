"""Writes: children, atomicity, If-Match, limits, body errors, grants, tenant/org rules, injection."""

from __future__ import annotations

import json

import pytest

from tests.api.test_writes import NEW_ORDER, ORDERS, count, rows

PARTNERS = "/api/v1/models/c_bpartner"


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return {"secret_key": "k" * 80}


def _line_of_other_order(databases) -> int:  # type: ignore[no-untyped-def]
    return int(rows(databases, "C_OrderLine", "C_OrderLine_ID", C_Order_ID=1043)[0][0])


def test_put_updates_deletes_and_inserts_children(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    body = {"Description": "Urgent", "C_OrderLine": [
        {"id": 2081, "QtyOrdered": 4, "LineNetAmt": 95.00},
        {"id": 2082, "(delete)": True},
        {"Line": 40, "M_Product_ID": {"id": 134}, "QtyOrdered": 2, "PriceActual": 10, "LineNetAmt": 20},
        {"uid": "e4d2c1b0-7a6f-4e5d-9c8b-1a2b3c4d5e6f", "(delete)": False, "Line": 35},
    ]}  # fmt: skip
    reply = client.put(f"{ORDERS}/1042", json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    lines = reply.get_json()["C_OrderLine"]
    assert [line["Line"] for line in lines] == [10, 40, 35]
    assert '"QtyOrdered":4.00' in reply.get_data(as_text=True)
    assert count(databases, "C_OrderLine", C_OrderLine_ID=2082) == 0
    assert sorted(r[0] for r in rows(databases, "C_OrderLine", "Line", C_Order_ID=1042)) == [10, 35, 40]


@pytest.mark.parametrize("item", [{"id": "other", "QtyOrdered": 1}, {"id": "other", "(delete)": True}])
def test_child_of_another_parent_is_not_found_and_nothing_is_written(
    client, login_as, databases, item
) -> None:  # type: ignore[no-untyped-def]
    other = _line_of_other_order(databases)
    item = {**item, "id": other}
    body = {"Description": "changed", "C_OrderLine": [{"id": 2081, "QtyOrdered": 9}, item]}
    reply = client.put(f"{ORDERS}/1042", json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 404 and reply.get_json()["type"] == "RECORD-NOT-FOUND"
    assert rows(databases, "C_Order", "Description", C_Order_ID=1042) == [(None,)]
    assert count(databases, "C_OrderLine", C_OrderLine_ID=other) == 1
    assert [str(r[0]) for r in rows(databases, "C_OrderLine", "QtyOrdered", C_OrderLine_ID=2081)] in (
        [["5.00"]],
        [["5"]],
        [["5.0"]],
    ) or float(rows(databases, "C_OrderLine", "QtyOrdered", C_OrderLine_ID=2081)[0][0]) == 5.0


def test_delete_flag_needs_an_id_and_put(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.put(f"{ORDERS}/1042", json={"C_OrderLine": [{"(delete)": True}]}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"
    bad = {**NEW_ORDER, "C_OrderLine": [{**NEW_ORDER["C_OrderLine"][0], "(delete)": True}]}
    reply = client.post(ORDERS, json=bad, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"


def test_child_link_to_another_parent_is_refused(client, login_as) -> None:  # type: ignore[no-untyped-def]
    body = {
        "C_OrderLine": [{"C_Order_ID": 1043, "Line": 50, "QtyOrdered": 1, "PriceActual": 1, "LineNetAmt": 1}]
    }
    reply = client.put(f"{ORDERS}/1042", json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"


def test_failing_second_child_leaves_nothing(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    before = (count(databases, "C_Order"), count(databases, "C_OrderLine"))
    lines = [
        dict(NEW_ORDER["C_OrderLine"][0]),
        {**NEW_ORDER["C_OrderLine"][1], "uid": "0c7e9a44-51d2-4c7f-8a0e-6f2d9b1c3e01"},
    ]
    reply = client.post(ORDERS, json={**NEW_ORDER, "C_OrderLine": lines}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 409 and reply.get_json()["type"] == "DUPLICATE-KEY"
    assert (count(databases, "C_Order"), count(databases, "C_OrderLine")) == before


def test_failing_grandchild_leaves_nothing(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    tables = ("C_BPartner", "AD_User", "C_Order", "C_OrderLine")
    before = [count(databases, t) for t in tables]
    order = {
        "DocumentNo": "SO-G",
        "C_BPartner_ID": 117,
        "DateOrdered": "2025-04-02",
        "C_OrderLine": [{**NEW_ORDER["C_OrderLine"][1], "M_Product_ID": {"identifier": "no such product"}}],
    }
    body = {"Value": "GC", "Name": "Grand", "AD_User": [{"Name": "Contact", "C_Order.SalesRep_ID": [order]}]}
    reply = client.post(PARTNERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "REFERENCE-NOT-FOUND"
    order["C_OrderLine"] = [{**NEW_ORDER["C_OrderLine"][1], "uid": "0c7e9a44-51d2-4c7f-8a0e-6f2d9b1c3e01"}]
    reply = client.post(PARTNERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 409 and reply.get_json()["type"] == "DUPLICATE-KEY"
    assert [count(databases, t) for t in tables] == before


def test_nested_insert_three_levels(client, login_as) -> None:  # type: ignore[no-untyped-def]
    order = {"DocumentNo": "SO-G", "C_BPartner_ID": 117, "DateOrdered": "2025-04-02",
             "C_OrderLine": [NEW_ORDER["C_OrderLine"][1]]}  # fmt: skip
    body = {"Value": "GC", "Name": "Grand", "AD_User": [{"Name": "Contact", "C_Order.SalesRep_ID": [order]}]}
    reply = client.post(PARTNERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 201, reply.get_json()
    user = reply.get_json()["AD_User"][0]
    assert user["C_BPartner_ID"]["id"] == reply.get_json()["id"] and user["AD_Org_ID"]["id"] == 0
    placed = user["C_Order.SalesRep_ID"][0]
    assert placed["SalesRep_ID"]["id"] == user["id"] and placed["C_OrderLine"][0]["Line"] == 20


def test_limits_on_rows_and_depth(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    many = {**NEW_ORDER, "C_OrderLine": [NEW_ORDER["C_OrderLine"][1]] * 1000}
    reply = client.post(ORDERS, json=many, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "BODY-ERROR"
    level: dict = {"Name": "x"}
    body = {"Value": "D", "Name": "Deep", "AD_User": [{"Name": "u", "C_Order.SalesRep_ID": [
        {**NEW_ORDER, "C_OrderLine": [{**NEW_ORDER["C_OrderLine"][1], "C_Nothing": [level]}]}]}]}  # fmt: skip
    reply = client.post(PARTNERS, json=body, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] in ("BODY-ERROR", "UNKNOWN-COLUMN")


def test_if_match(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    etag = client.get(f"{ORDERS}/1042", headers=headers).headers["ETag"]
    first = client.put(f"{ORDERS}/1042", json={"Description": "one"}, headers={**headers, "If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    stale = client.put(f"{ORDERS}/1042", json={"Description": "two"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.get_json()["type"] == "PRECONDITION-FAILED"
    gone = client.delete(f"{ORDERS}/1042", headers={**headers, "If-Match": etag})
    assert gone.status_code == 412
    assert rows(databases, "C_Order", "Description", C_Order_ID=1042) == [("one",)]
    star = client.patch(f"{ORDERS}/1042", json={"Description": "three"}, headers={**headers, "If-Match": "*"})
    assert star.status_code == 200
    fresh = client.patch(
        f"{ORDERS}/1042", json={"Description": "four"}, headers={**headers, "If-Match": star.headers["ETag"]}
    )
    assert fresh.status_code == 200 and fresh.get_json()["Description"] == "four"


@pytest.mark.parametrize("app_overrides", [{"secret_key": "k" * 80, "rest_require_if_match": True}])
def test_if_match_can_be_required(client, login_as, app_overrides) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.put(f"{ORDERS}/1042", json={"Description": "x"}, headers=headers)
    assert reply.status_code == 428 and reply.get_json()["type"] == "PRECONDITION-REQUIRED"
    assert client.delete(f"{ORDERS}/1042", headers=headers).status_code == 428
    assert client.post(PARTNERS, json={"Value": "R", "Name": "R"}, headers=headers).status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type", "status", "kind"),
    [
        ("{}", "text/plain", 415, "UNSUPPORTED-MEDIA-TYPE"),
        ("{not json", "application/json", 400, "BODY-ERROR"),
        ("[1, 2]", "application/json", 400, "BODY-ERROR"),
        ("", "application/json", 400, "BODY-ERROR"),
        ('{"Value": NaN}', "application/json", 400, "BODY-ERROR"),
        (
            '{"Value": "A", "Name": "B", "Attributes": ' + "[" * 70 + "]" * 70 + "}",
            "application/json",
            400,
            "BODY-ERROR",
        ),
        ('{"Value": "A", "Value": "B"}', "application/merge-patch+json", 400, "AMBIGUOUS-NAME"),
    ],
)
def test_body_errors(client, login_as, data, content_type, status, kind) -> None:  # type: ignore[no-untyped-def]
    reply = client.post(PARTNERS, data=data, content_type=content_type, headers=login_as("GardenAdmin"))
    assert reply.status_code == status and reply.get_json()["type"] == kind


def test_views_and_unknown_tables(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    reply = client.post("/api/v1/models/c_order_summary_v", json={"DocumentNo": "x"}, headers=headers)
    assert reply.status_code == 405 and reply.get_json()["type"] == "METHOD-NOT-ALLOWED"
    assert client.post("/api/v1/models/no_such", json={}, headers=headers).status_code == 404


def test_role_grants_and_denied_columns(client, login_as) -> None:  # type: ignore[no-untyped-def]
    user = login_as("GardenUser")
    reply = client.post("/api/v1/models/m_product", json={"Value": "P"}, headers=user)
    assert reply.status_code == 403 and reply.get_json()["type"] == "AUTHORIZATION-ERROR"
    reply = client.post(PARTNERS, json={"Value": "U", "Name": "U", "SO_CreditLimit": 5}, headers=user)
    assert reply.status_code == 400 and reply.get_json()["type"] == "UNKNOWN-COLUMN"
    reader = login_as("Reader")
    assert client.put(f"{ORDERS}/1042", json={"Description": "r"}, headers=reader).status_code == 403
    assert client.delete(f"{PARTNERS}/117", headers=reader).status_code == 403


def test_tenant_rules(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    seed = client.put(f"{ORDERS}/1042", json={"Description": "seed"}, headers=login_as("SeedAdmin"))
    assert seed.status_code == 404 and seed.get_json()["type"] == "RECORD-NOT-FOUND"
    admin = login_as("GardenAdmin")
    system_row = client.put(f"{PARTNERS}/112", json={"Description": "mine"}, headers=admin)
    assert system_row.status_code == 403 and system_row.get_json()["type"] == "AUTHORIZATION-ERROR"
    assert client.delete(f"{PARTNERS}/112", headers=admin).status_code == 403
    other = client.post(PARTNERS, json={"Value": "T", "Name": "T", "AD_Client_ID": 12}, headers=admin)
    assert other.status_code == 403
    own = client.post(PARTNERS, json={"Value": "T", "Name": "T", "AD_Client_ID": {"id": 11}}, headers=admin)
    assert own.status_code == 201 and own.get_json()["AD_Client_ID"]["id"] == 11
    moved = client.put(f"{ORDERS}/1042", json={"AD_Client_ID": 12}, headers=admin)
    assert moved.status_code == 403
    assert rows(databases, "C_Order", "AD_Client_ID", "Description", C_Order_ID=1042) == [(11, None)]


def test_system_session_must_name_the_client(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    reply = client.post(PARTNERS, json={"Value": "S", "Name": "S"}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "MANDATORY-MISSING"
    assert "AD_Client_ID" in reply.get_json()["detail"]
    reply = client.post(PARTNERS, json={"Value": "S", "Name": "S", "AD_Client_ID": 12}, headers=headers)
    assert reply.status_code == 201 and reply.get_json()["AD_Client_ID"]["id"] == 12


def test_org_rules_and_inherited_scope(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    user = login_as("GardenUser")
    reply = client.post(PARTNERS, json={"Value": "O", "Name": "O", "AD_Org_ID": 50000}, headers=user)
    assert reply.status_code == 403
    reply = client.post(PARTNERS, json={"Value": "O", "Name": "O", "AD_Org_ID": 50001}, headers=user)
    assert reply.status_code == 201 and reply.get_json()["AD_Org_ID"]["id"] == 50001
    reply = client.put(f"{ORDERS}/1042", json={"Description": "hq"}, headers=user)  # org 50000: invisible
    assert reply.status_code == 404
    system_order = rows(databases, "C_Order", "C_Order_ID", AD_Client_ID=0)[0][0]
    line = {**NEW_ORDER["C_OrderLine"][1], "C_Order_ID": system_order}
    reply = client.post("/api/v1/models/c_orderline", json=line, headers=login_as("GardenAdmin"))
    assert reply.status_code == 403 and reply.get_json()["type"] == "AUTHORIZATION-ERROR"
    assert count(databases, "C_OrderLine", C_Order_ID=system_order) == len(
        rows(databases, "C_OrderLine", "Line", C_Order_ID=system_order)
    )
    line["C_Order_ID"] = 1042
    reply = client.post("/api/v1/models/c_orderline", json=line, headers=login_as("GardenAdmin"))
    assert reply.status_code == 201 and reply.get_json()["C_Order_ID"]["id"] == 1042


def test_injection_attempts_are_inert(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    evil = 'x\'); DROP TABLE "C_BPartner"; --'
    reply = client.post(PARTNERS, json={"Value": "INJ", "Name": evil}, headers=headers)
    assert reply.status_code == 201 and reply.get_json()["Name"] == evil
    assert rows(databases, "C_BPartner", "Name", Value="INJ") == [(evil,)]
    reply = client.post(PARTNERS, json={"Value": "I2", "Name": "n", "Name = 'x' --": 1}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "UNKNOWN-COLUMN"
    body = json.dumps({"Value": "I3", "Name": "n", "C_BPartner_ID) VALUES (1); --": [{"x": 1}]})
    reply = client.post(PARTNERS, data=body, content_type="application/json", headers=headers)
    assert reply.status_code == 400 and "DROP" not in reply.get_data(as_text=True)
    assert count(databases, "C_BPartner", C_BPartner_ID=117) == 1


def test_same_stale_etag_twice_loses_no_update(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    etag = client.get(f"{PARTNERS}/117", headers=headers).headers["ETag"]
    winners = [
        client.patch(
            f"{PARTNERS}/117", json={"Description": text}, headers={**headers, "If-Match": etag}
        ).status_code
        for text in ("first", "second")
    ]
    assert winners == [200, 412]
    assert rows(databases, "C_BPartner", "Description", C_BPartner_ID=117) == [("first",)]
