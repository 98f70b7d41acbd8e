"""Record-bound workflows: the record key and the record guard (orders.md §3.2, §3.4; O-26 to O-28, O-102)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

REC = {
    "name": "ACC-REC",
    "version": "1.0",
    "autostart": 1,
    "max_instances": 5,
    "keylist": ["invoice"],
    "record_table": "c_bpartner",
    "steps": [{"name": "r1", "type": "normal", "function": "builtin.scripted"}],
}


@pytest.fixture
def rec(api: Any, app: Any) -> Any:
    bundle = app.extensions["gateway"].extras["gateway.facade"].service("workflows._bundle")
    with app.test_request_context():
        bundle.definitions.create(REC)
    return api


def _code(reply: Any) -> tuple[int, str]:
    return reply.status_code, (reply.get_json() or {}).get("type", "")


def _create(api: Any, static: Any) -> Any:
    return api.post("/workflows/ACC-REC?action=createOrder", {"staticdata": static})


def _partner(app: Any) -> int:
    """A business partner of client 11 (the spec's C_BPartner 1000)."""
    partner = sa.table("C_BPartner", sa.column("C_BPartner_ID"), sa.column("AD_Client_ID"))
    query = sa.select(partner.c.C_BPartner_ID).where(partner.c.AD_Client_ID == 11).limit(1)
    with app.extensions["gateway"].databases.data.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_o26_o27_o28_record_guard(rec: Any, app: Any) -> None:
    assert _code(_create(rec, {"a": 1})) == (400, "ORDER-DATA-ERROR")
    assert _code(_create(rec, {"model-name": "c_bpartner", "record-id": 999999})) == (400, "ORDER-DATA-ERROR")
    key = _partner(app)
    static = {"model-name": "c_bpartner", "record-id": key}
    first = _create(rec, static)
    assert first.status_code == 201, first.get_json()
    first_id = first.get_json()["workflow_instanceid"]
    assert rec.detail(first_id)["keys"]["record"] == [f"c_bpartner:{key}"]
    assert _code(_create(rec, static)) == (409, "RECORD-WORKFLOW-ACTIVE")
    rec.put(f"/orders/{first_id}?action=cancel")
    second = _create(rec, static)
    assert second.status_code == 201
    assert _code(rec.put(f"/orders/{first_id}?action=uncancel")) == (409, "RECORD-WORKFLOW-ACTIVE")
    assert rec.status(first_id) == "CANCELED"
    second_id = second.get_json()["workflow_instanceid"]
    kept = rec.put(f"/orders/{second_id}?action=updateKeys", {"orderkeys": {"invoice": "z"}})
    assert kept.get_json() == {"record": [f"c_bpartner:{key}"], "invoice": ["z"]}
    changed = rec.put(f"/orders/{second_id}?action=updateKeys", {"orderkeys": {"record": "c_bpartner:1"}})
    assert _code(changed) == (400, "ORDER-KEY-ERROR")
    rec.drain()
    assert rec.status(second_id) == "COMPLETE"
    assert _create(rec, static).status_code == 201  # the guard is released on COMPLETE
