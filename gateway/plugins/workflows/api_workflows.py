"""Handlers of `/workflows` and `/workflows/{id_or_name}` (workflows.md §6.1–6.2): list, read, create,
validate, delete, execution instances, and the control actions on one workflow.

Each handler is `(args, actor, **path)` as `core.Action` expects; permissions are checked by the core before
the call, the workflow's access scope here. The domain work is done by the bundle's services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Response

from gateway import core
from gateway.plugins.workflows.control import option_error
from gateway.plugins.workflows.entity_sets import INSTANCES, WORKFLOWS
from gateway.plugins.workflows.errordefs import lenient_bool
from gateway.plugins.workflows.errors import SetAutostartError, SetDeprecatedError
from gateway.plugins.workflows.store import Workflow
from gateway.plugins.workflows.views import (
    bundle,
    drop_fields,
    has_option,
    resolve,
    with_select,
)

_SHORTCUTS = (("list", "name"), ("short", "workflowid,name,version,description"))


def ident(wf: Workflow) -> dict[str, Any]:
    return {"workflowid": wf.workflowid, "name": wf.name, "version": wf.version}


# --- plain verbs ------------------------------------------------------------------------------------


def list_workflows(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    extra = []
    if args.get("deprecated") is False:
        extra.append(sa.not_(sa.literal_column("gw_workflow.deprecated", sa.Boolean)))
    shortcut = next((fields for flag, fields in _SHORTCUTS if args.get(flag)), None)
    raw = with_select(core.raw_request(), shortcut)
    result = core.gateway().list(WORKFLOWS, raw, actor, extra=extra)
    hidden = [] if has_option(raw, "$select") else ["steps", "options"]
    if core.gateway().service("orders.stats", required=False) is None:
        hidden.append("order_stats")
    return drop_fields(result, hidden)


def workflow_detail(wf: Workflow, actor: core.Actor) -> dict[str, Any]:
    record = core.gateway().record(WORKFLOWS, wf.workflowid, actor)
    record.pop("version_sort", None)
    if core.gateway().service("orders.stats", required=False) is None:
        record.pop("order_stats", None)
    return record


def get_workflow(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> dict[str, Any]:
    return workflow_detail(resolve(id_or_name, actor), actor)


def create_workflow(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    created = bundle().definitions.create(args)
    record = workflow_detail(resolve(str(created["workflowid"]), actor), actor)
    return core.Reply(201, record, {"Location": f"/api/v1/workflows/{record['workflowid']}"})


def validate_workflow(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    return bundle().definitions.validate(args)


def delete_workflow(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> Response:
    bundle().definitions.delete(resolve(id_or_name, actor))
    return Response(status=204)


def list_instances(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> core.Reply:
    wf = resolve(id_or_name, actor)
    extra = [sa.literal_column("gw_exec_instance.workflowid", sa.BigInteger) == wf.workflowid]
    return core.gateway().list(INSTANCES, None, actor, extra=extra)


def get_options(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> Any:
    return resolve(id_or_name, actor).options or None


# --- argument checks with the actions' own codes -------------------------------------------------------


def autostart_value(args: dict[str, Any]) -> int:
    value = args.get("autostart")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if value is None or isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SetAutostartError("autostart must be an integer >= 0")
    return value


def deprecated_value(args: dict[str, Any]) -> bool:
    flag = lenient_bool(args.get("deprecated"))
    if flag is None:
        raise SetDeprecatedError("deprecated (a boolean) is required")
    return flag


def options_value(args: dict[str, Any]) -> dict[str, Any]:
    value = args.get("options")
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            value = None
    if not isinstance(value, dict):
        raise core.ValidationError(
            "options must be a JSON object", errors=[core.FieldError("options", "must be a JSON object")]
        )
    return value


# --- control actions on one workflow (results of §6.2) -------------------------------------------------


def in_uow(fn: Callable[[Any, Workflow], Any], wf: Workflow) -> Any:
    with core.gateway().unit_of_work() as uow:
        return fn(uow, wf)


def enable(wf: Workflow, enabled: bool) -> dict[str, Any]:
    if enabled:
        core.gateway().check_running()
    return in_uow(lambda uow, w: bundle().control.set_enabled(uow, w, enabled), wf)


def _single(kind: str) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> Any:
        wf = resolve(id_or_name, actor)
        return SINGLE[kind](args, wf)

    handler.__name__ = f"workflow_{kind}"
    return handler


def _enable(args: dict[str, Any], wf: Workflow, enabled: bool) -> dict[str, Any]:
    result = enable(wf, enabled)
    return {**ident(wf), "info": result["info"]}


def set_autostart(args: dict[str, Any], wf: Workflow) -> dict[str, Any]:
    value = autostart_value(args)
    return in_uow(lambda uow, w: bundle().control.set_autostart(uow, w, value), wf)


def step_autostart(wf: Workflow, step: int) -> dict[str, Any]:
    return in_uow(lambda uow, w: bundle().control.step_autostart(uow, w, step), wf)


def set_deprecated(args: dict[str, Any], wf: Workflow) -> dict[str, Any]:
    flag = deprecated_value(args)
    core.gateway().check_running()
    return in_uow(lambda uow, w: bundle().control.set_deprecated(uow, w, flag), wf)


def set_options(args: dict[str, Any], wf: Workflow) -> str:
    options = options_value(args)
    # committed first: valid names stay stored when the invalid ones are refused (§6.2)
    result = in_uow(lambda uow, w: bundle().control.set_options(uow, w, options), wf)
    error = option_error(result)
    if error is not None:
        raise error
    return result  # type: ignore[no-any-return]


def start(args: dict[str, Any], wf: Workflow) -> dict[str, Any]:
    core.gateway().check_running()
    count, mode = int(args.get("count", 1)), str(args.get("mode", "NORMAL"))
    return in_uow(lambda uow, w: bundle().control.start(uow, w, count, mode), wf)  # type: ignore[no-any-return]


def _start_reply(args: dict[str, Any], wf: Workflow) -> list[dict[str, Any]]:
    result = start(args, wf)
    gateway, actor = core.gateway(), core.current_actor()
    result["exec"] = [gateway.record(INSTANCES, execid, actor) for execid in result["ids"]]
    return [result]


def stop(wf: Workflow) -> tuple[int, ...]:
    return in_uow(lambda uow, w: bundle().control.stop(uow, w), wf)  # type: ignore[no-any-return]


def _stop_reply(args: dict[str, Any], wf: Workflow) -> str:
    stop(wf)
    return "OK"


def reset(wf: Workflow) -> str:
    return in_uow(lambda uow, w: bundle().control.reset(uow, w), wf)  # type: ignore[no-any-return]


SINGLE: dict[str, Callable[[dict[str, Any], Workflow], Any]] = {
    "enable": lambda args, wf: _enable(args, wf, True),
    "disable": lambda args, wf: _enable(args, wf, False),
    "setAutostart": set_autostart,
    "incAutostart": lambda args, wf: step_autostart(wf, 1),
    "decAutostart": lambda args, wf: step_autostart(wf, -1),
    "setDeprecated": set_deprecated,
    "setOptions": set_options,
    "reset": lambda args, wf: reset(wf),
    "start": _start_reply,
    "stop": _stop_reply,
}
SINGLE_HANDLERS = {kind: _single(kind) for kind in SINGLE}
