"""POST/PUT/PATCH/DELETE /api/v1/models on SQLite, PostgreSQL and MariaDB: value forms, FKs, updates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

ORDERS = "/api/v1/models/c_order"
ORDER_1042_UU = "5b0d2f0e-8a1c-4c55-9a57-3f1f0a6e2b10"
NEW_ORDER = {
    "DocumentNo": "SO-2001",
    "C_BPartner_ID": {"identifier": "C&W Construction"},
    "DateOrdered": "2025-04-01",
    "GrandTotal": 132.25,
    "DocStatus": "DR",
    "IsSOTrx": True,
    "C_OrderLine": [
        {"Line": 10, "M_Product_ID": {"lookupColumn": "Value", "lookupValue": "AZ-01"},
         "QtyOrdered": 3, "PriceActual": 23.75, "LineNetAmt": 71.25},
        {"Line": 20, "M_Product_ID": 145, "QtyOrdered": 1, "PriceActual": 61, "LineNetAmt": 61},
    ],
}  # fmt: skip


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return {"secret_key": "k" * 80}


def rows(databases, table: str, *columns: str, **where: object) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Rows of `table` straight from the database (Core quotes the mixed-case names)."""
    selected = [sa.column(c) for c in columns] or [sa.literal(1)]
    stmt = sa.select(*selected).select_from(sa.table(table))
    stmt = stmt.where(*(sa.column(k) == v for k, v in where.items()))
    with databases.data.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def count(databases, table: str, **where: object) -> int:  # type: ignore[no-untyped-def]
    return len(rows(databases, table, **where))


