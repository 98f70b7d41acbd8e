"""Resuming waiting steps of a claimed order (orders.md §7.4–§7.7): human steps, stored async answers,
posted events and finished child orders. A mixin of `Executor`, which supplies `_owned`, `_fail`,
`_outcome`, `_save`, `_move` and `_ctx`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.plugins.orders import facts as f
from gateway.plugins.orders.context import StepContext, StepFailure, as_failure
from gateway.plugins.orders.ports import Step, Workflow

HUMAN = ("approval", "userchoice", "notify")


class Stop(Exception):
    """The order left IN-PROGRESS (or was taken away); stop running its steps."""


@dataclass(frozen=True, slots=True)
class Run:
    order_id: int
    session: int
    deadline: float | None = None  # monotonic; None = no budget


class Waits:
    engine: Any
    gateway: Any
    store: Any
    # supplied by Executor
    _owned: Any
    _move: Any
    _fail: Any
    _ctx: Any
    _outcome: Any
    _save: Any

    def _human(self, run: Run, wf: Workflow, step: Step, ind: int, ctx: StepContext) -> None:
        activities = self.engine.activities
        try:
            with self.gateway.unit_of_work(source="engine") as uow:
                order = self._owned(uow, run)
                if activities is None:
                    raise StepFailure("STEP-TYPE-ERROR", info="human steps need the workflows activities")
                activities.open(uow, order, step.stepid, ind)
                self.store.put_step(uow, run.order_id, step.stepid, ind, stepstatus=f.ASYNC_WAITING)
                self._move(uow, order, f.ASYNC_WAITING, run)
        except Stop:
            raise
        except Exception as exc:
            self._fail(run, wf, step, ind, as_failure(exc), ctx)
        raise Stop

    def _answered(self, run: Run, wf: Workflow, step: Step, spec: Any, ind: int, inst: Any) -> None:
        answer = inst["answer"] or {}
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            keys = self.store.keys(uow, [run.order_id])[run.order_id]
        ctx = self._ctx(order, wf, step, ind, None, int(inst["retries"]), keys)
        try:
            if step.type in HUMAN:
                _keep_answer(ctx, step.name, answer)
                if self._rejected(run, step, ind, answer, ctx):
                    return None
            elif isinstance(answer.get("error"), dict):
                error = answer["error"]
                raise StepFailure(str(error.get("code")), error.get("info"), error.get("description"))
            elif getattr(spec, "back_end", None) is not None:
                spec.back_end(ctx, answer)
        except Exception as exc:
            self._fail(run, wf, step, ind, as_failure(exc), ctx)
        self._outcome(run, wf, step, ind, ctx)

    def _rejected(self, run: Run, step: Step, ind: int, answer: Mapping[str, Any], ctx: StepContext) -> bool:
        if step.type != "approval" or answer.get("outcome") != "rejected":
            return False
        mode = step.get("on_reject", "complete")
        if mode == "error":
            raise StepFailure("APPROVAL-REJECTED", business=True)
        if mode == "continue":
            return False
        ctx.set_custom_status("REJECTED")
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            self._save(uow, order, ctx)
            now = self.gateway.clock.now()
            self.store.put_step(uow, run.order_id, step.stepid, ind, stepstatus=f.COMPLETE, completed=now)
            for later in self.engine.registry.steps(order["workflowid"], uow=uow):
                if later.seq > step.seq:
                    self.store.put_step(
                        uow, run.order_id, later.stepid, 0, stepstatus=f.COMPLETE, skip=True, completed=now
                    )
        return True

    def _event(self, run: Run, wf: Workflow, step: Step, ind: int, inst: Any) -> None:
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            if self.store.event_posted(uow, order["client_id"], inst["event_type"], inst["event_key"]):
                self._complete_step(uow, run, step, ind)
                return
            self._move(uow, order, f.EVENT_WAITING, run)
        raise Stop

    def _complete_step(self, uow: Any, run: Run, step: Step, ind: int) -> None:
        now = self.gateway.clock.now()
        self.store.put_step(uow, run.order_id, step.stepid, ind, stepstatus=f.COMPLETE, completed=now)

    def _children_done(self, run: Run, wf: Workflow, step: Step, ind: int, inst: Any) -> None:
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            kids = self.store.children(uow, run.order_id)
            if kids and all(k["workflowstatus"] == f.COMPLETE for k in kids):
                self._complete_step(uow, run, step, ind)
                return
            self._move(uow, order, f.WAITING, run)
        raise Stop


def _keep_answer(ctx: StepContext, step_name: str, answer: Mapping[str, Any]) -> None:
    """`dynamicdata.activities.<step>` = the human answer (workflows.md §5.4), saved with the step."""
    kept = {k: answer.get(k) for k in ("outcome", "user", "message", "at")}
    if "value" in answer:
        kept["value"] = answer["value"]
    ctx.dynamicdata.setdefault("activities", {})[step_name] = kept
