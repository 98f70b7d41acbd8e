"""Every cell of the operator transition table (orders.md §6.1), allowed and refused, on every backend."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

ACTIONS = (
    "retry",
    "setError",
    "block",
    "unblock",
    "cancel",
    "uncancel",
    "reschedule",
    "execSynchronous",
    "setPriority",
    "skipStep",
)
CODES = {
    "retry": "STATUS-ERROR",
    "setError": "STATUS-ERROR",
    "block": "BLOCK-WORKFLOW-ERROR",
    "unblock": "BLOCK-WORKFLOW-ERROR",
    "cancel": "CANCEL-WORKFLOW-ERROR",
    "uncancel": "CANCEL-WORKFLOW-ERROR",
    "reschedule": "WORKFLOW-STATUS-ERROR",
    "execSynchronous": "STATUS-ERROR",
    "setPriority": "WORKFLOW-STATUS-ERROR",
    "skipStep": "STATUS-ERROR",
}
X = None  # refused
TABLE: dict[str, tuple[str | None, ...]] = {
    # retry,   setError, block,     unblock, cancel,     uncancel, reschedule, exec,     setPriority, skipStep
    "READY": (X, X, "BLOCKED", X, "CANCELED", X, "READY", "COMPLETE", "=", X),
    "SCHEDULED": (X, X, "BLOCKED", X, "CANCELED", X, "READY", "COMPLETE", "=", X),
    "IN-PROGRESS": (X, X, X, X, X, X, X, X, "=", X),
    "WAITING": (X, X, "BLOCKED", X, "CANCELED", X, X, X, "=", X),
    "ASYNC-WAITING": ("RETRY", "ERROR", "BLOCKED", X, "CANCELED", X, X, X, "=", "RETRY"),
    "EVENT-WAITING": (X, X, "BLOCKED", X, "CANCELED", X, X, X, "=", "RETRY"),
    "INCOMPLETE": (X, X, "BLOCKED", X, "CANCELED", X, X, X, "=", X),
    "RETRY": ("RETRY", "ERROR", "BLOCKED", X, "CANCELED", X, X, X, "=", "RETRY"),
    "ERROR": ("RETRY", X, "BLOCKED", X, "CANCELED", X, X, X, "=", "RETRY"),
    "COMPLETE": (X, X, X, X, X, X, X, X, X, X),
    "CANCELED": (X, "ERROR", X, X, X, "READY", "=", X, "=", X),
    "BLOCKED": (X, "ERROR", X, "READY", "CANCELED", X, "=", X, "=", X),
}
WAITING_STEP = {"ASYNC-WAITING": "s2", "EVENT-WAITING": "s3"}


def _make(api: Any, app: Any, status: str) -> int:
    if status != "INCOMPLETE":
        return int(api.recipe(status))
    order_id = api.recipe("READY")
    with app.extensions["gateway"].databases.meta.begin() as conn:
        conn.execute(
            sa.text("UPDATE gw_order SET workflowstatus = 'INCOMPLETE' WHERE workflow_instanceid = :i"),
            {"i": order_id},
        )
    return order_id


def _stepid(api: Any, order_id: int, status: str) -> int:
    steps = api.get("/workflows/ACC-W:1.0", user="admin").get_json().get("steps")
    name = WAITING_STEP.get(status, "s1")
    if steps:
        return int(next(s["stepid"] for s in steps if s["name"] == name))
    instances = api.detail(order_id)["StepInstances"]
    return int(next(s["stepid"] for s in instances if s["stepname"] == name))


def _call(api: Any, order_id: int, action: str, status: str) -> Any:
    if action == "execSynchronous":
        return api.post(f"/orders/{order_id}?action=execSynchronous", {})
    body = {"setPriority": {"priority": 7}, "skipStep": {"stepid": _stepid(api, order_id, status)}}.get(
        action
    )
    return api.put(f"/orders/{order_id}?action={action}", body)


@pytest.mark.parametrize("status", list(TABLE))
def test_transition_row(api: Any, app: Any, status: str) -> None:
    for action, expected in zip(ACTIONS, TABLE[status], strict=True):
        order_id = _make(api, app, status)
        before = api.status(order_id)
        assert before == status, (status, action)
        reply = _call(api, order_id, action, status)
        after = api.status(order_id)
        if expected is None:
            assert reply.status_code == 409, (status, action, reply.get_json())
            assert reply.get_json()["type"] == CODES[action], (status, action, reply.get_json())
            assert after == status, (status, action)
        else:
            assert reply.status_code == 200, (status, action, reply.get_json())
            assert after == (status if expected == "=" else expected), (status, action)
