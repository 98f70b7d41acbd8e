"""Process definitions (processes.md §4.1, §11): create, update, delete, toggle, versions, payload skeleton.

Works on gw_process/gw_process_version through the service's unit of work and writes an audit row with
every change. Access scope (`processes.access:*`) and HTTP shapes are the caller's concern.
"""

from __future__ import annotations

from typing import Any

from gateway import core
from gateway.plugins.processes import records, store
from gateway.plugins.processes.api import Param
from gateway.plugins.processes.body import validate_body
from gateway.plugins.processes.errors import DuplicateValue, ProcessInactive, ProcessReadonly, ProcessRunning
from gateway.plugins.processes.naming import is_reserved, slugify, value_problem
from gateway.plugins.processes.params import Effective
from gateway.plugins.processes.registry import add_version, new_uid, resolve
from gateway.plugins.processes.service import ProcessService

API_FIELDS = ("value", "name", "description", "help", "handler", "defaults", "fixed", "allowConcurrent",
              "isActive", "changeDescription")  # fmt: skip


def load(svc: ProcessService, ref: str) -> dict[str, Any]:
    with svc.uow() as uow:
        row = resolve(uow, svc.tables, ref)
    if row is None:
        raise core.NotFound(f"process {ref} not found")
    return row


def latest_definition(svc: ProcessService, row: dict[str, Any]) -> dict[str, Any]:
    with svc.uow() as uow:
        found = store.version(uow, svc.tables, row["uid"], row["version"])
    return dict(found["definition"]) if found else {}


def effective(definition: dict[str, Any]) -> Effective:
    return Effective(
        params=tuple(Param.from_json(p) for p in definition.get("parameters") or []),
        defaults=definition.get("defaults") or {}, fixed=definition.get("fixed") or {},
        is_report=bool(definition.get("isReport")), record_required=bool(definition.get("recordRequired")),
    )  # fmt: skip


def detail(svc: ProcessService, row: dict[str, Any]) -> dict[str, Any]:
    with svc.uow() as uow:
        all_versions = store.versions(uow, svc.tables, row["uid"])
    latest = next((v for v in all_versions if v["version"] == row["version"]), None)
    record = records.process_record(row)
    record["parameters"] = records.effective_parameters(latest["definition"] if latest else {})
    record["versions"] = [
        {
            "version": v["version"],
            "created": records.ts(v["created"]),
            "changeDescription": v["change_description"],
        }
        for v in all_versions
    ]
    return record


