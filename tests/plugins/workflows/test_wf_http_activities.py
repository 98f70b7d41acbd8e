"""Acceptance scenarios A-1 … A-30 of workflows.md §10.1 over HTTP, with a stand-in orders engine."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from wftools import DOC_APPROVAL

W = "/api/v1/workflow"


@pytest.fixture
def env(client: Any, as_user: Any, orders: Any) -> Any:
    return Env(client, as_user, orders)


class Env:
    def __init__(self, client: Any, as_user: Any, orders: Any) -> None:
        self.client, self.as_user, self.orders = client, as_user, orders
        self.define(DOC_APPROVAL)

    def define(self, doc: dict[str, Any], status: int = 201) -> Any:
        reply = self.client.post("/api/v1/workflows", json=doc, headers=self.as_user("admin"))
        assert reply.status_code == status, reply.get_json()
        return reply.get_json()

    def start(self, record: int = 1, user: str = "cli", workflow: str = "DOC-APPROVAL", **extra: Any) -> Any:
        body = {"workflow": workflow, "model-name": "acc_doc", "record-id": record, **extra}
        return self.client.post(f"{W}/start", json=body, headers=self.as_user(user))

    def started(self, record: int = 1, **kw: Any) -> tuple[int, int]:
        reply = self.start(record, **kw)
        assert reply.status_code == 201, reply.get_json()
        body = reply.get_json()
        return body["workflow_instanceid"], body["activities"][0]["id"]

    def inbox(self, user: str, path: str = "") -> Any:
        return self.client.get(f"{W}{path}", headers=self.as_user(user))

    def act(self, user: str, action: str, node: Any, body: dict[str, Any] | None = None) -> Any:
        return self.client.put(f"{W}/{action}/{node}", json=body or {}, headers=self.as_user(user))

    def node(self, user: str, node: Any) -> Any:
        return self.client.get(f"{W}/nodes/{node}", headers=self.as_user(user))

    def record(self, key: int) -> dict[str, Any]:
        reply = self.client.get(f"/api/v1/models/acc_doc/{key}", headers=self.as_user("admin"))
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()  # type: ignore[no-any-return]

    def pending_of(self, user: str) -> list[dict[str, Any]]:
        return self.inbox(user).get_json()["records"]  # type: ignore[no-any-return]

    def advance_to(self, step: str) -> tuple[int, int]:
        """An order on record 1 waiting on `step` (approve, then choose, then tell)."""
        order, node = self.started()
        if step in ("choose", "tell"):
            assert self.act("ann", "approve", node).status_code == 200
            self.orders.drain()
            node = self.pending_of("cli")[0]["id"]
        if step == "tell":
            assert self.act("cli", "setuserchoice", node, {"value": "5"}).status_code == 200
            self.orders.drain()
            node = self.pending_of("ann")[0]["id"]
        return order, node


def _type(reply: Any) -> tuple[int, str]:
    return reply.status_code, reply.get_json().get("type")


def test_a01_start_waits_at_the_approval(env: Env, client: Any, as_user: Any) -> None:
    reply = env.start()
    body = reply.get_json()
    assert reply.status_code == 201 and body["status"] == "ASYNC-WAITING"
    [activity] = body["activities"]
    assert activity["node-name"] == "approve" and activity["node-type"] == "approval"
    assert activity["wfState"] == "OS" and activity["summary"] == "acc_doc D-1" and activity["record_id"] == 1
    models = client.get("/api/v1/models", headers=as_user("admin")).get_json()["models"]
    [acc_doc] = [m for m in models if m["model-name"] == "acc_doc"]
    assert activity["ad_table_id"] == acc_doc["id"]


def test_a02_a04_inbox_of_assignees_only(env: Env) -> None:
    env.started()
    body = env.inbox("ann").get_json()
    assert body["row-count"] == 1
    seed = {"id", "uid", "model-name", "node-name", "node-description", "node-help", "priority", "summary",
            "history-records", "ad_table_id", "record_id"}  # fmt: skip
    assert seed <= set(body["records"][0])
    assert env.inbox("bob").get_json()["row-count"] == 1
    assert env.inbox("cli").get_json()["row-count"] == 0


def test_a03_priority_orders_the_inbox(env: Env) -> None:
    urgent = copy.deepcopy(DOC_APPROVAL)
    urgent["name"], urgent["steps"][0]["priority"] = "DOC-URGENT", 90
    env.define(urgent)
    env.started(1)
    env.started(2, workflow="DOC-URGENT")
    assert [r["priority"] for r in env.pending_of("ann")] == [90, 80]
    filtered = env.inbox("ann", "?$filter=priority lt 90").get_json()
    assert [r["priority"] for r in filtered["records"]] == [80]


def test_a05_approve_writes_the_record(env: Env) -> None:
    _, node = env.started()
    reply = env.act("ann", "approve", node, {"message": "ok"})
    body = reply.get_json()
    assert reply.status_code == 200 and body["msg"] == "Approved" and body["wfState"] == "CC"
    assert (
        body["history-records"][-1]["action"] == "approved" and body["history-records"][-1]["message"] == "ok"
    )
    record = env.record(1)
    assert record["IsApproved"] is True and record["DocStatus"] == "CO"
    assert env.pending_of("ann") == []
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-STATE-ERROR")


def test_a06_next_step_is_the_invokers_choice(env: Env) -> None:
    order, node = env.advance_to("choose")
    assert env.orders.orders[order].status == "ASYNC-WAITING"
    [choice] = env.pending_of("cli")
    assert choice["node-name"] == "choose" and choice["node-choice-type"] == "List"
    assert [v["value"] for v in choice["node-values"]] == ["1", "5", "9"]


def test_a07_reject_completes_as_rejected(env: Env) -> None:
    order, node = env.started()
    reply = env.act("bob", "reject", node)
    assert reply.status_code == 200 and reply.get_json()["msg"] == "Rejected"
    record = env.record(1)
    assert record["IsApproved"] is False and record["DocStatus"] == "DR"
    env.orders.drain()
    done = env.orders.orders[order]
    assert done.status == "COMPLETE" and done.custom_status == "REJECTED"
    assert done.skipped == ["choose", "tell", "post"]


def test_a09_a10_a11_node_types(env: Env) -> None:
    order, tell = env.advance_to("tell")
    assert _type(env.act("ann", "approve", tell)) == (409, "NODE-TYPE-ERROR")
    reply = env.act("ann", "acknowledge", tell)
    assert reply.status_code == 200 and reply.get_json()["msg"] == "Acknowledged"
    env.orders.drain()
    assert env.orders.orders[order].status == "COMPLETE"


def test_a10_acknowledge_of_an_approval(env: Env) -> None:
    _, node = env.started()
    assert _type(env.act("ann", "acknowledge", node)) == (409, "NODE-TYPE-ERROR")


def test_a12_a15_set_user_choice(env: Env) -> None:
    order, node = env.advance_to("choose")
    assert _type(env.act("cli", "setuserchoice", node)) == (400, "VALUE-REQUIRED")
    assert _type(env.act("cli", "setuserchoice", node, {"value": "7"})) == (400, "VALUE-ERROR")
    assert _type(env.act("ann", "setuserchoice", node, {"value": "1"})) == (403, "ACTIVITY-ACCESS-ERROR")
    reply = env.act("cli", "setuserchoice", node, {"value": "1", "message": "rush"})
    assert reply.status_code == 200 and reply.get_json()["msg"] == "Updated"
    assert reply.get_json()["value"] == "1"
    assert env.record(1)["PriorityRule"] == "1"
    assert "[setuserchoice] rush" in env.orders.orders[order].notes


def test_a16_a17_forward(env: Env) -> None:
    _, node = env.started()
    assert _type(env.act("ann", "forward", node)) == (400, "USERTO-REQUIRED")
    assert _type(env.act("ann", "forward", node, {"userTo": "ann"})) == (400, "FORWARD-ERROR")
    assert _type(env.act("ann", "forward", node, {"userTo": "zed"})) == (400, "FORWARD-ERROR")
    reply = env.act("ann", "forward", node, {"userTo": "sue"})
    body = reply.get_json()
    assert reply.status_code == 200 and body["msg"] == "Forwarded"
    assert body["wfState"] == "OS" and body["owner"] == "sue"
    assert env.pending_of("ann") == [] and env.pending_of("bob") == []
    assert [r["id"] for r in env.pending_of("sue")] == [node]


def test_a18_forward_only_approvals(env: Env) -> None:
    _, node = env.advance_to("choose")
    assert _type(env.act("cli", "forward", node, {"userTo": "ann"})) == (409, "NODE-TYPE-ERROR")


def test_a19_a20_supervisor(env: Env, app: Any) -> None:
    _, node = env.started()
    ann_id = env.pending_of("ann") and _user_id(app, "ann")
    for path in (f"/{ann_id}", "/ann"):
        reply = env.inbox("sue", path)
        assert reply.status_code == 200 and [r["id"] for r in reply.get_json()["records"]] == [node]
    assert _type(env.inbox("cli", "/ann")) == (403, "AUTHORIZATION-ERROR")
    assert env.inbox("sue", "/nobody").status_code == 404
    assert env.act("sue", "approve", node).status_code == 200


def _user_id(app: Any, name: str) -> int:
    from gateway.meta import store

    state = app.extensions["gateway"]
    with state.databases.meta.connect() as conn:
        return store.find_user(conn, state.meta, name).id  # type: ignore[union-attr]


def test_a21_unknown_node(env: Env) -> None:
    assert _type(env.act("admin", "approve", 999999)) == (404, "NOT-FOUND")


def test_a22_other_tenants_nodes_are_invisible(env: Env) -> None:
    _, node = env.started(3, user="zed")
    assert env.node("ann", node).status_code == 404
    assert env.node("zed", node).status_code == 403  # zed's role is not an assignee of this node
    assert env.pending_of("ann") == []


def test_inbox_tenant_isolation_through_the_list(env: Env) -> None:
    """An activity assigned to a user of another client never shows in that user's inbox."""
    to_zed = copy.deepcopy(DOC_APPROVAL)
    to_zed["name"], to_zed["steps"][0]["responsible"] = "TO-ZED", {"user": "zed"}
    env.define(to_zed)
    _, node = env.started(1, workflow="TO-ZED")
    assert env.node("sue", node).get_json()["owner"] == "zed"
    assert env.pending_of("zed") == []
    assert env.inbox("sue", "/zed").get_json()["row-count"] == 1
    assert env.inbox("admin", "/zed").get_json()["row-count"] == 1  # the System client sees every tenant


