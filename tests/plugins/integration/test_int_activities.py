"""Human steps of the workflows plugin driven by the real orders engine: workflows.md §10.1 (A-6, A-7, A-23,
A-27, A-28, A-30) and approval → userchoice → notify end to end through /workflow and /orders."""

from __future__ import annotations

from typing import Any

from inttools import Env


def _type(reply: Any) -> tuple[int, str]:
    return reply.status_code, reply.get_json().get("type")


def _waiting_on(env: Env, order: int) -> list[str]:
    return [s["stepname"] for s in env.order(order)["StepInstances"] if s["stepstatus"] == "ASYNC-WAITING"]


def test_human_steps_end_to_end(env: Env) -> None:
    order, node = env.started()
    assert env.order(order)["workflowstatus"] == "ASYNC-WAITING" and _waiting_on(env, order) == ["approve"]
    assert [r["id"] for r in env.inbox("ann")] == [node] == [r["id"] for r in env.inbox("bob")]

    assert env.act("ann", "approve", node, {"message": "ok"}).status_code == 200
    env.drain()
    # the inbox and GET /orders agree on where the order waits
    assert env.step(order, "approve")["stepstatus"] == "COMPLETE"
    assert env.order(order)["workflowstatus"] == "ASYNC-WAITING" and _waiting_on(env, order) == ["choose"]
    [choose] = env.inbox("cli")
    assert choose["node-name"] == "choose" and choose["workflow_instanceid"] == order
    assert choose["node-choice-type"] == "List" and [v["value"] for v in choose["node-values"]] == [
        "1",
        "5",
        "9",
    ]
    assert env.inbox("ann") == []

    reply = env.act("cli", "setuserchoice", choose["id"], {"value": "1", "message": "rush"})
    assert reply.status_code == 200 and reply.get_json()["value"] == "1"
    env.drain()
    assert _waiting_on(env, order) == ["tell"]
    [tell] = env.inbox("ann")
    assert tell["node-type"] == "notify" and env.inbox("cli") == []

    assert env.act("ann", "acknowledge", tell["id"]).status_code == 200
    env.drain()
    detail = env.order(order)
    assert detail["workflowstatus"] == "COMPLETE"
    assert {s["stepname"]: s["stepstatus"] for s in detail["StepInstances"]} == dict.fromkeys(
        ("approve", "choose", "tell", "post"), "COMPLETE"
    )
    outcomes = detail["dynamicdata"]["activities"]
    assert outcomes["approve"]["outcome"] == "approved" and outcomes["approve"]["user"] == "ann"
    assert outcomes["choose"]["value"] == "1" and outcomes["tell"]["outcome"] == "acknowledged"
    record = env.record("acc_doc", 1)
    assert (record["IsApproved"], record["DocStatus"], record["PriorityRule"]) == (True, "CO", "1")
    notes = env.ok("GET", f"/orders/{order}?action=notes")["records"]
    assert any("[setuserchoice] rush" in n["note"] for n in notes)
    assert env.start().status_code == 201  # the record guard was released with COMPLETE


def test_a07_reject_completes_the_order_as_rejected(env: Env) -> None:
    order, node = env.started()
    assert env.act("bob", "reject", node).status_code == 200
    assert env.record("acc_doc", 1)["IsApproved"] is False and env.record("acc_doc", 1)["DocStatus"] == "DR"
    env.drain()
    detail = env.order(order)
    assert detail["workflowstatus"] == "COMPLETE" and detail["custom_status"] == "REJECTED"
    skipped = {s["stepname"] for s in detail["StepInstances"] if s["skip"]}
    assert skipped == {"choose", "tell", "post"}


def test_a23_block_holds_the_activity(env: Env) -> None:
    order, node = env.started()
    assert env.ok("PUT", f"/orders/{order}?action=block", user="opA")["workflow_status"] == "BLOCKED"
    assert env.inbox("ann") == []
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-STATE-ERROR")
    assert env.node(node)["wfState"] == "OS"
    assert env.ok("PUT", f"/orders/{order}?action=unblock", user="opA")["workflow_status"] == "ASYNC-WAITING"
    assert [r["id"] for r in env.inbox("ann")] == [node]
    assert env.act("ann", "approve", node).status_code == 200
    env.drain()
    assert _waiting_on(env, order) == ["choose"]


