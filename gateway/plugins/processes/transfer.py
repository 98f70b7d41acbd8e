"""Export and import of process definitions (processes.md §12): the `gateway-process/1` file and the five
conflict modes.

An import is all or nothing: every item is checked first, then everything is written in one unit of work.
Definitions only: no instances, files or schedules travel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway import core
from gateway.plugins.processes import records, store
from gateway.plugins.processes.api import definition_sha256
from gateway.plugins.processes.errors import ImportConflict, ImportError_, field_errors
from gateway.plugins.processes.naming import slugify, suffixed, value_problem
from gateway.plugins.processes.registry import new_uid
from gateway.plugins.processes.service import ProcessService

FORMAT = "gateway-process/1"
MODES = ("Error", "UseExisting", "NewVersion", "NewActiveElement", "NewInactiveElement")


def export_item(svc: ProcessService, row: dict[str, Any], only: int | None = None) -> dict[str, Any]:
    """One process of an export file with all its versions (or version `only`), oldest first."""
    with svc.uow() as uow:
        versions = store.versions(uow, svc.tables, row["uid"])
    chosen = [v for v in reversed(versions) if only is None or v["version"] == only]
    if only is not None and not chosen:
        raise core.NotFound(f"version {only} of process {row['slug']} not found")
    return {
        "uid": row["uid"], "value": row["value"], "name": row["name"], "description": row["description"],
        "help": row["help"], "handler": row["handler"], "source": row["source"],
        "isActive": bool(row["is_active"]), "allowConcurrent": bool(row["allow_concurrent"]),
        "versions": [{"version": v["version"], "changeDescription": v["change_description"],
                      "created": records.ts(v["created"]), "definition": v["definition"]} for v in chosen],
    }  # fmt: skip


def export_file(svc: ProcessService, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": FORMAT, "exported": records.ts(svc.now()), "processes": items}


@dataclass(frozen=True, slots=True)
class Plan:
    """What importing one item does: `outcome` and the target row for an existing uid."""

    item: dict[str, Any]
    outcome: str  # created | skipped | new-version | new-element
    existing: dict[str, Any] | None = None


def import_file(svc: ProcessService, actor: Any, file: Any, mode: str) -> list[dict[str, Any]]:
    """Import every process of `file` with conflict mode `mode`; returns one ImportResult per process."""
    if mode not in MODES:
        raise core.ValidationError(
            "unknown importConflict", errors=field_errors([("importConflict", "one of " + ", ".join(MODES))])
        )
    items = _items(svc, file)
    with svc.uow() as uow:
        plans = _plan(svc, uow, items, mode)
        taken = store.taken_names(uow, svc.tables)
        results = [_apply(svc, uow, actor, plan, mode, taken) for plan in plans]
        svc.audit(uow, "process", None, "import", note=f"{len(results)} process(es), {mode}")
    return results


def _items(svc: ProcessService, file: Any) -> list[dict[str, Any]]:
    if (
        not isinstance(file, dict)
        or file.get("format") != FORMAT
        or not isinstance(file.get("processes"), list)
    ):
        raise ImportError_(
            f"not a {FORMAT} export file", errors=field_errors([("format", f"expected {FORMAT}")])
        )
    problems: list[tuple[str, str]] = []
    for n, item in enumerate(file["processes"]):
        problems.extend((f"processes[{n}].{f}", m) for f, m in _item_problems(svc, item))
    if problems:
        raise ImportError_("invalid import file", errors=field_errors(problems))
    return list(file["processes"])


def _item_problems(svc: ProcessService, item: Any) -> list[tuple[str, str]]:
    if not isinstance(item, dict):
        return [("", "must be an object")]
    out: list[tuple[str, str]] = []
    if not isinstance(item.get("uid"), str) or not item["uid"]:
        out.append(("uid", "required"))
    if problem := value_problem(item.get("value")):
        out.append(("value", problem))
    versions = item.get("versions")
    if (
        not isinstance(versions, list)
        or not versions
        or not all(
            isinstance(v, dict)
            and isinstance(v.get("definition"), dict)
            and isinstance(v.get("version"), int)
            for v in versions
        )
    ):
        out.append(("versions", "a non-empty list of {version, definition}"))
    handler = svc.handler(str(item.get("handler")))
    code_target = isinstance(item.get("uid"), str) and _is_code_uid(svc, item["uid"], item.get("handler"))
    if handler is None or not (handler.reusable or code_target):
        out.append(("handler", "unknown or not reusable handler"))
    return out


def _is_code_uid(svc: ProcessService, uid: str, handler: Any) -> bool:
    with svc.uow() as uow:
        row = store.find_process(uow, svc.tables, _uid(uid))
    return row is not None and row["source"] == "code" and row["handler"] == handler


def _uid(uid: str) -> Any:
    from gateway.plugins.processes.naming import Ref

    return Ref("uid", uid.lower())


def _plan(svc: ProcessService, uow: Any, items: list[dict[str, Any]], mode: str) -> list[Plan]:
    plans: list[Plan] = []
    clashes: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        existing = store.find_process(uow, svc.tables, _uid(item["uid"]))
        other = store.clash(uow, svc.tables, item["value"], slugify(item["value"]), item["uid"].lower())
        new_element = mode in ("NewActiveElement", "NewInactiveElement")
        if other and not new_element:
            clashes.append((f"processes[{n}].value", f"{item['value']} is taken by another process"))
        if existing is None:
            plans.append(Plan(item, "created"))
        elif mode == "Error":
            clashes.append((f"processes[{n}].uid", f"{item['uid']} exists"))
        elif mode == "UseExisting":
            plans.append(Plan(item, "skipped", existing))
        elif mode == "NewVersion":
            if existing["source"] == "code":
                clashes.append((f"processes[{n}].uid", f"PROCESS-READONLY: {item['uid']} is defined in code"))
            plans.append(Plan(item, "new-version", existing))
        else:
            plans.append(Plan(item, "new-element", existing))
    if clashes:
        raise ImportConflict("the import clashes with existing processes", errors=field_errors(clashes))
    return plans


def _apply(
    svc: ProcessService, uow: Any, actor: Any, plan: Plan, mode: str, taken: set[str]
) -> dict[str, Any]:
    item, now = plan.item, svc.now()
    if plan.outcome == "skipped" and plan.existing is not None:
        return _result(plan.existing, "skipped")
    if plan.outcome == "new-version" and plan.existing is not None:
        row = plan.existing
        number = row["version"] + 1
        definition = item["versions"][-1]["definition"] if item["versions"] else {}
        _add_version(uow, svc, row["uid"], number, definition, "imported", now, actor)
        values = {**_columns(definition), "version": number, "updated": now, "modifier": actor.user_name}
        store.update_process(uow, svc.tables, row["id"], values)
        return _result(store.find_process(uow, svc.tables, _uid(row["uid"])) or row, "new-version")
    uid, value, active = item["uid"].lower(), item["value"], bool(item.get("isActive", True))
    if plan.outcome == "new-element":
        uid, value, active = new_uid(), suffixed(item["value"], taken), mode == "NewActiveElement"
    taken.update({value.lower(), slugify(value)})
    versions = sorted(item["versions"], key=lambda v: v["version"])
    numbers = [n + 1 for n in range(len(versions))] if plan.outcome == "new-element" else [
        v["version"] for v in versions]  # fmt: skip
    latest = versions[-1]["definition"]
    pid = store.insert_process(uow, svc.tables, {
        "uid": uid, "value": value, "slug": slugify(value), "handler": item["handler"], "source": "api",
        "is_active": active, "handler_missing": False, **_columns(latest), "version": numbers[-1],
        "created": now, "updated": now, "modifier": actor.user_name,
    })  # fmt: skip
    for number, version in zip(numbers, versions, strict=True):
        definition = {**version["definition"], "value": value}
        _add_version(uow, svc, uid, number, definition, version.get("changeDescription"), now, actor)
    row = store.find_process(uow, svc.tables, _uid(uid))
    assert row is not None and row["id"] == pid
    return _result(row, plan.outcome)


def _columns(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": definition.get("name") or definition.get("value") or "",
        "description": definition.get("description"),
        "help": definition.get("help"), "is_report": bool(definition.get("isReport")),
        "allow_concurrent": bool(definition.get("allowConcurrent", True)),
        "record_required": bool(definition.get("recordRequired")),
        "defaults": definition.get("defaults") or {},
        "fixed": definition.get("fixed") or {},
    }  # fmt: skip


def _add_version(
    uow: Any, svc: ProcessService, uid: str, number: int, definition: dict[str, Any], change: Any, now: Any,
    actor: Any,
) -> None:  # fmt: skip
    store.add_version(uow, svc.tables, {
        "process_uid": uid, "version": number, "definition": definition,
        "definition_sha256": definition_sha256(definition), "change_description": change, "created": now,
        "modifier": actor.user_name,
    })  # fmt: skip


def _result(row: dict[str, Any], outcome: str) -> dict[str, Any]:
    return {
        "name": row["name"], "elementIdentifier": row["uid"], "id": row["id"],
        "resourceLocation": f"/api/v1/processes/{row['slug']}", "version": row["version"],
        "isActive": bool(row["is_active"]), "outcome": outcome,
    }  # fmt: skip