def test_post_inserts_order_and_lines_and_rereads_them(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.post(ORDERS, json=NEW_ORDER, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    assert reply.headers["Location"] == f"/api/v1/models/c_order/{body['id']}"
    assert body["DocumentNo"] == "SO-2001" and body["C_BPartner_ID"]["id"] == 117
    assert body["AD_Client_ID"]["id"] == 11 and body["AD_Org_ID"]["id"] == 0
    assert body["Created"] == "2025-01-01T00:00:00Z" and body["Updated"] == "2025-01-01T00:00:00Z"
    assert len(body["uid"]) == 36 and body["model-name"] == "c_order"
    lines = body["C_OrderLine"]
    assert [line["Line"] for line in lines] == [10, 20]
    assert [line["M_Product_ID"]["identifier"] for line in lines] == ["Azalea Bush", "Oak Tree"]
    assert all(line["C_Order_ID"]["id"] == body["id"] for line in lines)
    assert '"LineNetAmt":71.25' in reply.get_data(as_text=True)
    again = client.get(reply.headers["Location"], headers=headers)
    assert again.status_code == 200 and again.headers["ETag"] == reply.headers["ETag"]


def test_post_fills_database_defaults_and_uses_body_uid(client, login_as) -> None:  # type: ignore[no-untyped-def]
    uid = "7D1E0000-0000-4000-8000-000000000001"
    body = {"documentno": "SO-2002", "C_BPartner_ID": 117, "DateOrdered": "2025-04-02", "uid": uid, "id": 5}
    reply = client.post(ORDERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 201, reply.get_json()
    record = reply.get_json()
    assert record["uid"] == uid.lower() and record["id"] != 5 and record["DocumentNo"] == "SO-2002"
    assert record["DocStatus"] == "DR" and record["IsSOTrx"] is True and record["IsActive"] is True
    assert '"GrandTotal":0.00' in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "partner",
    [117, "117", {"id": 117}, "uid", {"identifier": "C&W Construction"},
     {"lookupColumn": "value", "lookupValue": "CW", "propertyLabel": "x", "model-name": "c_bpartner"}],
)  # fmt: skip
def test_fk_value_forms_resolve_to_the_key(client, login_as, databases, partner) -> None:  # type: ignore[no-untyped-def]
    if partner == "uid":
        partner = {"uid": rows(databases, "C_BPartner", "C_BPartner_UU", C_BPartner_ID=117)[0][0].upper()}
    body = {"DocumentNo": "SO-FK", "C_BPartner_ID": partner, "DateOrdered": "2025-04-02"}
    reply = client.post(ORDERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["C_BPartner_ID"]["id"] == 117


def test_fk_identifier_matching_two_rows_is_ambiguous(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    twin = client.post(
        "/api/v1/models/c_bpartner", json={"Value": "CW2", "Name": "C&W Construction"}, headers=headers
    )
    assert twin.status_code == 201, twin.get_json()
    body = {
        "DocumentNo": "SO-X",
        "C_BPartner_ID": {"identifier": "C&W Construction"},
        "DateOrdered": "2025-04-02",
    }
    reply = client.post(ORDERS, json=body, headers=headers)
    assert reply.status_code == 400
    problem = reply.get_json()
    assert problem["type"] == "REFERENCE-AMBIGUOUS" and "C&W Construction" in problem["detail"]
    assert problem["errors"][0]["field"] == "C_BPartner_ID"


@pytest.mark.parametrize(
    "partner",
    [123, {"identifier": "Ålesund Tre AS"}, {"uid": "00000000-0000-4000-8000-000000000000"}, 99999,
     {"lookupColumn": "Value", "lookupValue": "' OR '1'='1"}],
)  # fmt: skip
def test_fk_to_missing_or_invisible_rows_is_not_found(client, login_as, databases, partner) -> None:  # type: ignore[no-untyped-def]
    before = count(databases, "C_Order")
    body = {"DocumentNo": "SO-X", "C_BPartner_ID": partner, "DateOrdered": "2025-04-02"}
    reply = client.post(ORDERS, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "REFERENCE-NOT-FOUND"
    assert reply.get_json()["errors"][0]["field"] == "C_BPartner_ID"
    assert count(databases, "C_Order") == before


def test_denied_lookup_column_is_not_found(client, login_as) -> None:  # type: ignore[no-untyped-def]
    body = {"DocumentNo": "SO-X", "DateOrdered": "2025-04-02",
            "C_BPartner_ID": {"lookupColumn": "SO_CreditLimit", "lookupValue": 0}}  # fmt: skip
    reply = client.post(ORDERS, json=body, headers=login_as("GardenUser"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "REFERENCE-NOT-FOUND"


def test_negative_id_clears_a_nullable_fk_and_is_missing_for_not_null(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.put(f"{ORDERS}/1042", json={"SalesRep_ID": 102}, headers=headers)
    assert reply.status_code == 200 and reply.get_json()["SalesRep_ID"]["id"] == 102
    reply = client.put(f"{ORDERS}/1042", json={"SalesRep_ID": -1}, headers=headers)
    assert reply.status_code == 200 and reply.get_json()["SalesRep_ID"] is None
    reply = client.put(f"{ORDERS}/1042", json={"C_BPartner_ID": -1}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "MANDATORY-MISSING"


def test_zero_id_is_an_ordinary_key(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.put(f"{ORDERS}/1042", json={"AD_Org_ID": 0}, headers=headers)
    assert reply.status_code == 200 and reply.get_json()["AD_Org_ID"]["id"] == 0
    reply = client.put(f"{ORDERS}/1042", json={"SalesRep_ID": 0}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["SalesRep_ID"]["id"] == 0  # AD_User 0 (System) exists and is visible


def test_values_are_converted_per_column_kind(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    body = {
        "IsSOTrx": "n", "DatePromised": "2025-04-01T10:00:00.5+02:00", "GrandTotal": "12345.6",
        "Description": "  keep  spaces  ", "DateOrdered": "2025-02-28",
    }  # fmt: skip
    reply = client.put(f"{ORDERS}/1042", json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    record = reply.get_json()
    assert record["IsSOTrx"] is False and record["DatePromised"] == "2025-04-01T08:00:00.500000Z"
    assert '"GrandTotal":12345.60' in reply.get_data(as_text=True)
    assert record["Description"] == "  keep  spaces  " and record["DateOrdered"] == "2025-02-28"
    assert rows(databases, "C_Order", "IsSOTrx", C_Order_ID=1042) == [("N",)]


@pytest.mark.parametrize("flag", [True, "Y", "true", "TRUE", "y"])
def test_yes_no_accepts_the_documented_spellings(client, login_as, flag) -> None:  # type: ignore[no-untyped-def]
    reply = client.put(f"{ORDERS}/1042", json={"IsSOTrx": flag}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200 and reply.get_json()["IsSOTrx"] is True


def test_all_invalid_values_are_reported_together(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    body = {
        "IsSOTrx": "maybe", "DateOrdered": "2025-02-30", "GrandTotal": 1.234, "DocumentNo": "X" * 31,
        "DatePromised": "yesterday", "SalesRep_ID": 1.5, "Description": 42,
    }  # fmt: skip
    reply = client.put(f"{ORDERS}/1042", json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400
    problem = reply.get_json()
    assert problem["type"] == "VALIDATION-ERROR"
    assert {e["field"] for e in problem["errors"]} == set(body)
    assert rows(databases, "C_Order", "IsSOTrx", "DocumentNo", C_Order_ID=1042) == [("Y", "SO-1042")]


@pytest.mark.parametrize("total", [1234567890123, "99999999999999.5", "NaN"])
def test_numeric_precision_is_checked(client, login_as, total) -> None:  # type: ignore[no-untyped-def]
    reply = client.put(f"{ORDERS}/1042", json={"GrandTotal": total}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"


def test_unknown_and_duplicate_keys(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.put(f"{ORDERS}/1042", json={"Nope": 1, "Description": "x", "Other": 2}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "UNKNOWN-COLUMN"
    assert {e["field"] for e in reply.get_json()["errors"]} == {"Nope", "Other"}
    reply = client.put(f"{ORDERS}/1042", json={"Description": "a", "description": "b"}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "AMBIGUOUS-NAME"
    reply = client.put(f"{ORDERS}/1042", json={"C_BPartner": [{"Name": "x"}]}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "UNKNOWN-COLUMN"
    assert "not a column or child table of c_order" in reply.get_json()["errors"][0]["message"]


def test_tolerated_keys_are_ignored(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    record = client.get(f"{ORDERS}/1042", headers=headers).get_json()
    extras = {"model-name": "c_order", "tableName": "C_Order", "identifier": "x", "propertyLabel": "y"}
    reply = client.put(f"{ORDERS}/1042", json={**extras, "id": 1042, "Description": "echo"}, headers=headers)
    assert reply.status_code == 200 and reply.get_json()["Description"] == "echo"
    echoed = {k: v for k, v in record.items() if k not in ("Updated",)}
    reply = client.put(f"{ORDERS}/1042", json=echoed, headers=headers)
    assert reply.status_code == 200, reply.get_json()


def test_mandatory_fields_are_listed_together(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.post(ORDERS, json={"Description": "only"}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400
    problem = reply.get_json()
    assert problem["type"] == "MANDATORY-MISSING"
    assert problem["detail"] == "Fill mandatory fields: DocumentNo, C_BPartner_ID, DateOrdered"
    assert [e["field"] for e in problem["errors"]] == ["DocumentNo", "C_BPartner_ID", "DateOrdered"]
    reply = client.put(f"{ORDERS}/1042", json={"DocumentNo": None}, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "MANDATORY-MISSING"


def test_readonly_columns_accept_only_their_current_value(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    record = client.get(f"{ORDERS}/1042", headers=headers).get_json()
    same = {
        "Created": record["Created"],
        "uid": record["uid"].upper(),
        "C_Order_ID": 1042,
        "Description": "ok",
    }
    reply = client.put(f"{ORDERS}/1042", json=same, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    for change in ({"Created": "2020-01-01T00:00:00Z"}, {"uid": "7d1e0000-0000-4000-8000-000000000009"},
                   {"C_Order_ID": 7}):  # fmt: skip
        reply = client.put(f"{ORDERS}/1042", json=change, headers=headers)
        assert reply.status_code == 400 and reply.get_json()["type"] == "READONLY-COLUMN", change
    reply = client.put(f"{ORDERS}/1042", json={"id": 1043, "Description": "no"}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "VALIDATION-ERROR"
    reply = client.post(ORDERS, json={**NEW_ORDER, "Created": "2020-01-01"}, headers=headers)
    assert reply.status_code == 400 and reply.get_json()["type"] == "READONLY-COLUMN"
    assert rows(databases, "C_Order", "Description", C_Order_ID=1042) == [("ok",)]


def test_put_and_patch_are_partial_updates(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    before = client.get(f"{ORDERS}/1042", headers=headers).get_json()
    reply = client.patch(f"{ORDERS}/{ORDER_1042_UU}", json={"Description": "Urgent"}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    after = reply.get_json()
    assert after["Description"] == "Urgent" and after["Updated"] == "2025-01-01T00:00:00Z"
    assert {k: v for k, v in after.items() if k not in ("Description", "Updated")} == {
        k: v for k, v in before.items() if k not in ("Description", "Updated")
    }
    reply = client.put(f"{ORDERS}/1042", json={}, headers=headers)
    assert reply.status_code == 200 and reply.get_json()["Description"] == "Urgent"


def test_delete_then_not_found(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    created = client.post("/api/v1/models/c_bpartner", json={"Value": "DEL", "Name": "Gone"}, headers=headers)
    location = created.headers["Location"]
    reply = client.delete(location, headers=headers)
    assert reply.status_code == 200 and reply.get_json() == {"msg": "Deleted"}
    assert client.get(location, headers=headers).status_code == 404
    again = client.delete(location, headers=headers)
    assert again.status_code == 404 and again.get_json()["type"] == "RECORD-NOT-FOUND"
    assert count(databases, "C_BPartner", Value="DEL") == 0


def test_delete_of_a_referenced_row_is_a_conflict(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    reply = client.delete(f"{ORDERS}/1042", headers=login_as("GardenAdmin"))
    assert reply.status_code == 409 and reply.get_json()["type"] == "REFERENCED-ROW"
    assert "SQL" not in reply.get_data(as_text=True) and "constraint" not in reply.get_data(as_text=True)
    assert count(databases, "C_Order", C_Order_ID=1042) == 1
