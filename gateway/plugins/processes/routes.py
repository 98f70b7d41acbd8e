"""The processes blueprint: /api/v1/processes/** and /api/v1/files/** (processes.md §4, §9).

Thin views: permission, access scope, body -> domain module -> JSON. The only module of the plugin that
imports Flask; no SQL here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from gateway import core
from gateway.plugins.processes import definitions, runs, store
from gateway.plugins.processes.errors import ProcessAccessError
from gateway.plugins.processes.service import ProcessService

bp = Blueprint("processes", __name__, url_prefix="/api/v1")


def _svc() -> ProcessService:
    return core.gateway().service("processes.registry")  # type: ignore[no-any-return]


def _actor(permission: str) -> Any:
    actor = core.current_actor()
    core.gateway().require(actor, permission)
    return actor


def scope_of(actor: Any) -> set[str] | None:
    """Slugs the role may see; None = every process (no `processes.access:*` entry at all)."""
    if actor.policy.is_admin:
        return None
    granted = {
        p.split(":", 1)[1].lower() for p in actor.policy.permissions if p.startswith("processes.access:")
    }
    return None if not granted or "*" in granted else granted


def _visible(actor: Any, row: dict[str, Any]) -> dict[str, Any]:
    allowed = scope_of(actor)
    if allowed is not None and row["slug"] not in allowed:
        raise ProcessAccessError(f"process {row['slug']} is outside the role's access scope")
    return row


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise core.ValidationError("the body must be a JSON object")
    return body


def _envelope(result: Any) -> Response:
    response = Response(result.body if isinstance(result.body, bytes | str) else None, status=result.status)
    if not isinstance(result.body, bytes | str):
        response = jsonify(result.body)
    for name, value in dict(result.headers or {}).items():
        response.headers[name] = value
    return response


@bp.get("/processes")
def list_processes() -> Response:
    actor = _actor("processes.read")
    allowed = scope_of(actor)
    # unbound columns: the entity set's own Table object carries them into the statement
    extra = [sa.column("slug").in_(sorted(allowed))] if allowed is not None else []
    return _envelope(core.gateway().list("processes", None, actor, extra=extra))


@bp.post("/processes")
def create_process() -> tuple[Response, int, dict[str, str]]:
    actor = _actor("processes.manage")
    row = definitions.create(_svc(), actor, _body())
    return jsonify(definitions.detail(_svc(), row)), 201, {"Location": f"/api/v1/processes/{row['slug']}"}


@bp.post("/processes/validate")
def validate() -> Response:
    actor = _actor("processes.read")
    body = _body()
    if ("process" in body) == ("definition" in body):
        raise core.ValidationError("send either process or definition")
    if "definition" in body:
        problems = definitions.definition_problems(_svc(), body["definition"] or {}, creating=True)
        errors = [{"field": f, "code": "VALIDATION-ERROR", "message": m} for f, m in problems]
        return jsonify({"valid": not errors, "errors": errors})
    row = _visible(actor, definitions.load(_svc(), str(body["process"])))
    try:
        runs.check_body(_svc(), actor, row, definitions.latest_definition(_svc(), row),
                        body.get("parameters") or {}, background=False)  # fmt: skip
    except core.GatewayError as exc:
        errors = [{"field": e.field, "code": exc.type, "message": e.message} for e in exc.errors]
        return jsonify(
            {"valid": False, "errors": errors or [{"field": "", "code": exc.type, "message": exc.detail}]}
        )
    return jsonify({"valid": True, "errors": []})


@bp.get("/processes/<ref>")
def get_process(ref: str) -> Response:
    actor = _actor("processes.read")
    return jsonify(definitions.detail(_svc(), _visible(actor, definitions.load(_svc(), ref))))


@bp.put("/processes/<ref>")
def update_process(ref: str) -> Response:
    actor = _actor("processes.manage")
    _visible(actor, definitions.load(_svc(), ref))
    return jsonify(definitions.detail(_svc(), definitions.update(_svc(), actor, ref, _body())))


@bp.delete("/processes/<ref>")
def delete_process(ref: str) -> tuple[str, int]:
    actor = _actor("processes.manage")
    _visible(actor, definitions.load(_svc(), ref))
    definitions.delete(_svc(), ref)
    return "", 204


@bp.patch("/processes/<ref>/toggle-activation")
def toggle(ref: str) -> Response:
    actor = _actor("processes.manage")
    _visible(actor, definitions.load(_svc(), ref))
    wanted = _body().get("isActive")
    if wanted is not None and not isinstance(wanted, bool):
        raise core.ValidationError(
            "isActive must be a boolean", errors=[core.FieldError("isActive", "boolean")]
        )
    return jsonify(definitions.toggle(_svc(), ref, wanted))


@bp.get("/processes/<ref>/payload")
def payload(ref: str) -> Response:
    actor = _actor("processes.read")
    row = _visible(actor, definitions.load(_svc(), ref))
    return jsonify(definitions.payload(definitions.latest_definition(_svc(), row)))


@bp.get("/processes/<ref>/versions/<int:number>")
def version(ref: str, number: int) -> Response:
    actor = _actor("processes.read")
    row = _visible(actor, definitions.load(_svc(), ref))
    return jsonify(definitions.version_detail(_svc(), row, number))


@bp.post("/processes/<ref>")
def run(ref: str) -> Response:
    actor = _actor("processes.run")
    _visible(actor, definitions.load(_svc(), ref))
    iid = runs.prepare(_svc(), actor, ref, _body(), mode="run")
    runs.execute(_svc(), actor, iid)
    from gateway.plugins.processes.records import run_result

    return jsonify(run_result(runs.instance_json(_svc(), iid)))


@bp.post("/processes/jobs/<ref>")
def start_job(ref: str) -> tuple[Response, int, dict[str, str]]:
    actor = _actor("processes.jobs")
    _visible(actor, definitions.load(_svc(), ref))
    core.gateway().check_running()
    iid = runs.prepare(_svc(), actor, ref, _body(), mode="job")
    return jsonify(runs.instance_json(_svc(), iid)), 202, {"Location": f"/api/v1/processes/jobs/{iid}"}


@bp.post("/processes/<ref>/instances")
def prepare_instance(ref: str) -> tuple[Response, int]:
    actor = _actor("processes.jobs")
    _visible(actor, definitions.load(_svc(), ref))
    iid = runs.prepare(_svc(), actor, ref, _body(), mode="prepared")
    return jsonify(runs.instance_json(_svc(), iid)), 201


def _own_instance(actor: Any, iid: int) -> dict[str, Any]:
    record = runs.instance_json(_svc(), iid)
    own = record["userId"] == actor.user_id
    tenant_ok = actor.client_id == 0 or record["clientId"] in (actor.client_id, 0)
    monitor = core.gateway().allowed(actor, "processes.monitor")
    if not tenant_ok or not (own or monitor):
        raise core.NotFound(f"instance {iid} not found")
    return record


@bp.get("/processes/jobs")
def list_jobs() -> Response:
    actor = _actor("processes.jobs")
    extra = [sa.column("is_run_as_job", sa.Boolean).is_(True)]
    if not core.gateway().allowed(actor, "processes.monitor"):
        extra.append(sa.column("user_id") == actor.user_id)
    if "$filter" not in request.args and request.args.get("all", "").lower() not in ("true", "1", "y", "yes"):
        extra.append(sa.column("status").in_(store.UNFINISHED))
    args = {k: v for k, v in request.args.items() if k != "all"}
    return _envelope(core.gateway().list("process-instances", args, actor, extra=extra))


@bp.get("/processes/jobs/<int:iid>")
@bp.get("/processes/instances/<int:iid>")
def get_instance(iid: int) -> Response:
    actor = _actor("processes.jobs")
    return jsonify(_own_instance(actor, iid))


@bp.get("/processes/instances/<int:iid>/status")
def instance_status(iid: int) -> Response:
    actor = _actor("processes.jobs")
    r = _own_instance(actor, iid)
    return jsonify({k: r[k] for k in ("id", "status", "processing", "isError")})


@bp.delete("/processes/jobs/<int:iid>")
def cancel_job(iid: int) -> Response:
    actor = _actor("processes.jobs")
    _own_instance(actor, iid)
    runs.cancel(_svc(), actor, iid)
    return jsonify(runs.instance_json(_svc(), iid))


@bp.post("/processes/instances/<int:iid>/launch")
def launch(iid: int) -> tuple[Response, int, dict[str, str]]:
    actor = _actor("processes.jobs")
    _own_instance(actor, iid)
    runs.launch(_svc(), iid)
    return jsonify(runs.instance_json(_svc(), iid)), 202, {"Location": f"/api/v1/processes/jobs/{iid}"}


@bp.get("/files/<file_id>")
def get_file(file_id: str) -> Response:
    actor = _actor("processes.jobs")
    svc = _svc()
    with svc.uow() as uow:
        row = store.get_file(uow, svc.tables, file_id, content=True)
    expired = row is not None and row["expires"] is not None and row["expires"] <= svc.now()
    monitor = core.gateway().allowed(actor, "processes.monitor")
    if (
        row is None
        or expired
        or not (row["user_id"] == actor.user_id or monitor)
        or not (actor.client_id == 0 or row["client_id"] in (actor.client_id, 0))
    ):
        raise core.NotFound(f"file {file_id} not found")
    response = Response(row["content"], content_type=row["content_type"])
    response.headers["Content-Disposition"] = f'attachment; filename="{row["name"]}"'
    return response
