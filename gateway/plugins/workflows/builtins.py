"""Built-in step functions (workflows.md §3.3): noop, subworkflow, set_record, scripted and scripted_array.

`builtin.scripted` reads per-order directives from staticdata so demos and tests choose a step's behaviour
without code. Steps act only through their `StepContext`.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from gateway.plugins.workflows.stepapi import StepContext, StepError, step

_MAX_SLEEP = 30.0


@step("builtin.noop", types=("normal",), description="Completes at once")
def noop(ctx: StepContext) -> None:
    return None


@step("builtin.subworkflow", types=("subworkflow",), description="Starts one child order",
      options=("workflow", "staticdata_key"))  # fmt: skip
def subworkflow(ctx: StepContext) -> None:
    key = ctx.step_options.get("staticdata_key", "child")
    child = ctx.staticdata.get(key)
    if child is None:
        child = {"parent": ctx.order.workflow_instanceid}
    ctx.start_children(ctx.step_options["workflow"], [child])


@step("builtin.set_record", types=("normal",), description="Writes step option values to the order's record",
      options=("values",))  # fmt: skip
def set_record(ctx: StepContext) -> None:
    if ctx.record is None:
        raise StepError("STEP-EXCEPTION", info="the workflow has no record table")
    model_name, key = ctx.record
    ctx.gateway.update(model_name, key, dict(ctx.step_options.get("values") or {}))


def _script(ctx: StepContext) -> Any:
    scripts = ctx.staticdata.get("script") or {}
    return scripts.get(ctx.step.name, "ok") if isinstance(scripts, dict) else "ok"


def _directive(ctx: StepContext, text: str) -> None:
    verb, _, arg = text.strip().partition(":")
    handler = _DIRECTIVES.get(verb)
    if handler is None:
        raise ValueError(f"unknown directive {text!r}")
    handler(ctx, arg)


def _error_once(ctx: StepContext, code: str) -> None:
    if ctx.retries == 0:
        raise StepError(code)


def _dyn(ctx: StepContext, arg: str) -> None:
    key, _, value = arg.partition("=")
    ctx.dynamicdata[key] = json.loads(value)


def _async(ctx: StepContext, _arg: str) -> None:
    ctx.wait_async(key=f"{ctx.order.workflow_instanceid}-{ctx.step.name}")


def _event(ctx: StepContext, arg: str) -> None:
    event_type, _, key = arg.partition(":")
    ctx.wait_event(event_type, key)


def _sleep(_ctx: StepContext, arg: str) -> None:
    # a real wait on purpose: demos and the slot-rule test need steps that take time
    threading.Event().wait(min(float(arg), _MAX_SLEEP))


def _raise(code: str, *, business: bool = False) -> None:
    raise StepError(code, business=business)


_DIRECTIVES = {
    "ok": lambda ctx, arg: None,
    "error": lambda ctx, arg: _raise(arg),
    "error-once": _error_once,
    "business": lambda ctx, arg: _raise(arg, business=True),
    "warning": lambda ctx, arg: ctx.warning(arg),
    "dyn": _dyn,
    "status": lambda ctx, arg: ctx.set_custom_status(arg),
    "async": _async,
    "event": _event,
    "sleep": _sleep,
}


def _merge_answer(ctx: StepContext, answer: Any) -> None:
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        ctx.dynamicdata.update(answer["data"])


@step("builtin.scripted", types=("normal", "async", "event"), back_end=_merge_answer,
      description="Runs the directives of staticdata.script.<step name>")  # fmt: skip
def scripted(ctx: StepContext) -> None:
    script = _script(ctx)
    for directive in str(script).split(";"):
        if directive.strip():
            _directive(ctx, directive)


def _elements(ctx: StepContext) -> list[Any]:
    items = ctx.staticdata.get("items")
    return list(items) if isinstance(items, list) else [0]


@step("builtin.scripted_array", types=("normal",), array=_elements,
      description="Array step over staticdata.items running per-element directives")  # fmt: skip
def scripted_array(ctx: StepContext) -> None:
    script = _script(ctx)
    if isinstance(script, list):
        script = script[ctx.ind] if ctx.ind < len(script) else "ok"
    for directive in str(script).split(";"):
        if directive.strip():
            _directive(ctx, directive)


BUILTIN_STEPS = (noop, subworkflow, set_record, scripted, scripted_array)
