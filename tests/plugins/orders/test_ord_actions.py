"""Status actions and the engine's answers to them (orders.md §16.4)."""

from __future__ import annotations

from typing import Any

import pytest


def _put(api: Any, order_id: int, action: str, body: Any = None, user: str = "opA") -> Any:
    return api.put(f"/orders/{order_id}?action={action}", body, user=user)


def _code(reply: Any) -> tuple[int, str]:
    return reply.status_code, (reply.get_json() or {}).get("type", "")


def test_o37_retry_error(api: Any) -> None:
    order_id = api.recipe("ERROR")
    reply = _put(api, order_id, "retry")
    assert reply.status_code == 200
    assert reply.get_json() == {
        "steps_updated": 0,
        "segments_updated": 1,
        "workflow_updated": True,
        "workflow_status": "RETRY",
        "cached": False,
    }
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "ERROR" and doc["error_count"] == 2


def test_o38_retry_then_complete(api: Any) -> None:
    order_id = api.create({"staticdata": {"script": {"s1": "error-once:ACC-ERR"}}})
    api.drain()
    assert api.status(order_id) == "ERROR"
    _put(api, order_id, "retry")
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "COMPLETE"
    assert [s["retries"] for s in doc["StepInstances"] if s["stepname"] == "s1"] == [1]


@pytest.mark.parametrize("recipe", ["COMPLETE", "READY", "BLOCKED"])
def test_o39_retry_refused(api: Any, recipe: str) -> None:
    assert _code(_put(api, api.recipe(recipe), "retry")) == (409, "STATUS-ERROR")


def test_o40_retry_async(api: Any) -> None:
    order_id = api.recipe("ASYNC-WAITING")
    assert _put(api, order_id, "retry").get_json()["workflow_status"] == "RETRY"
    api.drain()
    assert api.status(order_id) == "ASYNC-WAITING"


def test_o41_o42_retry_delay(api: Any, clock: Any) -> None:
    order_id = api.recipe("RETRY")
    assert api.status(order_id) == "RETRY"
    clock.advance(59)
    api.drain()
    assert api.detail(order_id)["error_count"] == 1
    clock.advance(2)
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "RETRY" and doc["error_count"] == 2
    _put(api, order_id, "retry")
    api.drain()
    assert api.detail(order_id)["error_count"] == 3


def test_o43_set_error_from_retry(api: Any) -> None:
    reply = _put(api, api.recipe("RETRY"), "setError").get_json()
    assert (
        reply["workflow_status"] == "ERROR" and reply["old_status"] == "RETRY" and reply["steps_updated"] == 1
    )
    assert sum(1 for k, v in reply.items() if k.startswith("queued_") and v == 0) == 7


@pytest.mark.parametrize("recipe", ["ERROR", "READY", "COMPLETE", "EVENT-WAITING"])
def test_o44_set_error_refused(api: Any, recipe: str) -> None:
    assert _code(_put(api, api.recipe(recipe), "setError")) == (409, "STATUS-ERROR")


def test_o45_o46_waiting_parent(api: Any) -> None:
    parent = api.recipe("WAITING")
    assert api.status(parent) == "WAITING"
    refused = _put(api, parent, "setError")
    assert _code(refused) == (409, "STATUS-ERROR") and "child" in refused.get_json()["detail"]
    doc = api.detail(parent)
    child = next(int(k) for k in doc["HierarchyInfo"] if int(k) != parent)
    assert doc["StepInstances"][0]["stepstatus"] == "WAITING"
    assert doc["StepInstances"][0]["subworkflow_instanceid"] == child
    assert api.detail(child)["subworkflow"] is True
    assert _put(api, child, "setError").status_code == 200
    api.drain()
    parent_doc = api.detail(parent)
    assert parent_doc["workflowstatus"] == "ERROR"
    assert [e["error"] for e in parent_doc["ErrorInstances"]] == ["SUBWORKFLOW-ERROR"]
    assert _code(_put(api, parent, "skipStep", {"stepid": doc["StepInstances"][0]["stepid"]})) == (
        409,
        "SKIP-STEP-ERROR",
    )


