"""The StepContext handed to step functions (workflows.md §3.2) and the outcome it collects.

A context only records what the step asked for (waits, children, warnings, custom status); `engine.py`
persists it in the step's unit of work. Calls a step type may not make fail with STEP-TYPE-ERROR.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, SimpleNamespace
from typing import Any

log = logging.getLogger("gateway.orders.steps")


class StepFailure(Exception):
    """A step error raised by the engine itself (STEP-TYPE-ERROR, SUBWORKFLOW-ERROR, …)."""

    def __init__(
        self, code: str, info: str | None = None, description: str | None = None, business: bool = False
    ) -> None:
        super().__init__(code)
        self.code, self.info, self.description, self.business = code, info, description, business


def as_failure(exc: BaseException) -> StepFailure:
    """A StepError of any origin (duck-typed: `code` plus optional fields), else STEP-EXCEPTION."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and type(exc).__name__ in ("StepError", "StepFailure"):
        return StepFailure(
            code,
            getattr(exc, "info", None),
            getattr(exc, "description", None),
            bool(getattr(exc, "business", False)),
        )
    log.warning("step raised %s", type(exc).__name__, exc_info=exc)
    return StepFailure("STEP-EXCEPTION", info=type(exc).__name__)


@dataclass
class Outcome:
    """What the step asked for, in the order the engine applies it."""

    wait: tuple[str, ...] | None = None  # ("async", key) | ("event", type, key)
    children: list[tuple[Any, list[Any], int | None]] = field(default_factory=list)
    warnings: list[tuple[str, str | None]] = field(default_factory=list)
    custom_status: tuple[str, str | None] | None = None


@dataclass
class StepContext:
    order: Any
    staticdata: Mapping[str, Any]
    dynamicdata: dict[str, Any]
    options: Mapping[str, Any]
    step_options: Mapping[str, Any]
    step: Any
    ind: int
    element: Any
    retries: int
    record: tuple[str, Any] | None
    gateway: Any
    clock: Any
    event_posted: Callable[[str, str], bool]
    outcome: Outcome = field(default_factory=Outcome)

    def log(self, msg: str) -> None:
        log.info("order %s step %s: %s", self.order.workflow_instanceid, self.step.name, msg)

    def warning(self, code: str, info: str | None = None) -> None:
        self.outcome.warnings.append((code, info))

    def set_custom_status(self, code: str, desc: str | None = None) -> None:
        self.outcome.custom_status = (code, desc)

    def _only(self, kind: str, call: str) -> None:
        if self.step.type != kind:
            raise StepFailure("STEP-TYPE-ERROR", info=f"{call} is not allowed in a {self.step.type} step")

    def wait_async(self, key: str | None = None) -> None:
        self._only("async", "wait_async")
        self.outcome.wait = ("async", key or f"{self.order.workflow_instanceid}-{self.step.name}")

    def wait_event(self, event_type: str, key: str) -> None:
        self._only("event", "wait_event")
        if not self.event_posted(event_type, key):
            self.outcome.wait = ("event", event_type, key)

    def start_children(self, workflow: Any, staticdata_list: Any, priority: int | None = None) -> None:
        self._only("subworkflow", "start_children")
        self.outcome.children.append((workflow, list(staticdata_list), priority))


def order_view(order: Mapping[str, Any], keys: Mapping[str, Any]) -> Any:
    names = (
        "workflow_instanceid",
        "workflowid",
        "name",
        "version",
        "priority",
        "parent_workflow_instanceid",
        "started",
        "client_id",
    )
    return SimpleNamespace(**{n: order[n] for n in names}, keys=MappingProxyType(dict(keys)))


def step_view(step: Any) -> Any:
    return SimpleNamespace(stepid=step.stepid, name=step.name, type=step.type)
