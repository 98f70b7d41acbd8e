"""Handlers of `/errors/**`, `/workflows/{wf}/errors/**` (workflows.md §4.3) and `/steps/**` (§3.3).

`/errors/workflow/{wf}…` and `/workflows/{wf}/errors…` share these handlers; `/errors/{error}` addresses the
global definition only (WF-11). Writes answer the seed's bare strings, 201 when they created a definition.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway import core
from gateway.plugins.workflows.entity_sets import ERRORS
from gateway.plugins.workflows.errorservice import Written
from gateway.plugins.workflows.errorstore import GLOBAL
from gateway.plugins.workflows.views import bundle, resolve, with_select

_WFID = "gw_error_definition.workflowid"
_SHORTCUTS = (("list", "error"), ("short", "error,description,severity"))


def _written(written: Written) -> core.Reply:
    return core.Reply(201 if written.created else 200, written.result)


def _column(name: str, type_: Any = sa.String) -> Any:
    return sa.literal_column(name, type_)


def _list(actor: core.Actor, extra: list[Any], args: dict[str, Any] | None = None) -> core.Reply:
    args = args or {}
    shortcut = next((fields for flag, fields in _SHORTCUTS if args.get(flag)), None)
    raw = with_select(core.raw_request(), shortcut)
    return core.gateway().list(ERRORS, raw, actor, extra=extra)


def _is_global() -> Any:
    return _column(_WFID, sa.BigInteger) == GLOBAL


def _of(workflowid: int) -> Any:
    return _column(_WFID, sa.BigInteger) == workflowid


def list_errors(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    extra: list[Any] = []
    if args.get("errors"):
        extra.append(_column("gw_error_definition.error").in_(args["errors"]))
    if (args.get("filter") or "").lower() == "global":
        extra.append(_is_global())
    elif args.get("wf"):
        extra.append(_of(resolve(args["wf"], actor).workflowid))
    return _list(actor, extra, args)


def search(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    return _list(actor, [_column("gw_error_definition.error").in_(args["errors"])])


def reload(args: dict[str, Any], actor: core.Actor) -> dict[str, int]:
    return bundle().errors.reload()


def list_global(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    return _list(actor, [_is_global()])


def list_specific(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    return _list(actor, [_column(_WFID, sa.BigInteger) != GLOBAL])


def list_of_workflow(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> core.Reply:
    return _list(actor, [_of(resolve(id_or_name, actor).workflowid)])


def _record(actor: core.Actor, error: str, workflowid: int) -> dict[str, Any]:
    b = bundle()
    t = b.tables.error_definition
    with b.gateway.unit_of_work() as uow:
        found = uow.execute(
            sa.select(t.c.id).where(t.c.error == error, t.c.workflowid == workflowid)
        ).scalar_one_or_none()
    if found is None:
        where = "(global)" if workflowid == GLOBAL else f"for workflow {workflowid}"
        raise core.NotFound(f"no error definition {error} {where}")
    record = b.gateway.record(ERRORS, found, actor)
    record.pop("id", None)
    return record  # type: ignore[no-any-return]


# --- global definitions --------------------------------------------------------------------------------


def get_global(args: dict[str, Any], actor: core.Actor, error: str) -> dict[str, Any]:
    return _record(actor, error, GLOBAL)


def create_global(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    return _written(bundle().errors.create_global(args))


def upsert_global(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    return _written(bundle().errors.create_or_update_global(args))


def update_global(args: dict[str, Any], actor: core.Actor, error: str) -> core.Reply:
    return _written(bundle().errors.update(error, GLOBAL, args))


def delete_global(args: dict[str, Any], actor: core.Actor, error: str) -> str:
    return bundle().errors.delete(error, GLOBAL)


# --- POST /errors: global unless `workflowid` names a workflow ----------------------------------------


def _target(args: dict[str, Any], actor: core.Actor) -> tuple[Any, dict[str, Any]]:
    workflowid = args.get("workflowid")
    if workflowid in (None, ""):
        return None, {k: v for k, v in args.items() if k not in ("workflowid", "forceworkflow")}
    return resolve(str(workflowid), actor), args


def create_any(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    wf, body = _target(args, actor)
    if wf is None:
        return create_global(body, actor)
    return _written(bundle().errors.create_on(wf, body, upsert=False))


def upsert_any(args: dict[str, Any], actor: core.Actor) -> core.Reply:
    wf, body = _target(args, actor)
    if wf is None:
        return upsert_global(body, actor)
    return _written(bundle().errors.create_on(wf, body, upsert=True))


# --- workflow-specific definitions --------------------------------------------------------------------


def create_on(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> core.Reply:
    body = {k: v for k, v in args.items() if k != "workflowid"}
    return _written(bundle().errors.create_on(_same_workflow(args, actor, id_or_name), body, upsert=False))


def upsert_on(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> core.Reply:
    body = {k: v for k, v in args.items() if k != "workflowid"}
    return _written(bundle().errors.create_on(_same_workflow(args, actor, id_or_name), body, upsert=True))


def _same_workflow(args: dict[str, Any], actor: core.Actor, id_or_name: str) -> Any:
    """The path's workflow; a `workflowid` argument naming another one is refused (WF-19 spirit)."""
    wf = resolve(id_or_name, actor)
    given = args.get("workflowid")
    if given not in (None, "") and str(given) != str(wf.workflowid):
        raise core.ValidationError(
            "workflowid differs from the workflow of the path",
            errors=[core.FieldError("workflowid", "differs from the path")],
        )
    return wf


def get_on(args: dict[str, Any], actor: core.Actor, id_or_name: str, error: str) -> dict[str, Any]:
    return _record(actor, error, resolve(id_or_name, actor).workflowid)


def update_on(args: dict[str, Any], actor: core.Actor, id_or_name: str, error: str) -> core.Reply:
    return _written(bundle().errors.update(error, resolve(id_or_name, actor).workflowid, args))


def delete_on(args: dict[str, Any], actor: core.Actor, id_or_name: str, error: str) -> str:
    return bundle().errors.delete(error, resolve(id_or_name, actor).workflowid)


# --- registered step functions ------------------------------------------------------------------------


def list_steps(args: dict[str, Any], actor: core.Actor) -> dict[str, Any]:
    """The list envelope over the in-memory step catalog (no table to query: no `$filter` here)."""
    catalog = bundle().steps
    records = [catalog.record(name) for name in sorted(catalog.specs)]
    return {"page-count": 1, "records-size": len(records), "skip-records": 0, "row-count": len(records),
            "records": records, "array-count": len(records)}  # fmt: skip


def get_step(args: dict[str, Any], actor: core.Actor, name: str) -> dict[str, Any]:
    catalog = bundle().steps
    if catalog.get(name) is None:
        raise core.NotFound(f"no step function {name}")
    return catalog.record(name)