def test_o47_set_error_async(api: Any) -> None:
    order_id = api.recipe("ASYNC-WAITING")
    assert _put(api, order_id, "setError").status_code == 200
    assert api.status(order_id) == "ERROR"


def test_o48_block_unblock(api: Any) -> None:
    order_id = api.recipe("READY")
    assert _put(api, order_id, "block").get_json() == {"workflow_status": "BLOCKED"}
    assert api.detail(order_id)["workflowstatus_orig"] == "READY"
    api.drain()
    assert api.status(order_id) == "BLOCKED"
    assert _put(api, order_id, "unblock").get_json() == {"workflow_status": "READY"}
    api.drain()
    assert api.status(order_id) == "COMPLETE"


def test_o49_in_progress_refusals(api: Any) -> None:
    order_id = api.recipe("IN-PROGRESS")
    assert _code(_put(api, order_id, "block")) == (409, "BLOCK-WORKFLOW-ERROR")
    assert _code(_put(api, order_id, "cancel")) == (409, "CANCEL-WORKFLOW-ERROR")
    assert _code(_put(api, order_id, "reschedule")) == (409, "WORKFLOW-STATUS-ERROR")


def test_o50_o51_cancel_uncancel(api: Any) -> None:
    order_id = api.recipe("ERROR")
    _put(api, order_id, "cancel")
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "CANCELED" and doc["workflowstatus_orig"] == "ERROR"
    assert _put(api, order_id, "uncancel").get_json() == {"workflow_status": "ERROR"}
    assert api.detail(order_id)["workflowstatus_orig"] is None
    canceled = api.recipe("CANCELED")
    assert _put(api, canceled, "setError").status_code == 200
    doc = api.detail(canceled)
    assert doc["workflowstatus"] == "ERROR" and doc["workflowstatus_orig"] is None
    assert _put(api, canceled, "retry").get_json()["workflow_status"] == "RETRY"


def test_o52_o53_held(api: Any) -> None:
    blocked = api.recipe("BLOCKED")
    _put(api, blocked, "setError")
    assert api.detail(blocked)["workflowstatus_orig"] is None
    scheduled = api.recipe("SCHEDULED")
    _put(api, scheduled, "block")
    assert api.detail(scheduled)["workflowstatus_orig"] == "SCHEDULED"
    _put(api, scheduled, "cancel")
    doc = api.detail(scheduled)
    assert doc["workflowstatus"] == "CANCELED" and doc["workflowstatus_orig"] == "SCHEDULED"
    assert _put(api, scheduled, "uncancel").get_json() == {"workflow_status": "SCHEDULED"}


def test_o54_to_o56_refusals(api: Any) -> None:
    ready = api.recipe("READY")
    assert _code(_put(api, ready, "unblock")) == (409, "BLOCK-WORKFLOW-ERROR")
    assert _code(_put(api, ready, "uncancel")) == (409, "CANCEL-WORKFLOW-ERROR")
    done = api.recipe("COMPLETE")
    assert _code(_put(api, done, "block")) == (409, "BLOCK-WORKFLOW-ERROR")
    assert _code(_put(api, done, "cancel")) == (409, "CANCEL-WORKFLOW-ERROR")
    assert _code(_put(api, done, "setPriority", {"priority": 1})) == (409, "WORKFLOW-STATUS-ERROR")
    blocked, canceled = api.recipe("BLOCKED"), api.recipe("CANCELED")
    assert _code(_put(api, blocked, "block")) == (409, "BLOCK-WORKFLOW-ERROR")
    assert _code(_put(api, canceled, "cancel")) == (409, "CANCEL-WORKFLOW-ERROR")
    assert _code(_put(api, canceled, "block")) == (409, "BLOCK-WORKFLOW-ERROR")


