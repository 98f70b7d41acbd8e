"""Bulk control actions on `/workflows` (workflows.md §6.3): each id handled like the single action in its
own unit of work, failures reported inside its entry, always 200 in the seed's shapes.

Missing `ids` is 400 with the action's own code; a missing permission fails the whole request (core).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway import core
from gateway.plugins.workflows import api_workflows as single
from gateway.plugins.workflows.errors import BULK_ERRORS
from gateway.plugins.workflows.store import Workflow
from gateway.plugins.workflows.views import bundle, resolve

PerId = Callable[[Workflow], dict[str, Any]]


def _ids(args: dict[str, Any], action: str) -> list[str]:
    ids = [str(i).strip() for i in args.get("ids") or () if str(i).strip()]
    if not ids:
        raise BULK_ERRORS[action](f"{action} needs ids (a list of workflow ids or names)")
    cap = core.gateway().settings.bulk_max_ids
    if len(ids) > cap:
        raise core.ValidationError(
            f"at most {cap} ids per request", errors=[core.FieldError("ids", f"more than {cap} ids")]
        )
    return list(dict.fromkeys(ids))


def _each(args: dict[str, Any], actor: core.Actor, action: str, flag: str, fn: PerId) -> list[dict[str, Any]]:
    """Run `fn` per id; a failing id gets `flag: false` and `info: "<CODE>: <message>"`."""
    entries = []
    for arg in _ids(args, action):
        try:
            wf = resolve(arg, actor)
            entries.append({"arg": arg, flag: True, **single.ident(wf), **fn(wf)})
        except core.GatewayError as exc:
            entries.append({"arg": arg, flag: False, "info": f"{exc.type}: {exc.detail}"})
    return entries


def enable(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
    return _each(args, actor, "enable", "enabled", lambda wf: {"info": single.enable(wf, True)["info"]})


def disable(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    def one(wf: Workflow) -> dict[str, Any]:
        result = single.enable(wf, False)
        return {"count": result["count"], "info": result["info"]}

    details = _each(args, actor, "disable", "stopped", one)
    return {"count": sum(d.get("count", 0) for d in details), "details": details}


def set_autostart(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
    single.autostart_value(args)  # 400 for the whole request before any id is touched
    return _each(args, actor, "setAutostart", "updated", lambda wf: single.set_autostart(args, wf))


def _step(action: str, step: int) -> Callable[[dict[str, Any], core.Actor], list[dict[str, Any]]]:
    def handler(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
        return _each(args, actor, action, "updated", lambda wf: single.step_autostart(wf, step))

    return handler


def set_deprecated(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
    single.deprecated_value(args)
    return _each(args, actor, "setDeprecated", "updated", lambda wf: single.set_deprecated(args, wf))


def reset(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    details = _each(args, actor, "reset", "reset", lambda wf: {"info": single.reset(wf)})
    return {"count": sum(1 for d in details if d["reset"]), "details": details}


def reset_all(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
    b = bundle()
    found = []
    with core.gateway().unit_of_work() as uow:
        visible = [wf for wf in b.store.all(uow) if b.registry.in_scope(actor, wf.name)]
        counts = b.store.running_counts(uow, [wf.workflowid for wf in visible])
        for wf in visible:
            b.control.reset(uow, wf)
            found.append({**single.ident(wf), "count": counts.get(wf.workflowid, 0)})
    return found


def start(args: dict[str, Any], actor: core.Actor) -> list[dict[str, Any]]:
    def one(wf: Workflow) -> dict[str, Any]:
        ids = single.start(args, wf)["ids"]
        return {"started": bool(ids), "exec_id": ids, "info": f"started {len(ids)} instance(s)"}

    return _each(args, actor, "start", "started", one)


def stop(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    workflows: dict[str, list[int]] = {}

    def one(wf: Workflow) -> dict[str, Any]:
        stopped = list(single.stop(wf))
        workflows[wf.label] = stopped
        return {"count": len(stopped), "info": f"stopped {len(stopped)} instance(s)"}

    details = _each(args, actor, "stop", "stopped", one)
    return {"count": sum(d.get("count", 0) for d in details), "workflows": workflows, "details": details}


def stop_all(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    b = bundle()
    workflows: dict[str, list[int]] = {}
    with core.gateway().unit_of_work() as uow:
        for wf in b.store.all(uow):
            if b.registry.in_scope(actor, wf.name):
                stopped = list(b.control.stop(uow, wf))
                if stopped:
                    workflows[wf.label] = stopped
    count = sum(len(v) for v in workflows.values())
    return {"count": count, "workflows": workflows, "msg": f"stopped {count} instance(s)"}


BULK: dict[str, Callable[[dict[str, Any], core.Actor], Any]] = {
    "enable": enable,
    "disable": disable,
    "setAutostart": set_autostart,
    "incAutostart": _step("incAutostart", 1),
    "decAutostart": _step("decAutostart", -1),
    "setDeprecated": set_deprecated,
    "reset": reset,
    "resetAll": reset_all,
    "start": start,
    "stop": stop,
    "stopAll": stop_all,
}
