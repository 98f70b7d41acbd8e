"""Blueprint of runs, jobs and instances: R1–R11 (processes.md §4.2, §5, §6).

Thin views: permission, access scope, body -> `runs` -> JSON. Who may see an instance: the submitter, or a
holder of `processes.monitor` in the same tenant (another tenant's instance is 404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from gateway import core
from gateway.plugins.processes import records, runs, store
from gateway.plugins.processes.views import (
    actor,
    args_without,
    body,
    columns,
    envelope,
    flag,
    monitor,
    process,
    svc,
)

bp = Blueprint("processes_runs", __name__, url_prefix="/api/v1")


@bp.post("/processes/<ref>")
def run(ref: str) -> Response:
    who = actor("processes.run")
    process(who, ref)
    iid = runs.prepare(svc(), who, ref, _run_body(), mode="run")
    runs.execute(svc(), who, iid)
    return jsonify(records.run_result(runs.instance_json(svc(), iid)))


def _run_body() -> Any:
    return body()


@bp.post("/processes/jobs/<ref>")
def start_job(ref: str) -> tuple[Response, int, dict[str, str]]:
    who = actor("processes.jobs")
    process(who, ref)
    core.gateway().check_running()
    iid = runs.prepare(svc(), who, ref, _run_body(), mode="job")
    return jsonify(runs.instance_json(svc(), iid)), 202, {"Location": f"/api/v1/processes/jobs/{iid}"}


@bp.post("/processes/<ref>/instances")
def prepare_instance(ref: str) -> tuple[Response, int, dict[str, str]]:
    who = actor("processes.jobs")
    process(who, ref)
    iid = runs.prepare(svc(), who, ref, _run_body(), mode="prepared")
    return jsonify(runs.instance_json(svc(), iid)), 201, {"Location": f"/api/v1/processes/instances/{iid}"}


def own_instance(who: Any, iid: int) -> dict[str, Any]:
    """The instance record, or 404 for another tenant's or (without monitor) another user's."""
    record = runs.instance_json(svc(), iid)
    own = record["userId"] == who.user_id
    tenant_ok = who.client_id == 0 or record["clientId"] in (who.client_id, 0)
    if not tenant_ok or not (own or monitor(who)):
        raise core.NotFound(f"instance {iid} not found")
    return record


def _instances(who: Any, extra: list[Any], drop: tuple[str, ...] = ()) -> Response:
    i = columns("process-instances")
    if not monitor(who):
        extra.append(i.user_id == who.user_id)
    return envelope(core.gateway().list("process-instances", args_without(*drop), who, extra=extra))


@bp.get("/processes/jobs")
def list_jobs() -> Response:
    who = actor("processes.jobs")
    i = columns("process-instances")
    extra: list[Any] = [i.is_run_as_job.is_(True)]
    if "$filter" not in request.args and not flag("all"):
        extra.append(i.status.in_(store.UNFINISHED))
    return _instances(who, extra, ("all",))


@bp.get("/processes/instances")
def list_instances() -> Response:
    return _instances(actor("processes.jobs"), [])


@bp.get("/processes/<ref>/instances")
def list_process_instances(ref: str) -> Response:
    who = actor("processes.jobs")
    row = process(who, ref)
    return _instances(who, [columns("process-instances").process_uid == row["uid"]])


@bp.get("/processes/jobs/<int:iid>")
@bp.get("/processes/instances/<int:iid>")
def get_instance(iid: int) -> Response:
    return jsonify(own_instance(actor("processes.jobs"), iid))


@bp.get("/processes/instances/<int:iid>/status")
def instance_status(iid: int) -> Response:
    r = own_instance(actor("processes.jobs"), iid)
    return jsonify({k: r[k] for k in ("id", "status", "processing", "isError")})


@bp.delete("/processes/jobs/<int:iid>")
def cancel_job(iid: int) -> Response:
    who = actor("processes.jobs")
    own_instance(who, iid)
    runs.cancel(svc(), who, iid)
    return jsonify(runs.instance_json(svc(), iid))


@bp.post("/processes/instances/<int:iid>/launch")
def launch(iid: int) -> tuple[Response, int, dict[str, str]]:
    who = actor("processes.jobs")
    own_instance(who, iid)
    core.gateway().check_running()
    runs.launch(svc(), iid)
    return jsonify(runs.instance_json(svc(), iid)), 202, {"Location": f"/api/v1/processes/jobs/{iid}"}
