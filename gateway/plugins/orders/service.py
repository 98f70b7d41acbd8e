"""Operator actions that change an order's status (orders.md §5.1, §6.1), in the check order of plugins.md
§5.2: 404 -> workflow scope -> lock -> status/session, then one unit of work with the audit row.

Status changes are compare-and-set on (status, session), so concurrent actions on one order serialize: one
wins, the other gets 409 with the current status. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.core import Actor, FieldError, NotFound, ValidationError
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.errors import (
    LockError,
    PriorityError,
    RecordWorkflowActive,
    RescheduleError,
    SkipStepError,
    StepStatusError,
)
from gateway.plugins.orders.ports import WorkflowActivities, WorkflowRegistry
from gateway.plugins.orders.store import Store

_ZERO_QUEUES = (
    "queued_detached_segments",
    "queued_subworkflows",
    "queued_async_messages",
    "queued_sync_events",
    "queued_async_retries",
    "queued_retries",
    "queued_fixed_retries",
)


def parse_ind(value: Any) -> list[int]:
    """§5.3: a list of integers or "1,3,5-7"; anything else is 400 VALIDATION-ERROR."""
    bad = ValidationError(
        f"invalid ind {value!r}", errors=[FieldError("ind", "integers or ranges like 1,3,5-7")]
    )
    parts = value if isinstance(value, list) else str(value).split(",")
    out: list[int] = []
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            out.append(part)
            continue
        low, sep, high = str(part).strip().partition("-")
        if not low.isdigit() or (sep and not high.isdigit()) or (sep and int(high) < int(low)):
            raise bad
        out.extend(range(int(low), int(high) + 1) if sep else [int(low)])
    if not out:
        raise bad
    return sorted(set(out))


class Orders:
    def __init__(self, gateway: Any, store: Store) -> None:
        self.gateway = gateway
        self.store = store

    @property
    def registry(self) -> WorkflowRegistry:
        return self.gateway.service("workflows.registry")  # type: ignore[no-any-return]

    @property
    def activities(self) -> WorkflowActivities | None:
        return self.gateway.service("workflows.activities", required=False)  # type: ignore[no-any-return]

    def now(self) -> datetime:
        return self.gateway.clock.now()  # type: ignore[no-any-return]

    # --- loading and the common checks -------------------------------------------------------------

    def target(self, uow: Any, actor: Actor, order_id: int, wf: str | None = None) -> dict[str, Any]:
        """The order, tenant-scoped (404), on `{wf}` when given (404), in the actor's scope (403)."""
        order = self.store.load(uow, order_id, lock=True)
        if order is None or not (actor.is_system or order["client_id"] in (0, actor.client_id)):
            raise NotFound(f"no order {order_id}")
        if wf is not None and not self.on_workflow(order, wf, uow):
            raise NotFound(f"order {order_id} does not belong to workflow {wf}")
        self.registry.check_access(actor, order["name"])
        return order

    def on_workflow(self, order: Mapping[str, Any], wf: str, uow: Any = None) -> bool:
        if str(wf).isdigit():
            return bool(int(wf) == order["workflowid"])
        if ":" in str(wf):
            return bool(str(wf) == f"{order['name']}:{order['version']}")
        return bool(str(wf) == order["name"])

    def check_lock(self, order: Mapping[str, Any], actor: Actor, action: str) -> None:
        if f.lock_blocks(action, order["operator_lock"], actor.user_name):
            raise LockError(f"order {order['workflow_instanceid']} is locked by {order['operator_lock']}")

    def check_status(self, order: Mapping[str, Any], action: str) -> None:
        rule, status = f.RULES[action], order["workflowstatus"]
        if f.status_refusal(action, status, order["workflowstatus_orig"]):
            text = f.refuse_text(action, order["workflow_instanceid"], status)
            if action == "setError" and status == f.WAITING:
                text += " (it waits for child orders: set the child orders to ERROR instead)"
            raise rule.refused(text)
        if rule.session is not None and order["status_sessionid"]:
            raise rule.session(
                f"order {order['workflow_instanceid']} is owned by engine session {order['status_sessionid']}"
            )

    def move(self, uow: Any, order: Mapping[str, Any], new: str, action: str, **values: Any) -> None:
        """CAS status change with its audit row; a lost race is 409 naming the current status."""
        if not self.store.move(uow, order, new, action, **values):
            current = (self.store.load(uow, order["workflow_instanceid"]) or {}).get("workflowstatus")
            raise f.RULES.get(action, f.RULES["block"]).refused(
                f"order {order['workflow_instanceid']} changed meanwhile; it is now {current}"
            )
        self.after_move(uow, order, new)

    def after_move(self, uow: Any, order: Mapping[str, Any], new: str) -> None:
        old, activities = order["workflowstatus"], self.activities
        if activities is not None and f.ASYNC_WAITING in (old, new) and old != new:
            activities.hold(uow, order["workflow_instanceid"], new == f.ASYNC_WAITING)
        if order["parent_workflow_instanceid"] and old != new:
            self.gateway.service("orders.engine").wake_parent(uow, order["parent_workflow_instanceid"])

    def run(self, actor: Actor, order_id: int, action: str, wf: str | None = None, **kw: Any) -> Any:
        with self.gateway.unit_of_work(actor) as uow:
            order = self.target(uow, actor, order_id, wf)
            self.check_lock(order, actor, action)
            self.check_status(order, action)
            return getattr(self, f"_{action}")(uow, order, **kw)

    # --- the actions -------------------------------------------------------------------------------

    def _retry(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        now, oid = self.now(), order["workflow_instanceid"]
        waiting = order["workflowstatus"] == f.ASYNC_WAITING
        self.store.update_steps(uow, oid, (f.ERROR, f.RETRY, f.ASYNC_WAITING), stepstatus=f.RETRY)
        if waiting and self.activities is not None:
            self.activities.abort(uow, oid)
        self.move(uow, order, f.RETRY, "retry", ready_at=now, retry_at=now, business_error=False)
        return {
            "steps_updated": 0,
            "segments_updated": 1,
            "workflow_updated": True,
            "workflow_status": f.RETRY,
            "cached": False,
        }

    def _setError(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        old, oid = order["workflowstatus"], order["workflow_instanceid"]
        if old == f.CANCELED:
            self.retake_guard(uow, order)
        statuses = (f.RETRY, f.ASYNC_WAITING, f.EVENT_WAITING, f.IN_PROGRESS)
        updated = self.store.update_steps(uow, oid, statuses, stepstatus=f.ERROR)
        self.move(uow, order, f.ERROR, "setError", workflowstatus_orig=None, ready_at=None)
        return {
            "steps_updated": updated,
            "segments_updated": 1,
            "workflow_status": f.ERROR,
            "old_status": old,
            **{k: 0 for k in _ZERO_QUEUES},
        }

    def _block(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        self.move(uow, order, f.BLOCKED, "block", workflowstatus_orig=order["workflowstatus"], ready_at=None)
        return {"workflow_status": f.BLOCKED}

    def _unblock(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        return self._restore(uow, order, "unblock")

    def _uncancel(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        self.retake_guard(uow, order)
        return self._restore(uow, order, "uncancel")

    def _restore(self, uow: Any, order: dict[str, Any], action: str) -> dict[str, Any]:
        target = f.restore_target(order["workflowstatus_orig"])
        ready = self.store.ready_at(uow, order, target, self.now())
        self.move(uow, order, target, action, workflowstatus_orig=None, ready_at=ready)
        return {"workflow_status": target}

    def _cancel(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        status = order["workflowstatus"]
        orig = order["workflowstatus_orig"] if status == f.BLOCKED else status
        self.store.release_guard(uow, order["workflow_instanceid"])
        self.move(uow, order, f.CANCELED, "cancel", workflowstatus_orig=orig, ready_at=None)
        return {"workflow_status": f.CANCELED}

    def _reschedule(self, uow: Any, order: dict[str, Any], date: datetime | None = None) -> str:
        now, status = self.now(), order["workflowstatus"]
        base = f.SCHEDULED if date is not None and date > now else f.READY
        if status in f.HELD:
            self.store.update(uow, order["workflow_instanceid"], workflowstatus_orig=base, scheduled=date)
            self.store.audit(uow, order, "reschedule", status, status, detail={"scheduled": _iso(date)})
            return "OK"
        ready = date if date is not None else now
        if not self.store.move(uow, order, base, "reschedule", scheduled=date, ready_at=ready):
            raise RescheduleError(f"the engine started order {order['workflow_instanceid']} meanwhile")
        return "OK"

    def _setPriority(self, uow: Any, order: dict[str, Any], priority: Any = None) -> str:  # noqa: N802
        self.store.update(uow, order["workflow_instanceid"], priority=priority, modified=self.now())
        self.store.audit(uow, order, "setPriority", detail={"priority": [order["priority"], priority]})
        return "OK"

    def _skipStep(  # noqa: N802
        self, uow: Any, order: dict[str, Any], stepid: int, ind: list[int], noretry: bool = False
    ) -> dict[str, Any]:
        oid = order["workflow_instanceid"]
        steps = {s.stepid: s for s in self.registry.steps(order["workflowid"], uow=uow)}
        instances = {(s["stepid"], s["ind"]): s for s in self.store.steps(uow, oid)}
        step = steps.get(stepid)
        named = [instances.get((stepid, i)) for i in ind]
        if step is None or step.type == "subworkflow" or any(n is None for n in named):
            raise SkipStepError(
                f"step {stepid} cannot be skipped: not in the workflow, never started or a subworkflow"
            )
        if any(n["stepstatus"] not in f.SKIPPABLE_STEPS for n in named if n):
            raise StepStatusError(
                f"step {stepid} instances must be ERROR, RETRY, EVENT-WAITING or ASYNC-WAITING"
            )
        for i in ind:
            self.store.put_step(uow, oid, stepid, i, stepstatus=f.COMPLETE, skip=True, completed=self.now())
        if self.activities is not None and step.type in ("approval", "userchoice", "notify", "async"):
            self.activities.abort(uow, oid, stepid)
        status = order["workflowstatus"]
        if not noretry:
            now = self.now()
            self.move(uow, order, f.RETRY, "skipStep", ready_at=now, retry_at=now)
            status = f.RETRY
        else:
            self.store.audit(uow, order, "skipStep", status, status, detail={"stepid": stepid, "ind": ind})
        return {"stepid": stepid, "ind": ind, "skipped": len(ind), "workflow_status": status}

    # --- record guard ------------------------------------------------------------------------------

    def retake_guard(self, uow: Any, order: Mapping[str, Any]) -> None:
        record = next(
            iter(
                self.store.keys(uow, [order["workflow_instanceid"]])[order["workflow_instanceid"]].get(
                    "record", []
                )
            ),
            None,
        )
        wf = self.registry.find(order["workflowid"], uow=uow)
        if record is None or wf is None or not wf.record_table:
            return
        if self.store.holder(uow, "R", order["name"], "record", record) is not None:
            raise RecordWorkflowActive(f"an active order of {order['name']} already holds record {record}")
        self.store.reserve(uow, "R", order["name"], "record", record, order["workflow_instanceid"])


def check_priority(value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise PriorityError("priority must be an integer between 0 and 999")
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
