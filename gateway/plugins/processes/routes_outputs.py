"""Blueprint of schedules, files and notices (processes.md §9, §10.3).

Thin views: permission, body -> `schedules` / store reads -> JSON. Files and notices are tenant-owned and
private to their user unless the caller holds `processes.monitor`.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Response, jsonify

from gateway import core
from gateway.plugins.processes import records, runs, schedules, store
from gateway.plugins.processes.views import actor, body, columns, envelope, flag, monitor, svc

bp = Blueprint("processes_outputs", __name__, url_prefix="/api/v1")
SCHEDULE = "processes.schedule"


@bp.get("/processes/schedules")
def list_schedules() -> Response:
    return envelope(core.gateway().list("process-schedules", None, actor(SCHEDULE)))


@bp.post("/processes/schedules")
def create_schedule() -> tuple[Response, int, dict[str, str]]:
    record = schedules.create(svc(), actor(SCHEDULE), body())
    return jsonify(record), 201, {"Location": f"/api/v1/processes/schedules/{record['id']}"}


@bp.get("/processes/schedules/<int:sid>")
def get_schedule(sid: int) -> Response:
    return jsonify(schedules.get(svc(), actor(SCHEDULE), sid))


@bp.put("/processes/schedules/<int:sid>")
def update_schedule(sid: int) -> Response:
    return jsonify(schedules.update(svc(), actor(SCHEDULE), sid, body()))


@bp.put("/processes/schedules")
def update_schedule_by_body() -> Response:
    who, sent = actor(SCHEDULE), body()
    sid = sent.get("id")
    if not isinstance(sid, int) or isinstance(sid, bool):
        raise core.ValidationError("id is required", errors=[core.FieldError("id", "required")])
    return jsonify(schedules.update(svc(), who, sid, sent))


@bp.delete("/processes/schedules/<int:sid>")
def delete_schedule(sid: int) -> tuple[str, int]:
    schedules.delete(svc(), actor(SCHEDULE), sid)
    return "", 204


@bp.post("/processes/schedules/<int:sid>/duplicate")
def duplicate_schedule(sid: int) -> tuple[Response, int, dict[str, str]]:
    name = body().get("name")
    record = schedules.duplicate(svc(), actor(SCHEDULE), sid, name if isinstance(name, str) else None)
    return jsonify(record), 201, {"Location": f"/api/v1/processes/schedules/{record['id']}"}


@bp.patch("/processes/schedules/<int:sid>/status")
def schedule_status(sid: int) -> Response:
    who, wanted = actor(SCHEDULE), body().get("isActive")
    if not isinstance(wanted, bool):
        raise core.ValidationError("isActive is required", errors=[core.FieldError("isActive", "boolean")])
    return jsonify(schedules.set_status(svc(), who, sid, wanted))


@bp.post("/processes/schedules/<int:sid>/run")
def run_schedule(sid: int) -> tuple[Response, int, dict[str, str]]:
    who = actor(SCHEDULE)
    core.gateway().check_running()
    iid = schedules.run_now(svc(), who, sid)
    return jsonify(runs.instance_json(svc(), iid)), 202, {"Location": f"/api/v1/processes/jobs/{iid}"}


# --- files ------------------------------------------------------------------------------------------


def _owned(who: Any, row: dict[str, Any] | None) -> bool:
    return (
        row is not None
        and (row["user_id"] == who.user_id or monitor(who))
        and (who.client_id == 0 or row["client_id"] in (who.client_id, 0))
    )


def _file(who: Any, file_id: str, *, content: bool) -> dict[str, Any]:
    with svc().uow() as uow:
        row = store.get_file(uow, svc().tables, file_id, content=content)
    expired = row is not None and row["expires"] is not None and row["expires"] <= svc().now()
    if row is None or expired or not _owned(who, row):
        raise core.NotFound(f"file {file_id} not found")
    return row


@bp.get("/files")
def list_files() -> Response:
    who = actor("processes.jobs")
    f = columns("files")
    extra: list[Any] = [(f.expires.is_(None)) | (f.expires > svc().now())]
    if not monitor(who):
        extra.append(f.user_id == who.user_id)
    return envelope(core.gateway().list("files", None, who, extra=extra))


@bp.get("/files/<file_id>")
def get_file(file_id: str) -> Response:
    row = _file(actor("processes.jobs"), file_id, content=True)
    if flag("json"):
        meta = {k: v for k, v in records.file_record(row).items() if k in ("id", "name", "contentType",
                                                                            "length", "sha256")}  # fmt: skip
        return jsonify({**meta, "data": base64.b64encode(row["content"] or b"").decode("ascii")})
    response = Response(row["content"], content_type=row["content_type"])
    response.headers["Content-Disposition"] = f'attachment; filename="{row["name"]}"'
    return response


@bp.delete("/files/<file_id>")
def delete_file(file_id: str) -> tuple[str, int]:
    _file(actor("processes.jobs"), file_id, content=False)
    with svc().uow() as uow:
        store.delete_file(uow, svc().tables, file_id)
    return "", 204


# --- notices ----------------------------------------------------------------------------------------


@bp.get("/processes/notices")
def list_notices() -> Response:
    who = actor("processes.jobs")
    n = columns("process-notices")
    extra = [n.user_id == who.user_id]
    return envelope(core.gateway().list("process-notices", None, who, extra=extra))


@bp.delete("/processes/notices/<int:nid>")
def delete_notice(nid: int) -> tuple[str, int]:
    who = actor("processes.jobs")
    with svc().uow() as uow:
        row = store.get_notice(uow, svc().tables, nid)
        if row is None or row["user_id"] != who.user_id:
            raise core.NotFound(f"notice {nid} not found")
        store.delete_notice(uow, svc().tables, nid)
    return "", 204
