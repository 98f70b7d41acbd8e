"""Running the steps of one claimed order (orders.md §7.2–§7.7): one unit of work per step outcome.

The executor owns the order only while `status_sessionid` is its session: every status change is a
compare-and-set on that session, so an order recovered meanwhile is never written by a late runner.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gateway.plugins.orders import facts as f
from gateway.plugins.orders.context import (
    Outcome,
    StepContext,
    StepFailure,
    as_failure,
    order_view,
    step_view,
)
from gateway.plugins.orders.ports import Step, Workflow
from gateway.plugins.orders.waits import HUMAN, Run, Stop, Waits

log = logging.getLogger("gateway.orders.engine")


class Executor(Waits):
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.gateway = engine.gateway
        self.store = engine.store

    def execute(self, run: Run) -> str:
        """Run steps until the order leaves IN-PROGRESS; returns its status afterwards."""
        try:
            self._steps(run)
        except Stop:
            pass
        except Exception as exc:  # a database failure between steps: the order must not stay IN-PROGRESS
            log.warning("order %s: engine failure %s", run.order_id, type(exc).__name__, exc_info=exc)
            self._abandon(run, exc)
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self.store.load(uow, run.order_id) or {}
        return str(order.get("workflowstatus"))

    def _abandon(self, run: Run, exc: Exception) -> None:
        try:
            with self.gateway.unit_of_work(source="engine") as uow:
                order = self._owned(uow, run)
                wf = self.engine.registry.find(order["workflowid"], uow=uow)
                running = [s for s in self.store.steps(uow, run.order_id) if s["stepstatus"] == f.IN_PROGRESS]
                stepid, ind = (running[0]["stepid"], running[0]["ind"]) if running else (None, 0)
                failure = StepFailure("STEP-EXCEPTION", info=type(exc).__name__)
                self.engine.apply_error(uow, order, wf, stepid, ind, failure, session=run.session)
        except Exception:
            log.exception("order %s stays with its session until recovery", run.order_id)

    def _load(self, run: Run) -> tuple[dict[str, Any], Workflow, list[Step]]:
        registry = self.engine.registry
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self.store.load(uow, run.order_id)
            if order is None or order["status_sessionid"] != run.session:
                raise Stop
            wf = registry.find(order["workflowid"], uow=uow)
            steps = registry.steps(order["workflowid"], uow=uow)
            if order["processing_started"] is None:
                self.store.update(uow, run.order_id, processing_started=self.gateway.clock.now())
        return order, wf, steps

    def _steps(self, run: Run) -> None:
        order, wf, steps = self._load(run)
        for index, step in enumerate(steps):
            self._step(run, wf, step)
            more = index + 1 < len(steps)
            if more and self._out_of_time(run):
                self._finish(run, f.INCOMPLETE, ready_at=self.gateway.clock.now())
                return
        self._complete(run)

    def _out_of_time(self, run: Run) -> bool:
        stopping = self.gateway.stopping.is_set() if hasattr(self.gateway, "stopping") else False
        return stopping or (run.deadline is not None and self.gateway.clock.monotonic() >= run.deadline)

    # --- one step ----------------------------------------------------------------------------------

    def _step(self, run: Run, wf: Workflow, step: Step) -> None:
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            instances = {
                s["ind"]: s for s in self.store.steps(uow, run.order_id) if s["stepid"] == step.stepid
            }
            keys = self.store.keys(uow, [run.order_id])[run.order_id]
        spec = self.engine.registry.step_function(step.function) if step.function else None
        inds = self._indexes(order, wf, step, spec, keys)
        for ind in inds:
            inst = instances.get(ind)
            if inst is not None and inst["stepstatus"] == f.COMPLETE:
                continue
            self._instance(run, wf, step, spec, ind, inst, inds)

    def _indexes(self, order: dict[str, Any], wf: Workflow, step: Step, spec: Any, keys: Any) -> list[Any]:
        array = getattr(spec, "array", None)
        if array is None:
            return [0]
        ctx = self._ctx(order, wf, step, 0, None, 0, keys)
        try:
            elements = list(array(ctx))
        except Exception as exc:
            self._fail(
                Run(order["workflow_instanceid"], order["status_sessionid"]),
                wf,
                step,
                0,
                as_failure(exc),
                ctx,
            )
        return list(range(len(elements)))

    def _instance(
        self, run: Run, wf: Workflow, step: Step, spec: Any, ind: int, inst: Any, inds: Any
    ) -> None:
        status = inst["stepstatus"] if inst else None
        if status == f.ASYNC_WAITING and inst["answered"]:
            return self._answered(run, wf, step, spec, ind, inst)
        if status == f.EVENT_WAITING:
            return self._event(run, wf, step, ind, inst)
        if status == f.WAITING:
            return self._children_done(run, wf, step, ind, inst)
        retries = int(inst["retries"]) + 1 if inst else 0
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            keys = self.store.keys(uow, [run.order_id])[run.order_id]
            self.store.put_step(
                uow,
                run.order_id,
                step.stepid,
                ind,
                stepstatus=f.IN_PROGRESS,
                retries=retries,
                started=self.gateway.clock.now(),
                answered=False,
                answer=None,
            )
        element = None
        ctx = self._ctx(order, wf, step, ind, element, retries, keys)
        if step.type in HUMAN:
            return self._human(run, wf, step, ind, ctx)
        try:
            if spec is None:
                raise StepFailure("STEP-TYPE-ERROR", info=f"no step function {step.function}")
            if getattr(spec, "array", None) is not None:
                ctx.element = list(spec.array(ctx))[ind]
            spec.function(ctx)
        except Exception as exc:
            return self._fail(run, wf, step, ind, as_failure(exc), ctx)
        return self._outcome(run, wf, step, ind, ctx)

    def _ctx(
        self,
        order: dict[str, Any],
        wf: Workflow,
        step: Step,
        ind: int,
        element: Any,
        retries: int,
        keys: Mapping[str, Any],
    ) -> StepContext:
        static = order["staticdata"] or {}
        options = {**(wf.options or {}), **(order.get("run_options") or {})}
        record = None
        if wf.record_table and "record-id" in static:
            record = (str(static.get("model-name", wf.record_table)), static["record-id"])
        return StepContext(
            order=order_view(order, keys),
            staticdata=static,
            dynamicdata=dict(order["dynamicdata"] or {}),
            options=options,
            step_options=dict(step.get("options") or {}),
            step=step_view(step),
            ind=ind,
            element=element,
            retries=retries,
            record=record,
            gateway=self.gateway,
            clock=self.gateway.clock,
            event_posted=lambda t, k: self.engine.event_posted(order["client_id"], t, k),
        )

    def _owned(self, uow: Any, run: Run) -> dict[str, Any]:
        order = self.store.load(uow, run.order_id, lock=True)
        if (
            order is None
            or order["status_sessionid"] != run.session
            or order["workflowstatus"] != f.IN_PROGRESS
        ):
            raise Stop
        return dict(order)

    # --- outcomes ----------------------------------------------------------------------------------

    def _save(self, uow: Any, order: dict[str, Any], ctx: StepContext | None) -> None:
        if ctx is None:
            return
        values: dict[str, Any] = {
            "dynamicdata": ctx.dynamicdata or None,
            "modified": self.gateway.clock.now(),
        }
        out = ctx.outcome
        if out.custom_status is not None:
            values["custom_status"], values["custom_status_desc"] = out.custom_status
        self.store.update(uow, order["workflow_instanceid"], **values)
        for code, info in out.warnings:
            self.store.add_error(
                uow,
                order,
                {
                    "stepid": ctx.step.stepid,
                    "stepname": ctx.step.name,
                    "ind": ctx.ind,
                    "severity": "WARNING",
                    "error": code,
                    "info": info,
                },
            )

    def _outcome(self, run: Run, wf: Workflow, step: Step, ind: int, ctx: StepContext) -> None:
        out: Outcome = ctx.outcome
        now = self.gateway.clock.now()
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            self._save(uow, order, ctx)
            if out.wait and out.wait[0] == "async":
                self.store.put_step(
                    uow, run.order_id, step.stepid, ind, stepstatus=f.ASYNC_WAITING, async_key=out.wait[1]
                )
                self._move(uow, order, f.ASYNC_WAITING, run)
            elif out.wait:
                self.store.put_step(
                    uow,
                    run.order_id,
                    step.stepid,
                    ind,
                    stepstatus=f.EVENT_WAITING,
                    event_type=out.wait[1],
                    event_key=out.wait[2],
                )
                self._move(uow, order, f.EVENT_WAITING, run)
            elif out.children:
                first = self.engine.start_children(uow, order, out.children)
                self.store.put_step(
                    uow, run.order_id, step.stepid, ind, stepstatus=f.WAITING, subworkflow_instanceid=first
                )
                self._move(uow, order, f.WAITING, run)
            else:
                self.store.put_step(uow, run.order_id, step.stepid, ind, stepstatus=f.COMPLETE, completed=now)
                return
        raise Stop

    def _fail(
        self,
        run: Run,
        wf: Workflow,
        step: Step | None,
        ind: int,
        failure: StepFailure,
        ctx: StepContext | None = None,
    ) -> None:
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            self._save(uow, order, ctx)
            self.engine.apply_error(
                uow, order, wf, step.stepid if step else None, ind, failure, session=run.session
            )
        raise Stop

    # --- order status ------------------------------------------------------------------------------

    def _move(self, uow: Any, order: dict[str, Any], new: str, run: Run, **values: Any) -> None:
        values = {"status_sessionid": 0, "synchronous": False, "ready_at": None, **values}
        if new in f.WAITS and "ready_at" in values and values["ready_at"] is None:
            values["ready_at"] = None
        if not self.store.move(uow, order, new, "engine", session=run.session, **values):
            raise Stop
        self.engine.orders.after_move(uow, order, new)

    def _finish(self, run: Run, new: str, **values: Any) -> None:
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            self._move(uow, order, new, run, **values)

    def _complete(self, run: Run) -> None:
        now = self.gateway.clock.now()
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self._owned(uow, run)
            self.store.release_guard(uow, run.order_id)
            self._move(uow, order, f.COMPLETE, run, completed=now)


def retry_time(now: Any, delay: int | None) -> Any:
    return now + timedelta(seconds=int(delay or 0))
