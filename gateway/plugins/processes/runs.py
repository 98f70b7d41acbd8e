"""Running processes (processes.md §5–6): validate, create the instance, execute, store outputs, jobs.

A failure inside a handler is data (`isError: true`), never an HTTP error. Request and state problems raise
the plugin's errors before any instance exists.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from gateway import core
from gateway.plugins.processes import definitions, records, store
from gateway.plugins.processes.api import ParameterError as HandlerParameterError
from gateway.plugins.processes.api import ProcessError, ProcessResult
from gateway.plugins.processes.body import validate_body
from gateway.plugins.processes.context import GatewayLookups, RunContext
from gateway.plugins.processes.errors import (
    InstanceStateError,
    ParameterError,
    ProcessInactive,
    ProcessRunning,
)
from gateway.plugins.processes.naming import parse_ref
from gateway.plugins.processes.params import RunBody
from gateway.plugins.processes.service import ProcessService

log = logging.getLogger("gateway.plugins.processes")
RUN_JOB, NOTIFY_JOB = "processes.run", "processes.notify"
INTERRUPTED = "Interrupted: the gateway process running this job stopped"


def prepare(
    svc: ProcessService, actor: Any, ref: str, body: Any, *, mode: str, schedule_id: int | None = None
) -> int:
    """Validate and insert an instance (`mode`: run | job | prepared); returns its id (§5.2–5.3)."""
    row = definitions.load(svc, ref)
    definition = definitions.latest_definition(svc, row)
    run = check_body(svc, actor, row, definition, body, background=mode != "run")
    _check_state(svc, row, run)
    status = {"run": "running", "job": "queued", "prepared": "prepared"}[mode]
    now = svc.now()
    with svc.uow() as uow:
        iid = store.insert_instance(
            uow, svc.tables, _instance_values(svc, actor, row, run, status, schedule_id)
        )
        svc.audit(uow, "process-instance", iid, "start", new_state=status)
        if status == "running":
            store.set_instance(uow, svc.tables, iid, {"started": now, "node_id": node_id(svc)})
        if status == "queued":
            svc.gateway.jobs.enqueue(uow, RUN_JOB, str(iid), None, None, 600 if schedule_id else 500)
    return iid


def check_body(
    svc: ProcessService,
    actor: Any,
    row: dict[str, Any],
    definition: dict[str, Any],
    body: Any,
    *,
    background: bool,
) -> RunBody:
    run, problems = validate_body(body, definitions.effective(definition), GatewayLookups(svc.gateway, actor),
                                  background=background)  # fmt: skip
    if run is None:
        raise ParameterError(
            "invalid run body", errors=[core.FieldError(p.field, p.message) for p in problems]
        )
    handler = svc.handler(row["handler"])
    if handler is not None:
        _validate(svc, actor, row, run, handler)
        if handler.extra_permission:
            svc.gateway.require(actor, handler.extra_permission)
    return run


def _validate(svc: ProcessService, actor: Any, row: dict[str, Any], run: RunBody, handler: Any) -> None:
    """The handler's validators, reading as the caller in a transaction that is never kept."""
    if not handler.validators:
        return
    with svc.gateway.bound(actor) as gw:
        ctx = _context(svc, actor, row, 0, run, gw)
        for validator in handler.validators:
            try:
                validator(ctx, run.values)
            except HandlerParameterError as exc:
                raise ParameterError(exc.message, errors=[core.FieldError(exc.field, exc.message)]) from None


def _check_state(svc: ProcessService, row: dict[str, Any], run: RunBody) -> None:
    if not row["is_active"] or row["handler_missing"]:
        raise ProcessInactive(f"process {row['slug']} is inactive")
    if not row["allow_concurrent"]:
        with svc.uow() as uow:
            if store.unfinished_instances(uow, svc.tables, row["uid"], run.concurrency_key()):
                raise ProcessRunning(f"process {row['slug']} already runs with these parameters")