def test_a23_blocked_orders_are_not_pending(env: Env) -> None:
    order, node = env.started()
    env.orders.block(order, True)
    assert env.pending_of("ann") == []
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-STATE-ERROR")
    env.orders.block(order, False)
    assert [r["id"] for r in env.pending_of("ann")] == [node]
    assert env.act("ann", "approve", node).status_code == 200


def test_a24_one_active_order_per_record(env: Env) -> None:
    order, node = env.started()
    assert _type(env.start()) == (409, "RECORD-WORKFLOW-ACTIVE")
    env.act("ann", "reject", node)
    env.orders.drain()
    assert env.orders.orders[order].status == "COMPLETE"
    assert env.start().status_code == 201


def test_a25_missing_and_invisible_records_look_alike(env: Env) -> None:
    missing, other = env.start(999), env.start(3)
    assert _type(missing) == _type(other) == (400, "WORKFLOW-RECORD-ERROR")
    assert missing.get_json()["detail"].replace("999", "N") == other.get_json()["detail"].replace("3", "N")


def test_a26_deleted_record(env: Env, client: Any, as_user: Any) -> None:
    _, node = env.started()
    assert client.delete("/api/v1/models/acc_doc/1", headers=as_user("admin")).status_code in (200, 204)
    assert _type(env.act("ann", "approve", node)) == (409, "NODE-RECORD-ERROR")
    assert env.node("ann", node).get_json()["wfState"] == "OS"