def test_o57_event_while_blocked(api: Any) -> None:
    order_id = api.recipe("EVENT-WAITING")
    assert api.status(order_id) == "EVENT-WAITING"
    _put(api, order_id, "block")
    assert api.put("/sync-events/EV?action=post", {"eventkey": "k1"}).get_json() is True
    assert _put(api, order_id, "unblock").get_json() == {"workflow_status": "EVENT-WAITING"}
    api.drain()
    assert api.status(order_id) == "COMPLETE"


def test_o58_to_o62_reschedule(api: Any, clock: Any) -> None:
    from datetime import UTC, datetime

    order_id = api.recipe("READY")
    assert _put(api, order_id, "reschedule", {"date": "2026-01-16T12:00:00Z"}).get_json() == "OK"
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "SCHEDULED" and doc["scheduled"] == "2026-01-16T12:00:00Z"
    api.drain()
    assert api.status(order_id) == "SCHEDULED"
    clock.set(datetime(2026, 1, 16, 12, 0, 1, tzinfo=UTC))
    api.drain()
    assert api.status(order_id) == "COMPLETE"
    scheduled = api.create({"staticdata": {"a": 1}, "scheduled": "2026-01-17T13:00:00Z"})
    _put(api, scheduled, "reschedule", {})
    doc = api.detail(scheduled)
    assert doc["workflowstatus"] == "READY" and doc["scheduled"] is None
    ready = api.recipe("READY")
    _put(api, ready, "reschedule", {"date": "2026-01-16T11:00:00Z"})
    assert api.detail(ready)["scheduled"] == "2026-01-16T11:00:00Z"
    blocked = api.recipe("BLOCKED")
    _put(api, blocked, "reschedule", {"date": "2026-01-17T13:00:00Z"})
    doc = api.detail(blocked)
    assert doc["workflowstatus"] == "BLOCKED" and doc["workflowstatus_orig"] == "SCHEDULED"
    assert _put(api, blocked, "unblock").get_json() == {"workflow_status": "SCHEDULED"}


def test_o61_reschedule_refused(api: Any) -> None:
    error = api.recipe("ERROR")
    assert _code(_put(api, error, "reschedule")) == (409, "WORKFLOW-STATUS-ERROR")
    _put(api, error, "block")
    assert _code(_put(api, error, "reschedule")) == (409, "WORKFLOW-STATUS-ERROR")


def test_o64_session_error(api: Any) -> None:
    error = api.recipe("ERROR")
    api.hold(error, keep_status=True)
    assert _code(_put(api, error, "retry")) == (409, "SESSION-ERROR")
    ready = api.recipe("READY")
    api.hold(ready, keep_status=True)
    assert _code(_put(api, ready, "reschedule")) == (409, "SESSION-ERROR")


def test_o65_to_o67_priority(api: Any) -> None:
    order_id = api.recipe("READY")
    assert _put(api, order_id, "setPriority", {"priority": 10}).get_json() == "OK"
    assert api.detail(order_id)["priority"] == 10
    for body in ({"priority": -1}, {"priority": 1000}, {}):
        assert _code(_put(api, order_id, "setPriority", body)) == (400, "PRIORITY-ERROR")
    running = api.recipe("IN-PROGRESS")
    assert _put(api, running, "setPriority", {"priority": 5}).get_json() == "OK"


def test_o68_priority_order(api: Any) -> None:
    ids = {p: api.create({"staticdata": {"a": 1}, "priority": p}, wf="ACC-V") for p in (700, 10, 500)}
    api.drain()
    audit = api.get("/orders?$top=10", user="admin").get_json()
    assert audit["row-count"] == 3
    completed = []
    for priority, order_id in ids.items():
        events = api.detail(order_id)["AuditEvents"]
        start = min(e["audit_eventid"] for e in events if e["new_status"] == "IN-PROGRESS")
        completed.append((start, priority))
    assert [p for _, p in sorted(completed)] == [10, 500, 700]