def _instance_values(
    svc: ProcessService, actor: Any, row: dict[str, Any], run: RunBody, status: str, schedule_id: int | None
) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()), "process": row["slug"], "process_uid": row["uid"],
        "process_version": row["version"], "status": status, "is_run_as_job": status != "running",
        "is_error": False, "params": run.stored, "params_key": run.concurrency_key(),
        "context": {"userId": actor.user_id, "roleId": actor.role_id, "clientId": actor.client_id,
                    "orgId": actor.org_id},
        "model_name": run.table, "table_id": run.table_id,
        "record_id": None if run.record_id is None else str(run.record_id), "report_type": run.report_type,
        "is_summary": run.is_summary if run.report_type else None, "print_format_id": run.print_format_id,
        "notification_type": run.notification_type,
        "notification_status": _notification_status(run.notification_type),
        "schedule_id": schedule_id, "user_id": actor.user_id, "user_name": actor.user_name,
        "client_id": actor.client_id,
        "client_name": getattr(actor, "client_name", None) or str(actor.client_id),
        "role_id": actor.role_id, "org_id": actor.org_id, "since": svc.now(),
    }  # fmt: skip


def _notification_status(kind: str | None) -> dict[str, str] | None:
    if kind is None:
        return None
    status: dict[str, str] = {}
    if kind in ("E", "B"):
        status["email"] = "pending"
    if kind in ("N", "B"):
        status["notice"] = "pending"
    return status


def node_id(svc: ProcessService) -> str:
    return str(svc.setting("node_id") or f"{socket.gethostname()}:{os.getpid()}")


def _context(
    svc: ProcessService, actor: Any, row: dict[str, Any], iid: int, run: RunBody, gw: Any = None
) -> RunContext:
    return RunContext(
        instance_id=iid, process=row["slug"], version=row["version"], actor=actor,
        gateway=gw, clock=svc.gateway.clock, settings=svc.gateway.settings,
        record=(run.table, run.record_id) if run.table and run.record_id is not None else None,
        report_type=run.report_type, is_summary=run.is_summary, print_format_id=run.print_format_id,
    )  # fmt: skip


def execute(svc: ProcessService, actor: Any, iid: int) -> None:
    """Run the handler of a `running` instance and store its outcome (never raises for handler failures)."""
    with svc.uow() as uow:
        inst = store.get_instance(uow, svc.tables, iid)
    assert inst is not None
    row = definitions.load(svc, inst["process_uid"])
    definition = definitions.latest_definition(svc, row)
    run = check_body(svc, actor, row, definition, _replay_body(inst), background=bool(inst["is_run_as_job"]))
    ctx = _context(svc, actor, row, iid, run)
    handler = svc.handler(row["handler"])
    summary, is_error = _call(svc, handler, ctx, run)
    _finish(svc, inst, ctx, summary, is_error)


def _replay_body(inst: dict[str, Any]) -> dict[str, Any]:
    body = dict(inst["params"] or {})
    if inst["report_type"]:
        body.update({"report-type": inst["report_type"], "is-summary": bool(inst["is_summary"])})
    if inst["model_name"]:
        body["model-name"] = inst["model_name"]
        if inst["record_id"] is not None:
            rid = inst["record_id"]
            body["record-id"] = int(rid) if rid.isdigit() else rid
    if inst["is_run_as_job"]:
        body["notification-type"] = inst["notification_type"]
    return body


def _call(svc: ProcessService, handler: Any, ctx: RunContext, run: RunBody) -> tuple[str, bool]:
    """Run the handler in one data transaction: kept when it returns, rolled back when it raises."""
    if handler is None:
        return "Handler is not installed", True
    try:
        with svc.gateway.bound(ctx.actor) as gw:
            ctx.gateway = gw
            result = handler(ctx, run.values)
        ctx.written = list(gw.written)
    except ProcessError as exc:
        return exc.message, True
    except Exception:
        reference = uuid.uuid4().hex[:12]
        log.exception("process %s instance %s failed; reference %s", ctx.process, ctx.instance_id, reference)
        return f"Internal error; reference {reference}", True
    if isinstance(result, ProcessResult):
        if result.data is not None:
            ctx.set_data(result.data)
        return result.summary, False
    return (result if isinstance(result, str) else "OK"), False