def test_a27_retry_aborts_and_reopens(env: Env) -> None:
    order, node = env.started()
    env.orders.retry(order)
    assert env.node("ann", node).get_json()["wfState"] == "CA"
    assert env.node("ann", node).get_json()["history-records"][-1]["action"] == "aborted"
    env.orders.drain()
    [fresh] = env.pending_of("ann")
    assert fresh["id"] != node and fresh["node-name"] == "approve" and fresh["wfState"] == "OS"


def test_a29_a30_definition_checks(env: Env) -> None:
    bad = copy.deepcopy(DOC_APPROVAL)
    bad["name"], bad["steps"][0]["column"] = "BAD-COL", "Note"
    assert env.define(bad, 400)["type"] == "WORKFLOW-DEFINITION-ERROR"
    ghost = copy.deepcopy(DOC_APPROVAL)
    ghost["name"], ghost["steps"][0]["responsible"] = "GHOST", {"user": "ghost"}
    assert env.define(ghost, 400)["type"] == "WORKFLOW-DEFINITION-ERROR"


def test_a30_empty_responsible_column_fails_the_order(env: Env) -> None:
    by_column = copy.deepcopy(DOC_APPROVAL)
    by_column["name"], by_column["steps"][0]["responsible"] = "BY-REP", {"column": "SalesRep_ID"}
    env.define(by_column)
    reply = env.start(workflow="BY-REP")
    assert reply.status_code == 201 and reply.get_json()["status"] == "ERROR"
    assert env.orders.orders[reply.get_json()["workflow_instanceid"]].error == "WORKFLOW-RESPONSIBLE-ERROR"


def test_start_needs_the_permission_and_a_matching_table(env: Env) -> None:
    assert _type(env.start(user="ann")) == (403, "AUTHORIZATION-ERROR")
    other = {"name": "NO-REC", "version": "1.0", "steps": [{"name": "s", "type": "normal",
                                                            "function": "builtin.noop"}]}  # fmt: skip
    env.define(other)
    assert _type(env.start(workflow="NO-REC")) == (400, "WORKFLOW-RECORD-ERROR")
    assert env.start(workflow="NOPE").status_code == 404
