"""Blueprint of process definitions: /api/v1/processes list, detail, D3–D10, versions, export and import
(processes.md §4.1, §4.3).

Thin views: permission, access scope, body -> domain module -> JSON. No SQL here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from gateway import core
from gateway.plugins.processes import definitions, runs, transfer
from gateway.plugins.processes.views import (
    actor,
    args_without,
    attachment,
    body,
    columns,
    envelope,
    process,
    svc,
)

bp = Blueprint("processes", __name__, url_prefix="/api/v1")


@bp.get("/processes")
def list_processes() -> Response:
    who = actor("processes.read")
    return envelope(core.gateway().list("processes", None, who))


@bp.post("/processes")
def create_process() -> tuple[Response, int, dict[str, str]]:
    row = definitions.create(svc(), actor("processes.manage"), body())
    return jsonify(definitions.detail(svc(), row)), 201, {"Location": f"/api/v1/processes/{row['slug']}"}


@bp.post("/processes/validate")
def validate() -> Response:
    who = actor("processes.read")
    sent = body()
    if ("process" in sent) == ("definition" in sent):
        raise core.ValidationError("send either process or definition")
    if "definition" in sent:
        problems = definitions.definition_problems(svc(), sent["definition"] or {}, creating=True)
        errors = [{"field": f, "code": "VALIDATION-ERROR", "message": m} for f, m in problems]
        return jsonify({"valid": not errors, "errors": errors})
    row = process(who, str(sent["process"]))
    try:
        runs.check_body(svc(), who, row, definitions.latest_definition(svc(), row),
                        sent.get("parameters") or {}, background=False)  # fmt: skip
    except core.GatewayError as exc:
        errors = [{"field": e.field, "code": exc.type, "message": e.message} for e in exc.errors]
        return jsonify(
            {"valid": False, "errors": errors or [{"field": "", "code": exc.type, "message": exc.detail}]}
        )
    return jsonify({"valid": True, "errors": []})


@bp.get("/processes/<ref>")
def get_process(ref: str) -> Response:
    return jsonify(definitions.detail(svc(), process(actor("processes.read"), ref)))


@bp.put("/processes/<ref>")
def update_process(ref: str) -> Response:
    who = actor("processes.manage")
    process(who, ref)
    return jsonify(definitions.detail(svc(), definitions.update(svc(), who, ref, body())))


@bp.delete("/processes/<ref>")
def delete_process(ref: str) -> tuple[str, int]:
    process(actor("processes.manage"), ref)
    definitions.delete(svc(), ref)
    return "", 204


@bp.patch("/processes/<ref>/toggle-activation")
def toggle(ref: str) -> Response:
    process(actor("processes.manage"), ref)
    wanted = body().get("isActive")
    if wanted is not None and not isinstance(wanted, bool):
        raise core.ValidationError(
            "isActive must be a boolean", errors=[core.FieldError("isActive", "boolean")]
        )
    return jsonify(definitions.toggle(svc(), ref, wanted))


@bp.get("/processes/<ref>/payload")
def payload(ref: str) -> Response:
    row = process(actor("processes.read"), ref)
    return jsonify(definitions.payload(definitions.latest_definition(svc(), row)))


@bp.get("/processes/<ref>/versions")
def list_versions(ref: str) -> Response:
    who = actor("processes.read")
    row = process(who, ref)
    column = columns("process-versions").process_uid
    result = core.gateway().list("process-versions", None, who, extra=[column == row["uid"]])
    latest = row["version"]
    for record in result.body["records"]:
        record["isNotLatestVersion"] = record.get("version") != latest
    return envelope(result)


@bp.get("/processes/<ref>/versions/<int:number>")
def version(ref: str, number: int) -> Response:
    row = process(actor("processes.read"), ref)
    return jsonify(definitions.version_detail(svc(), row, number))


@bp.get("/processes/<ref>/export")
def export_process(ref: str) -> Response:
    row = process(actor("processes.read"), ref)
    item = transfer.export_item(svc(), row)
    return attachment(transfer.export_file(svc(), [item]), f"{row['slug']}.gwprocess.json")


@bp.get("/processes/<ref>/versions/<int:number>/export")
def export_version(ref: str, number: int) -> Response:
    row = process(actor("processes.read"), ref)
    item = transfer.export_item(svc(), row, number)
    return attachment(transfer.export_file(svc(), [item]), f"{row['slug']}-v{number}.gwprocess.json")


@bp.get("/processes/batch-export")
def batch_export() -> Response:
    who = actor("processes.read")
    refs = [r.strip() for r in ",".join(request.args.getlist("ids")).split(",") if r.strip()]
    if not refs:
        raise core.ValidationError("ids must not be empty", errors=[core.FieldError("ids", "required")])
    items = [transfer.export_item(svc(), process(who, ref)) for ref in dict.fromkeys(refs)]
    stamp = svc().now().strftime("%Y%m%d%H%M%S")
    return attachment(transfer.export_file(svc(), items), f"processes-{stamp}.gwprocess.json")


@bp.post("/processes/batch-import")
def batch_import() -> Response:
    who = actor("processes.manage")
    file, mode = _import_request()
    return jsonify({"data": transfer.import_file(svc(), who, file, mode)})


def _import_request() -> tuple[Any, str]:
    """(export object, importConflict) from multipart/form-data or a JSON body (processes.md PR-18)."""
    import orjson

    if request.files.get("file") is not None:
        try:
            file = orjson.loads(request.files["file"].read())
        except orjson.JSONDecodeError:
            file = None
        mode = request.form.get("importConflict") or request.args.get("importConflict") or "Error"
        return file, mode
    sent = body()
    unknown = [k for k in sent if k not in ("file", "importConflict")]
    if unknown:
        raise core.ValidationError("unknown fields", errors=[core.FieldError(k, "unknown") for k in unknown])
    return sent.get("file"), str(
        sent.get("importConflict") or args_without().get("importConflict") or "Error"
    )
