"""Tenant × endpoint matrix (security.md §11 threats 6–8): client 11 never reads or changes client 12's rows,
and cannot tell a hidden row from a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sec_helpers import checksums, first_id, reflect, scalar

from gateway.db import Databases

MISSING = 987654


def _same_but_id(hidden: Any, missing: Any, hidden_id: int) -> None:
    assert hidden.status_code == missing.status_code, (hidden.get_json(), missing.get_json())
    text = hidden.get_data(as_text=True).replace(str(hidden_id), str(MISSING))
    assert text == missing.get_data(as_text=True)


def _cross_references(databases: Databases) -> dict[str, int]:
    """Tenant-11 order o11 pointing at tenant-12 partner p12, tenant-12 order o12 pointing at partner p11."""
    ids = {
        "p11": first_id(databases, "C_BPartner", 11),
        "p12": first_id(databases, "C_BPartner", 12),
        "o11": first_id(databases, "C_Order", 11),
        "o12": first_id(databases, "C_Order", 12),
    }
    tables = reflect(databases)
    orders, lines = tables["c_order"], tables["c_orderline"]
    with databases.data.begin() as conn:
        for order, partner in (("o11", "p12"), ("o12", "p11")):
            conn.execute(
                orders.update().where(orders.c.C_Order_ID == ids[order]).values(C_BPartner_ID=ids[partner])
            )
        line = sa.select(sa.func.min(lines.c.C_OrderLine_ID)).where(lines.c.C_Order_ID == ids["o12"])
        ids["line12"] = int(conn.execute(line).scalar_one())
    return ids


def _valrule(client: Any, system: dict[str, str]) -> str:
    rule = {"name": "OrderById", "tableName": "C_Order", "filter": "C_Order_ID eq @Order@", "clientId": 0}
    reply = client.post("/api/v1/valrules", json=rule, headers=system)
    assert reply.status_code == 201, reply.get_json()
    return "OrderById"


def _ids(reply: Any) -> list[int]:
    assert reply.status_code == 200, reply.get_json()
    return [r["id"] for r in reply.get_json()["records"]]


def test_tenant_reads(client: Any, databases: Databases, login_as: Callable[..., dict[str, str]]) -> None:
    ids = _cross_references(databases)
    garden, base = login_as("GardenAdmin"), "/api/v1/models"
    p12_uid = scalar(databases, "C_BPartner", "C_BPartner_UU", ids["p12"])
    p12_name = scalar(databases, "C_BPartner", "Name", ids["p12"])
    for table, key in (("C_BPartner", ids["p12"]), ("C_Order", ids["o12"]), ("C_OrderLine", ids["line12"])):
        for suffix in ("", "/Created"):
            _same_but_id(
                client.get(f"{base}/{table}/{key}{suffix}", headers=garden),
                client.get(f"{base}/{table}/{MISSING}{suffix}", headers=garden),
                key,
            )
        listed = client.get(f"{base}/{table}", query_string={"$filter": f"id eq {key}"}, headers=garden)
        assert _ids(listed) == []
    by_uid = client.get(f"{base}/C_BPartner/{p12_uid}", headers=garden)
    other_uid = client.get(f"{base}/C_BPartner/{uuid.uuid4()}", headers=garden)
    assert by_uid.status_code == other_uid.status_code == 404
    assert by_uid.get_json()["type"] == other_uid.get_json()["type"] == "RECORD-NOT-FOUND"
    counted = client.get(f"{base}/C_Order", query_string={"$filter": "AD_Client_ID eq 12"}, headers=garden)
    assert counted.get_json()["row-count"] == 0 and counted.headers["X-Row-Count"] == "0"
    rows = client.get(f"{base}/C_Order", query_string={"$select": "AD_Client_ID"}, headers=garden)
    assert {r["AD_Client_ID"]["id"] for r in rows.get_json()["records"]} <= {0, 11}
    # FK identifier and master expand of a visible order referencing an invisible partner
    order = client.get(f"{base}/C_Order/{ids['o11']}", headers=garden).get_json()
    assert order["C_BPartner_ID"]["id"] == ids["p12"] and order["C_BPartner_ID"]["identifier"] is None
    page = {"$filter": f"id eq {ids['o11']}", "$top": "5"}  # a page: FK objects by lookup on PostgreSQL
    listed_order = client.get(f"{base}/C_Order", query_string=page, headers=garden).get_json()["records"]
    assert [r["C_BPartner_ID"] for r in listed_order] == [order["C_BPartner_ID"]]
    master = client.get(f"{base}/C_Order/{ids['o11']}?$expand=C_BPartner_ID", headers=garden)
    assert master.get_json()["C_BPartner_ID"] is None
    # child expand and any() of a visible partner referenced by an invisible order
    children = client.get(f"{base}/C_BPartner/{ids['p11']}?$expand=C_Order", headers=garden)
    assert ids["o12"] not in [o["id"] for o in children.get_json()["C_Order"]]
    lambdas = {"$filter": f"C_Order/any(o: o/C_Order_ID eq {ids['o12']})"}
    assert _ids(client.get(f"{base}/C_BPartner", query_string=lambdas, headers=garden)) == []
    nav = {"$filter": f"C_BPartner_ID/Name eq '{p12_name.replace(chr(39), chr(39) * 2)}'"}
    assert _ids(client.get(f"{base}/C_Order", query_string=nav, headers=garden)) == []
    # inherited scope: lines of another tenant's order
    line_filter = {"$filter": f"C_Order_ID eq {ids['o12']}"}
    assert _ids(client.get(f"{base}/C_OrderLine", query_string=line_filter, headers=garden)) == []
    expanded = client.get(f"{base}/C_Order", headers=garden, query_string={"$expand": "C_OrderLine"})
    for record in expanded.get_json()["records"]:
        assert all(line["C_Order_ID"]["id"] == record["id"] for line in record["C_OrderLine"])
    # validation rule and batch items run under the same scope
    rule = _valrule(client, login_as("SuperUser", client_id=0, role="Admin"))
    for key, expected in ((ids["o12"], []), (ids["o11"], [ids["o11"]])):
        args = {"$valrule": rule, "$context": f"Order:{key}"}
        assert _ids(client.get(f"{base}/C_Order", query_string=args, headers=garden)) == expected
    batch = [{"method": "GET", "path": f"{base}/C_Order/{key}"} for key in (ids["o12"], ids["o11"])]
    items = client.post("/api/v1/batch?transaction=false", json=batch, headers=garden).get_json()
    assert [item["statusCode"] for item in items] == [404, 200], items


def test_tenant_writes(client: Any, databases: Databases, login_as: Callable[..., dict[str, str]]) -> None:
    garden = login_as("GardenAdmin")
    before = checksums(databases)
    partner = first_id(databases, "C_BPartner", 12)
    order = first_id(databases, "C_Order", 12)
    base = "/api/v1/models"
    if client.post(f"{base}/C_BPartner", json={}, headers=garden).status_code == 405:
        pytest.skip("the write path is not mounted")
    attempts = [
        client.post(
            f"{base}/C_BPartner", json={"Value": "X", "Name": "X", "AD_Client_ID": 12}, headers=garden
        ),
        client.post(
            f"{base}/C_Order",
            json={"DocumentNo": "X", "C_BPartner_ID": partner, "DateOrdered": "2024-01-01"},
            headers=garden,
        ),
        client.post(
            f"{base}/C_OrderLine",
            json={"C_Order_ID": order, "Line": 10, "QtyOrdered": 1, "PriceActual": 1, "LineNetAmt": 1},
            headers=garden,
        ),
        client.put(f"{base}/C_BPartner/{partner}", json={"Name": "pwned"}, headers=garden),
        client.patch(f"{base}/C_BPartner/{partner}", json={"Name": "pwned"}, headers=garden),
        client.delete(f"{base}/C_BPartner/{partner}", headers=garden),
        client.delete(f"{base}/C_Order/{order}", headers=garden),
        client.put(f"{base}/C_BPartner/112", json={"Name": "pwned"}, headers=garden),
        client.post(
            "/api/v1/batch",
            json=[{"method": "DELETE", "path": f"/api/v1/models/C_Order/{order}"}],
            headers=garden,
        ),
    ]
    for reply in attempts:
        assert 400 <= reply.status_code < 500 or (
            reply.status_code == 200 and isinstance(reply.get_json(), list)
        )
    _same_but_id(
        client.delete(f"{base}/C_BPartner/{partner}", headers=garden),
        client.delete(f"{base}/C_BPartner/{MISSING}", headers=garden),
        partner,
    )
    assert checksums(databases) == before
