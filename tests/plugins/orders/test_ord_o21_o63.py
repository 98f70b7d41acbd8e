"""O-21 (sensitive data needs a trusted https hop) and O-63 (reschedule racing an engine claim)."""

from __future__ import annotations

from typing import Any

import pytest

SENSITIVE = {"staticdata": {"a": 1}, "sensitive_data": {"tax_id": {"123": {"data": {"n": "x"}}}}}


@pytest.fixture(params=[0, 1], ids=["hops0", "hops1"])
def app_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    return {"trusted_proxy_hops": request.param}


def test_o21_forwarded_proto_needs_a_trusted_hop(api: Any, app_overrides: dict[str, object]) -> None:
    reply = api.post(
        "/workflows/ACC-W?action=createOrder",
        SENSITIVE,
        user="keeper",
        secure=False,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
    )
    if app_overrides["trusted_proxy_hops"] == 0:
        assert reply.status_code == 409 and reply.get_json()["type"] == "SENSITIVE-DATA-ERROR"
    else:
        assert reply.status_code == 201, reply.get_json()


def test_o63_reschedule_loses_to_an_engine_claim(api: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine claims the order between the action's check and its update: 409 RESCHEDULE-ERROR."""
    order_id = api.create()
    store = app.extensions["gateway"].extras["gateway.facade"].service("orders._bundle").store
    original = store.move

    def claimed_first(uow: Any, order: Any, new: str, action: str, **kw: Any) -> bool:
        if action == "reschedule":  # what a runner's claim does: IN-PROGRESS under its session
            store.update(
                uow, order["workflow_instanceid"], workflowstatus="IN-PROGRESS", status_sessionid=987
            )
        return bool(original(uow, order, new, action, **kw))

    monkeypatch.setattr(store, "move", claimed_first)
    reply = api.put(f"/orders/{order_id}?action=reschedule", {"date": "2026-02-01T00:00:00Z"}, user="admin")
    assert reply.status_code == 409 and reply.get_json()["type"] == "RESCHEDULE-ERROR", reply.get_json()
    monkeypatch.setattr(store, "move", original)
    assert api.get(f"/orders/{order_id}", user="admin").get_json()["workflowstatus"] == "READY"