def _finish(svc: ProcessService, inst: dict[str, Any], ctx: RunContext, summary: str, is_error: bool) -> None:
    now = svc.now()
    days = int(svc.setting("file_retention_days") or 0)
    expires = now + timedelta(days=days) if days else None
    values: dict[str, Any] = {"status": "error" if is_error else "completed", "is_error": is_error,
                              "summary": summary, "finished": now, "data": ctx.data}  # fmt: skip
    with svc.uow() as uow:
        for kind, output in (("report", ctx.report), ("export", ctx.export)):
            if output is not None and not is_error:
                values[f"{kind}_file_id"] = _store_file(svc, uow, inst, kind, output, now, expires)
        store.add_logs(uow, svc.tables, inst["id"], ctx.logs)
        for table, key, action in ctx.written:
            svc.audit(uow, "record", f"{table}/{key}", action, note=f"process {inst['process']}")
        store.set_instance(uow, svc.tables, inst["id"], values)
        svc.audit(
            uow, "process-instance", inst["id"], "finish", old_state="running", new_state=values["status"]
        )
        if inst["is_run_as_job"] and inst["notification_type"]:
            svc.gateway.jobs.enqueue(uow, NOTIFY_JOB, str(inst["id"]), None, None, 500)


def _store_file(svc: ProcessService, uow: Any, inst: dict[str, Any], kind: str, output: Any, now: Any,
                expires: Any) -> str:  # fmt: skip
    file_id = str(uuid.uuid4())
    store.insert_file(uow, svc.tables, {
        "id": file_id, "name": output.name, "content_type": output.content_type,
        "length": len(output.content),
        "sha256": hashlib.sha256(output.content).hexdigest(), "kind": kind, "instance_id": inst["id"],
        "user_id": inst["user_id"], "client_id": inst["client_id"], "created": now, "expires": expires,
        "content": output.content,
    })  # fmt: skip
    return file_id


def instance_json(svc: ProcessService, iid: int, *, detail: bool = True) -> dict[str, Any]:
    with svc.uow() as uow:
        inst = store.get_instance(uow, svc.tables, iid)
        if inst is None:
            raise core.NotFound(f"instance {iid} not found")
        logs = store.logs_of(uow, svc.tables, iid)
        files = {k: store.get_file(uow, svc.tables, inst[f"{k}_file_id"], content=detail)
                 for k in ("report", "export") if inst[f"{k}_file_id"]}  # fmt: skip
    return records.instance_record(inst, logs, files, inline_max=int(svc.setting("inline_file_max_bytes")))


def cancel(svc: ProcessService, actor: Any, iid: int) -> None:
    values = {"status": "error", "is_error": True, "summary": f"Canceled by {actor.user_name}",
              "finished": svc.now()}  # fmt: skip
    with svc.uow() as uow:
        if not store.set_instance(uow, svc.tables, iid, values, status_in=("prepared", "queued")):
            raise InstanceStateError(f"instance {iid} is not prepared or queued")
        svc.audit(uow, "process-instance", iid, "cancel", new_state="error")


def launch(svc: ProcessService, iid: int) -> None:
    with svc.uow() as uow:
        inst = store.get_instance(uow, svc.tables, iid)
        if inst is None or inst["status"] != "prepared":
            raise InstanceStateError(f"instance {iid} is not prepared")
        row = store.find_process(uow, svc.tables, parse_ref(inst["process_uid"]))
        if row is None or not row["is_active"] or row["handler_missing"]:
            raise ProcessInactive(f"process {inst['process']} is inactive")
        store.set_instance(uow, svc.tables, iid, {"status": "queued"}, status_in=("prepared",))
        svc.gateway.jobs.enqueue(uow, RUN_JOB, str(iid), None, None, 500)
        svc.audit(uow, "process-instance", iid, "launch", old_state="prepared", new_state="queued")
