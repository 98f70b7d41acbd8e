"""Error-definition resolution applied by the real engine when a step fails: E-7 (workflow-specific
definition wins, retry delay), E-14 (business flag) and the severity of workflows.md §10.3."""

from __future__ import annotations

from typing import Any

from inttools import Env


def _errors(env: Env, order: int) -> list[dict[str, Any]]:
    return env.order(order)["ErrorInstances"]  # type: ignore[no-any-return]


def test_e07_workflow_definition_wins_and_sets_the_retry_delay(env: Env) -> None:
    env.ok(
        "POST", "/errors/global", {"error": "R-ERR", "description": "global", "severity": "MAJOR"}, status=201
    )
    specific = {"error": "R-ERR", "description": "sync", "retry_flag": True, "retry_delay_secs": 60}
    assert env.ok("POST", "/workflows/SYNC/errors", specific, status=201) == "CREATED-WORKFLOW"
    sync = env.create("SYNC:1.0", {"script": {"s1": "error-once:R-ERR"}})
    other = env.create("OTHER:1.0", {"script": {"s1": "error-once:R-ERR"}})
    env.drain()
    assert env.order(other)["workflowstatus"] == "ERROR"
    assert [(e["error"], e["retry"]) for e in _errors(env, other)] == [("R-ERR", 0)]
    assert env.order(sync)["workflowstatus"] == "RETRY"
    assert [(e["error"], e["retry"]) for e in _errors(env, sync)] == [("R-ERR", 1)]
    env.clock().advance(59)
    env.drain()
    assert env.order(sync)["workflowstatus"] == "RETRY"  # not due before clock + 60 s
    env.clock().advance(1)
    env.drain()
    detail = env.order(sync)
    assert detail["workflowstatus"] == "COMPLETE" and detail["error_count"] == 1
    assert env.order(other)["workflowstatus"] == "ERROR"  # ERROR is never retried by the engine


def test_retry_delay_falls_back_to_the_workflow_option(env: Env) -> None:
    env.ok(
        "POST",
        "/workflows/SYNC/errors",
        {"error": "O-ERR", "description": "d", "retry_flag": True},
        status=201,
    )
    env.ok("PUT", "/workflows/SYNC:1.0?action=setOptions", {"options": {"retry_delay_secs": 30}})
    order = env.create("SYNC:1.0", {"script": {"s1": "error-once:O-ERR"}})
    env.drain()
    assert env.order(order)["workflowstatus"] == "RETRY"
    env.clock().advance(29)
    env.drain()
    assert env.order(order)["workflowstatus"] == "RETRY"
    env.clock().advance(1)
    env.drain()
    assert env.order(order)["workflowstatus"] == "COMPLETE"


def test_e14_business_flag_marks_the_order_and_the_error(env: Env) -> None:
    body = {"error": "BIZ", "description": "business", "business_flag": True, "severity": "MINOR"}
    env.ok("POST", "/errors/global", body, status=201)
    order = env.create("SYNC:1.0", {"script": {"s1": "error:BIZ"}})
    env.drain()
    detail = env.order(order)
    assert detail["workflowstatus"] == "ERROR" and detail["business_error"] is True
    [error] = detail["ErrorInstances"]
    assert (error["error"], error["business_error"], error["severity"], error["retry"]) == (
        "BIZ",
        True,
        "MINOR",
        0,
    )
    [row] = env.ok("GET", f"/orders/{order}?action=listErrors")["records"]
    assert row["severity"] == "MINOR" and row["business_error"] is True


def test_undefined_error_gets_the_default_resolution(env: Env) -> None:
    order = env.create("SYNC:1.0", {"script": {"s1": "error:NO-DEF"}})
    env.drain()
    detail = env.order(order)
    assert detail["workflowstatus"] == "ERROR" and detail["business_error"] is False
    [error] = detail["ErrorInstances"]
    assert (error["severity"], error["retry"], error["business_error"]) == ("MAJOR", 0, False)


def test_retry_flag_on_a_human_step_error(env: Env) -> None:
    env.ok(
        "POST",
        "/errors/global",
        {
            "error": "WORKFLOW-RESPONSIBLE-ERROR",
            "description": "d",
            "retry_flag": True,
            "retry_delay_secs": 10,
        },
        status=201,
    )
    doc = {
        "name": "REP-APPROVAL",
        "version": "1.0",
        "record_table": "acc_doc",
        "autostart": 1,
        "max_instances": 5,
        "steps": [{"name": "approve", "type": "approval", "responsible": {"column": "SalesRep_ID"}}],
    }
    env.ok("POST", "/workflows", doc, status=201)
    reply = env.start(2, workflow="REP-APPROVAL")
    assert reply.status_code == 201, reply.get_json()
    order = int(reply.get_json()["workflow_instanceid"])
    env.drain()
    assert env.order(order)["workflowstatus"] == "RETRY"
    assert [e["error"] for e in _errors(env, order)] == ["WORKFLOW-RESPONSIBLE-ERROR"]
