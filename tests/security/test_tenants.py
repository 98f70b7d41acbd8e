"""Tenant × endpoint matrix (security.md §11 threats 6–8): client 11 never reads or changes client 12's rows,
and cannot tell a hidden row from a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sec_helpers import checksums, first_id

from gateway.db import Databases

MISSING = 987654


def _same_but_id(hidden: Any, missing: Any, hidden_id: int) -> None:
    assert hidden.status_code == missing.status_code, (hidden.get_json(), missing.get_json())
    text = hidden.get_data(as_text=True).replace(str(hidden_id), str(MISSING))
    assert text == missing.get_data(as_text=True)


def test_tenant_reads(client: Any, databases: Databases, login_as: Callable[..., dict[str, str]]) -> None:
    garden = login_as("GardenAdmin")
    partner = first_id(databases, "C_BPartner", 12)
    order = first_id(databases, "C_Order", 12)
    line_order = first_id(databases, "C_Order", 12, lambda t: t.c.C_Order_ID.isnot(None))
    base = "/api/v1/models"
    for table, key in (("C_BPartner", partner), ("C_Order", order)):
        _same_but_id(
            client.get(f"{base}/{table}/{key}", headers=garden),
            client.get(f"{base}/{table}/{MISSING}", headers=garden),
            key,
        )
        _same_but_id(
            client.get(f"{base}/{table}/{key}/Created", headers=garden),
            client.get(f"{base}/{table}/{MISSING}/Created", headers=garden),
            key,
        )
        listed = client.get(
            f"{base}/{table}", query_string={"$filter": f"{table}_ID eq {key}"}, headers=garden
        )
        assert listed.status_code == 200 and listed.get_json()["row-count"] == 0
    rows = client.get(
        f"{base}/C_Order", query_string={"$top": "0", "$select": "AD_Client_ID"}, headers=garden
    )
    assert {r["AD_Client_ID"]["id"] for r in rows.get_json()["records"]} <= {0, 11}
    nav = client.get(
        f"{base}/C_Order", query_string={"$filter": "C_BPartner_ID/AD_Client_ID eq 12"}, headers=garden
    )
    assert nav.status_code == 200 and nav.get_json()["records"] == []
    lines = client.get(
        f"{base}/C_OrderLine", query_string={"$filter": f"C_Order_ID eq {line_order}"}, headers=garden
    )
    assert lines.status_code == 200 and lines.get_json()["records"] == []
    anyq = client.get(
        f"{base}/C_BPartner",
        headers=garden,
        query_string={"$filter": "C_Order_C_BPartner_ID/any(o: o/AD_Client_ID eq 12)"},
    )
    assert anyq.status_code >= 400 or anyq.get_json()["records"] == []
    expanded = client.get(
        f"{base}/C_Order", headers=garden, query_string={"$expand": "C_OrderLine,C_BPartner_ID", "$top": "0"}
    )
    for record in expanded.get_json()["records"]:
        assert record["C_BPartner_ID"] is None or record["C_BPartner_ID"]["AD_Client_ID"]["id"] in (0, 11)
        assert all(line["AD_Client_ID"]["id"] in (0, 11) for line in record.get("C_OrderLine", []))


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

