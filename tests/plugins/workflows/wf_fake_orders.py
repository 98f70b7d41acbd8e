"""A stand-in for the orders plugin's `orders.engine` and `orders.stats` services, enough to drive the
human steps of workflows.md §10 over HTTP: orders run their steps in order, wait ASYNC-WAITING at human
steps (through `workflows.activities.open`), resume when `answer_step` stores an answer, and hold the
record guard. State lives in the plugin object (one per app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway import core

ACTIVE = ("READY", "IN-PROGRESS", "ASYNC-WAITING", "BLOCKED", "ERROR", "RETRY")
HUMAN = ("approval", "userchoice", "notify")


class RecordWorkflowActive(core.Conflict):
    type = "RECORD-WORKFLOW-ACTIVE"
    title = "Record workflow active"


@dataclass
class Order:
    workflow_instanceid: int
    workflowid: int
    workflow: str
    staticdata: dict[str, Any]
    actor: Any
    client_id: int
    status: str = "READY"
    pos: int = 0
    custom_status: str | None = None
    error: str | None = None
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def guard(self) -> str:
        return f"{self.workflow}|{self.staticdata['model-name']}:{self.staticdata['record-id']}"


class FakeOrders:
    """Plugin object: registers the two services and keeps the orders of one app."""

    def __init__(self) -> None:
        self.gateway: Any = None
        self.orders: dict[int, Order] = {}

    @core.hookimpl
    def register_services(self) -> dict[str, Any]:
        return {"orders.engine": self, "orders.stats": self}

    @core.hookimpl
    def startup(self, gateway: Any) -> None:
        self.gateway = gateway

    # --- orders.stats ----------------------------------------------------------------------------------

    def counts(self, workflowids: list[int], since: Any) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {}
        for order in self.orders.values():
            if order.workflowid in workflowids:
                bucket = found.setdefault(order.workflowid, {"TOTAL": 0})
                bucket[order.status] = bucket.get(order.status, 0) + 1
                bucket["TOTAL"] += 1
        return found

    # --- orders.engine ---------------------------------------------------------------------------------

    def create_order(self, workflow: Any, args: dict[str, Any], *, actor: Any) -> int:
        wf = self._registry().get(workflow)
        order = Order(len(self.orders) + 1000, wf.workflowid, wf.name, dict(args["staticdata"]), actor,
                      actor.client_id)  # fmt: skip
        if any(o.guard == order.guard and o.status in ACTIVE for o in self.orders.values()):
            raise RecordWorkflowActive(f"an order of {wf.name} is active for this record")
        self.orders[order.workflow_instanceid] = order
        return order.workflow_instanceid

    def exec_sync(self, workflow_instanceid: int, options: dict[str, Any], *, actor: Any) -> dict[str, Any]:
        order = self.run(workflow_instanceid)
        return {"workflow_instanceid": workflow_instanceid, "status": order.status, "dynamicdata": {}}

    def answer_step(self, workflow_instanceid: int, stepid: int, ind: int, outcome: dict[str, Any],
                    *, actor: Any = None, uow: Any = None) -> None:  # fmt: skip
        order = self.orders[workflow_instanceid]
        order.answers[stepid] = outcome
        if outcome.get("message"):
            order.notes.append(f"[{outcome['action']}] {outcome['message']}")
        order.status = "READY"

    # --- what the real engine does on its own (driven by the tests) ------------------------------------

    def drain(self) -> None:
        for order in list(self.orders.values()):
            if order.status == "READY":
                self.run(order.workflow_instanceid)

    def run(self, workflow_instanceid: int) -> Order:
        order = self.orders[workflow_instanceid]
        steps = self._registry().steps(order.workflowid)
        while order.status == "READY" and order.pos < len(steps):
            step = steps[order.pos]
            if step.type not in HUMAN:
                order.pos += 1
            elif step.stepid in order.answers:
                self._answered(order, steps, order.answers[step.stepid], step)
            else:
                self._open(order, step.stepid)
        if order.status == "READY":
            order.status = "COMPLETE"
        return order

    def _answered(self, order: Order, steps: list[Any], answer: dict[str, Any], step: Any) -> None:
        order.pos += 1
        if answer.get("outcome") == "rejected" and step.get("on_reject", "complete") == "complete":
            order.skipped = [s.name for s in steps[order.pos :]]
            order.pos = len(steps)
            order.custom_status = "REJECTED"

    def _open(self, order: Order, stepid: int) -> None:
        from gateway.plugins.workflows.stepapi import StepError

        values = {
            "workflow_instanceid": order.workflow_instanceid, "client_id": order.client_id, "org_id": 0,
            "creator_user_id": order.actor.user_id, "staticdata": order.staticdata,
        }  # fmt: skip
        try:
            with self.gateway.unit_of_work(order.actor) as uow:
                self._activities().open(uow, values, stepid, actor=order.actor)
            order.status = "ASYNC-WAITING"
        except StepError as exc:
            order.status, order.error = "ERROR", exc.code

    def block(self, workflow_instanceid: int, blocked: bool) -> None:
        order = self.orders[workflow_instanceid]
        order.status = "BLOCKED" if blocked else "ASYNC-WAITING"
        with self.gateway.unit_of_work(order.actor) as uow:
            self._activities().hold(uow, workflow_instanceid, not blocked)

    def retry(self, workflow_instanceid: int) -> None:
        """Re-execute the waiting human step: its OS activity is aborted and the step runs again."""
        order = self.orders[workflow_instanceid]
        with self.gateway.unit_of_work(order.actor) as uow:
            self._activities().abort(uow, workflow_instanceid)
        order.status = "READY"

    def _registry(self) -> Any:
        return self.gateway.service("workflows.registry")

    def _activities(self) -> Any:
        return self.gateway.service("workflows.activities")