def test_cancel_takes_the_activity_out_of_the_inbox(env: Env) -> None:
    order, node = env.started()
    assert env.ok("PUT", f"/orders/{order}?action=cancel", user="opA")["workflow_status"] == "CANCELED"
    assert env.inbox("ann") == [] and env.inbox("bob") == []
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-STATE-ERROR")
    assert env.record("acc_doc", 1)["IsApproved"] is False
    env.drain()
    assert env.order(order)["workflowstatus"] == "CANCELED"
    second, _ = env.started()  # the record guard was released by cancel
    assert second != order


def test_a27_retry_aborts_the_activity_and_reopens_it(env: Env) -> None:
    order, node = env.started()
    assert env.ok("PUT", f"/orders/{order}?action=retry", user="opA")["workflow_status"] == "RETRY"
    old = env.node(node)
    assert old["wfState"] == "CA" and old["history-records"][-1]["action"] == "aborted"
    assert env.inbox("ann") == []
    env.drain()
    [fresh] = env.inbox("ann")
    assert fresh["id"] != node and fresh["node-name"] == "approve" and fresh["wfState"] == "OS"
    assert env.order(order)["workflowstatus"] == "ASYNC-WAITING"
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-STATE-ERROR")
    assert env.act("ann", "approve", fresh["id"]).status_code == 200


def test_skip_step_aborts_the_activity(env: Env) -> None:
    order, node = env.started()
    stepid = env.step(order, "approve")["stepid"]
    reply = env.ok("PUT", f"/orders/{order}?action=skipStep", {"stepid": stepid}, user="opA")
    assert reply["skipped"] == 1
    assert env.node(node)["wfState"] == "CA"
    env.drain()
    assert _waiting_on(env, order) == ["choose"]
    assert env.record("acc_doc", 1)["IsApproved"] is False


def test_a28_approval_over_c_order_writes_through_the_models_layer(env: Env) -> None:
    doc = {
        "name": "CO-APPROVAL",
        "version": "1.0",
        "record_table": "c_order",
        "autostart": 1,
        "max_instances": 5,
        "steps": [
            {
                "name": "approve",
                "type": "approval",
                "responsible": {"user": "ann"},
                "set_on_approve": {"DocStatus": "CO"},
            }
        ],
    }
    env.ok("POST", "/workflows", doc, status=201)
    rows = env.ok("GET", "/models/c_order?$filter=DocStatus eq 'DR'&$orderby=C_Order_ID&$top=1")["records"]
    key = rows[0]["id"]
    before = env.record("c_order", key)
    order, node = env.started(key, workflow="CO-APPROVAL", model="c_order")
    assert env.act("ann", "approve", node).status_code == 200
    after = env.record("c_order", key)
    assert after["DocStatus"] == "CO"
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"DocStatus", "Updated", "UpdatedBy", "@etag", "etag"}, changed
    audit = env.ok("GET", f"/audit?$filter=resource eq 'record' and resource_id eq 'c_order/{key}'")
    assert [(r["action"], r["user_name"]) for r in audit["records"]] == [("approve", "ann")]
    env.drain()
    assert env.order(order)["workflowstatus"] == "COMPLETE"


def test_a30_unresolvable_responsible_fails_the_order(env: Env) -> None:
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
    env.drain()
    order = int(reply.get_json()["workflow_instanceid"]) if reply.status_code == 201 else None
    assert order is not None, reply.get_json()
    detail = env.order(order)
    assert detail["workflowstatus"] == "ERROR"
    assert [e["error"] for e in detail["ErrorInstances"]] == ["WORKFLOW-RESPONSIBLE-ERROR"]


def test_workflow_started_from_a_process_button(env: Env) -> None:
    """The issue's "starting a workflow on a record ... from processes": the WorkflowStart process."""
    body = {"model-name": "acc_doc", "record-id": 2, "Workflow": "DOC-APPROVAL"}
    result = env.ok("POST", "/processes/workflowstart", body)
    assert result["isError"] is False, result
    assert result["summary"].endswith("ASYNC-WAITING")
    assert [r["node-name"] for r in env.inbox("ann")] == ["approve"]
    again = env.ok("POST", "/processes/workflowstart", body)
    assert again["isError"] is True and "RECORD-WORKFLOW-ACTIVE" in again["summary"]
