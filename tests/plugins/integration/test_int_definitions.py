"""Workflow definitions with real orders: W-20 (delete refused while orders exist), `order_stats` from
`orders.stats`, and W-24 (a disabled workflow runs nothing) of workflows.md §10.2."""

from __future__ import annotations

from inttools import Env, scripted


def test_w20_delete_refused_while_orders_exist(env: Env) -> None:
    order = env.create("SYNC:1.0", {"a": 1})
    reply = env.call("DELETE", "/workflows/SYNC:1.0")
    assert (reply.status_code, reply.get_json()["type"]) == (409, "WORKFLOW-IN-USE")
    env.drain()
    assert env.order(order)["workflowstatus"] == "COMPLETE"
    reply = env.call("DELETE", "/workflows/SYNC:1.0")
    assert reply.status_code == 409  # a COMPLETE order still uses it
    env.ok("POST", "/workflows", scripted("UNUSED"), status=201)
    assert env.call("DELETE", "/workflows/UNUSED").status_code == 204
    assert env.call("GET", "/workflows/UNUSED").status_code == 404


def test_order_stats_count_the_real_orders(env: Env) -> None:
    done = env.create("SYNC:1.0", {"a": 1})
    env.drain()
    failing = env.create("SYNC:1.0", {"script": {"s1": "error:NOPE"}})
    env.create("SYNC:1.0", {"a": 2})
    env.create("OTHER:1.0", {"a": 3})
    stats = env.ok("GET", "/workflows/SYNC")["order_stats"]
    assert stats["COMPLETE"] == 1 and stats["READY"] == 2 and stats["TOTAL"] == 3
    env.drain()
    assert env.order(failing)["workflowstatus"] == "ERROR" and env.order(done)["workflowstatus"] == "COMPLETE"
    stats = env.ok("GET", "/workflows/SYNC")["order_stats"]
    assert stats["COMPLETE"] == 2 and stats["ERROR"] == 1 and stats["TOTAL"] == 3
    listed = {w["name"]: w["order_stats"] for w in env.ok("GET", "/workflows")["records"]}
    assert listed["SYNC"]["TOTAL"] == 3 and listed["OTHER"] == {**listed["OTHER"], "COMPLETE": 1, "TOTAL": 1}
    assert listed["DOC-APPROVAL"].get("TOTAL", 0) == 0


def test_w24_disabled_workflow_keeps_its_order_ready(env: Env) -> None:
    order = env.create("SYNC:1.0", {"a": 1})
    env.ok("PUT", "/workflows/SYNC?action=disable")
    assert env.ok("GET", "/workflows/SYNC")["enabled"] is False
    env.drain()
    assert env.order(order)["workflowstatus"] == "READY"
    assert env.ok("GET", "/workflows/SYNC")["order_stats"]["READY"] == 1
    env.ok("PUT", "/workflows/SYNC?action=enable")
    env.drain()
    assert env.order(order)["workflowstatus"] == "COMPLETE"


def test_autostart_zero_runs_nothing_until_started(env: Env) -> None:
    order = env.create("OTHER:1.0", {"a": 1})
    env.ok("PUT", "/workflows/OTHER?action=setAutostart", {"autostart": 0})
    env.drain()
    assert env.order(order)["workflowstatus"] == "READY"
    env.ok("PUT", "/workflows/OTHER?action=incAutostart")
    env.drain()
    assert env.order(order)["workflowstatus"] == "COMPLETE"