def definition_problems(
    svc: ProcessService, body: dict[str, Any], *, creating: bool
) -> list[tuple[str, str]]:
    """VALIDATION-ERROR problems of a D3/D4 body (handler, defaults and fixed values included)."""
    problems: list[tuple[str, str]] = [(k, "unknown field") for k in body if k not in API_FIELDS]
    if creating and (problem := value_problem(body.get("value"))):
        problems.append(("value", problem))
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        problems.append(("name", "required"))
    handler = svc.handler(body.get("handler", "")) if isinstance(body.get("handler"), str) else None
    if creating and (handler is None or not handler.reusable):
        problems.append(("handler", "unknown or not reusable handler"))
    for key in ("defaults", "fixed"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            problems.append((key, "must be an object"))
    if handler is not None and not problems:
        problems.extend(_value_problems(handler.definition(), body))
    return problems


def _value_problems(definition: dict[str, Any], body: dict[str, Any]) -> list[tuple[str, str]]:
    eff = effective({**definition, "defaults": {}, "fixed": {}})
    out: list[tuple[str, str]] = []
    names = {p.name for p in eff.params}
    for key in ("defaults", "fixed"):
        values = body.get(key) or {}
        out.extend((f"{key}.{n}", "unknown parameter") for n in values if n not in names)
        trial = {n: v for n, v in values.items() if n in names}
        _, problems = validate_body(
            trial, Effective(eff.params, is_report=eff.is_report), None, background=False
        )
        out.extend((f"{key}.{p.field}", p.message) for p in problems if p.field in trial)
    return out


def _definition(svc: ProcessService, handler_value: str, body: dict[str, Any]) -> dict[str, Any]:
    handler = svc.handler(handler_value)
    base = handler.definition() if handler else {}
    return {
        **base, "value": body["value"], "name": body["name"], "description": body.get("description"),
        "help": body.get("help"), "handler": handler_value, "defaults": body.get("defaults") or {},
        "fixed": body.get("fixed") or {},
        "allowConcurrent": bool(body.get("allowConcurrent", base.get("allowConcurrent", True))),
    }  # fmt: skip


def create(svc: ProcessService, actor: Any, body: dict[str, Any]) -> dict[str, Any]:
    problems = definition_problems(svc, body, creating=True)
    if problems:
        raise core.ValidationError(
            "invalid process definition", errors=[core.FieldError(f, m) for f, m in problems]
        )
    value, slug = body["value"], slugify(body["value"])
    if is_reserved(value):
        raise DuplicateValue(f"{slug} is a reserved word")
    definition = _definition(svc, body["handler"], body)
    now, uid = svc.now(), new_uid()
    with svc.uow() as uow:
        if store.clash(uow, svc.tables, value, slug):
            raise DuplicateValue(f"process value {value} or slug {slug} is taken")
        pid = store.insert_process(uow, svc.tables, _columns(definition, uid, slug, "api", body, actor, now))
        add_version(uow, svc.tables, uid, 1, definition, body.get("changeDescription"), now, actor.user_name)
        svc.audit(uow, "process", pid, "create", new_state="v1")
    return load(svc, str(pid))


def _columns(
    definition: dict[str, Any], uid: str, slug: str, source: str, body: dict[str, Any], actor: Any, now: Any
) -> dict[str, Any]:
    return {
        "uid": uid, "value": definition["value"], "slug": slug, "name": definition["name"],
        "description": definition.get("description"), "help": definition.get("help"),
        "handler": definition["handler"], "source": source, "is_report": bool(definition.get("isReport")),
        "is_active": bool(body.get("isActive", True)), "handler_missing": False,
        "allow_concurrent": bool(definition.get("allowConcurrent", True)),
        "record_required": bool(definition.get("recordRequired")),
        "defaults": definition.get("defaults") or {},
        "fixed": definition.get("fixed") or {}, "version": 1, "created": now, "updated": now,
        "modifier": actor.user_name if actor else "<engine>",
    }  # fmt: skip


def update(svc: ProcessService, actor: Any, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    row = load(svc, ref)
    if row["source"] == "code":
        raise ProcessReadonly(f"process {row['slug']} is defined in code")
    if "value" in body and body["value"] != row["value"]:
        raise core.ValidationError(
            "value is immutable", errors=[core.FieldError("value", "cannot be changed")]
        )
    if "handler" in body and body["handler"] != row["handler"]:
        raise core.ValidationError(
            "handler is immutable", errors=[core.FieldError("handler", "cannot be changed")]
        )
    merged = {**body, "value": row["value"], "handler": row["handler"]}
    problems = definition_problems(svc, merged, creating=False)
    if problems:
        raise core.ValidationError(
            "invalid process definition", errors=[core.FieldError(f, m) for f, m in problems]
        )
    definition, now, number = _definition(svc, row["handler"], merged), svc.now(), row["version"] + 1
    columns = _columns(
        definition,
        row["uid"],
        row["slug"],
        "api",
        {"isActive": body.get("isActive", row["is_active"])},
        actor,
        now,
    )
    with svc.uow() as uow:
        for key in ("uid", "value", "slug", "source", "handler_missing", "created"):
            columns.pop(key)
        store.update_process(uow, svc.tables, row["id"], {**columns, "version": number})
        add_version(
            uow,
            svc.tables,
            row["uid"],
            number,
            definition,
            body.get("changeDescription"),
            now,
            actor.user_name,
        )
        svc.audit(uow, "process", row["id"], "update", old_state=f"v{number - 1}", new_state=f"v{number}")
    return load(svc, str(row["id"]))


def delete(svc: ProcessService, ref: str) -> None:
    row = load(svc, ref)
    if row["source"] == "code":
        raise ProcessReadonly(f"process {row['slug']} is defined in code")
    with svc.uow() as uow:
        if store.unfinished_instances(uow, svc.tables, row["uid"]):
            raise ProcessRunning(f"process {row['slug']} has queued or running instances")
        store.delete_process(uow, svc.tables, row)
        svc.audit(uow, "process", row["id"], "delete", old_state=row["slug"])


def toggle(svc: ProcessService, ref: str, wanted: bool | None) -> dict[str, Any]:
    row = load(svc, ref)
    target = (not row["is_active"]) if wanted is None else wanted
    if target and row["handler_missing"]:
        raise ProcessInactive(f"the handler of process {row['slug']} is not installed")
    with svc.uow() as uow:
        store.update_process(uow, svc.tables, row["id"], {"is_active": target, "updated": svc.now()})
        svc.audit(uow, "process", row["id"], "toggle-activation", old_state=str(row["is_active"]).lower(),
                  new_state=str(target).lower())  # fmt: skip
    return {"id": row["id"], "slug": row["slug"], "isActive": target}


def payload(definition: dict[str, Any]) -> dict[str, Any]:
    eff = effective(definition)
    out: dict[str, Any] = {}
    for p in eff.params:
        if p.name in eff.fixed:
            continue
        out[p.name] = eff.defaults.get(p.name, p.default)
        if p.is_range:
            out[p.name + "_to"] = None
    if eff.is_report:
        out.update({"report-type": "PDF", "is-summary": False, "print-format-id": None})
    if eff.record_required:
        out.update({"table-id": None, "model-name": None, "record-id": None})
    return out


def version_list(svc: ProcessService, row: dict[str, Any]) -> list[dict[str, Any]]:
    with svc.uow() as uow:
        rows = store.versions(uow, svc.tables, row["uid"])
    return [records.version_record(v, row["version"], detail=False) for v in rows]


def version_detail(svc: ProcessService, row: dict[str, Any], number: int) -> dict[str, Any]:
    with svc.uow() as uow:
        found = store.version(uow, svc.tables, row["uid"], number)
    if found is None:
        raise core.NotFound(f"version {number} of process {row['slug']} not found")
    return records.version_record(found, row["version"], detail=True)