def _s(api: Any, order_id: int, name: str) -> dict[str, Any]:
    return next(s for s in api.detail(order_id)["StepInstances"] if s["stepname"] == name)


def test_o69_o70_skip(api: Any) -> None:
    order_id = api.recipe("ERROR")
    s1 = _s(api, order_id, "s1")["stepid"]
    reply = _put(api, order_id, "skipStep", {"stepid": s1}).get_json()
    assert reply == {"stepid": s1, "ind": [0], "skipped": 1, "workflow_status": "RETRY"}
    step = _s(api, order_id, "s1")
    assert step["skip"] is True and step["stepstatus"] == "COMPLETE"
    api.drain()
    assert api.status(order_id) == "COMPLETE"
    other = api.recipe("ERROR")
    reply = _put(api, other, "skipStep", {"stepid": s1, "noretry": True}).get_json()
    assert reply["workflow_status"] == "ERROR" and _s(api, other, "s1")["skip"] is True


def test_o71_o74_skip_refused(api: Any) -> None:
    order_id = api.recipe("ASYNC-WAITING")
    s1 = _s(api, order_id, "s1")["stepid"]
    assert _code(_put(api, order_id, "skipStep", {"stepid": s1})) == (409, "STEP-STATUS-ERROR")
    assert _code(_put(api, order_id, "skipStep", {"stepid": s1 + 2})) == (409, "SKIP-STEP-ERROR")
    for recipe in ("READY", "COMPLETE"):
        assert _code(_put(api, api.recipe(recipe), "skipStep", {"stepid": s1})) == (409, "STATUS-ERROR")


def test_o73_array_skip(api: Any) -> None:
    order_id = api.create(
        {"staticdata": {"items": [0, 1, 2], "script": {"a1": ["ok", "error:ACC-ERR", "ok"]}}}, wf="ACC-ARR"
    )
    api.drain()
    assert api.status(order_id) == "ERROR"
    a1 = _s(api, order_id, "a1")["stepid"]
    assert _code(_put(api, order_id, "skipStep", {"stepid": a1, "ind": "2"})) == (409, "SKIP-STEP-ERROR")
    assert _code(_put(api, order_id, "skipStep", {"stepid": a1, "ind": "x"})) == (400, "VALIDATION-ERROR")
    assert _put(api, order_id, "skipStep", {"stepid": a1, "ind": "1"}).status_code == 200
    api.drain()
    doc = api.detail(order_id)
    assert doc["workflowstatus"] == "COMPLETE"
    assert [(s["ind"], s["skip"]) for s in doc["StepInstances"]] == [(0, False), (1, True), (2, False)]


def test_o75_to_o77_actions(api: Any) -> None:
    error = api.recipe("ERROR")
    actions = api.detail(error, user="sup")["actions"]
    assert {"block", "cancel", "lock", "retry", "setPriority", "skipStep"} <= set(actions)
    assert not {"unblock", "uncancel", "setError", "unlock", "breakLock"} & set(actions)
    done = api.detail(api.recipe("COMPLETE"))["actions"]
    assert not {"retry", "block", "cancel", "setPriority"} & set(done) and {"notes", "lock"} <= set(done)
    _put(api, error, "lock", {"note": "mine"})
    by_b = api.detail(error, user="opB")["actions"]
    assert "retry" not in by_b and "breakLock" not in by_b
    by_sup = api.detail(error, user="sup")["actions"]
    assert "breakLock" in by_sup and "retry" not in by_sup


def test_o78_workflow_paths(api: Any) -> None:
    order_id = api.recipe("ERROR")
    assert api.put(f"/workflows/ACC-W/orders/{order_id}?action=retry").status_code == 200
    assert api.put(f"/workflows/ACC-W:2.0/orders/{order_id}?action=retry").status_code == 404
    assert api.put(f"/workflows/ACC-V/orders/{order_id}?action=retry").status_code == 404
