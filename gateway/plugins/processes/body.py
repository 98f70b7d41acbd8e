"""Validate a whole run body against a process's effective parameters (processes.md §5.2).

Collects every problem before anything is created. Catalog questions (table ids, readable tables, visible
records, table-typed values) go through the `Lookups` protocol, implemented over `core.Gateway` by the caller.
"""

from __future__ import annotations

from typing import Any, Protocol

from gateway.plugins.processes.params import (
    CONTEXT_KEYS,
    REPORT_KEYS,
    REPORT_TYPES,
    RESERVED_KEYS,
    Effective,
    Problem,
    RunBody,
    coerce,
    match_name,
)

_NO_TABLE = "unknown table or not readable"


class Lookups(Protocol):
    def model_name_of(self, table_id: int) -> str | None: ...
    def readable(self, model_name: str) -> str | None: ...  # canonical model-name, or None
    def record_key(self, model_name: str, record_id: Any) -> Any: ...  # raises ValueError when invisible
    def table_key(self, reference: str, value: Any) -> Any: ...


def validate_body(
    body: Any, eff: Effective, lookups: Lookups | None, *, background: bool
) -> tuple[RunBody | None, list[Problem]]:
    """A `RunBody`, or None with the list of problems (PARAMETER-ERROR `errors`)."""
    if not isinstance(body, dict):
        return None, [Problem("body", "the run body must be a JSON object")]
    problems: list[Problem] = []
    raw = _parameter_values(body, eff, problems)
    values = _typed_values(raw, eff, lookups, problems)
    report = _report_keys(body, eff, problems)
    context = _context_keys(body, eff, lookups, problems)
    notification = _notification(body, background, problems)
    if problems:
        return None, problems
    stored = {k: v for k, v in raw.items() if k not in eff.fixed}
    return RunBody(values, stored, *report, *context, notification), []


def _parameter_values(body: dict[str, Any], eff: Effective, problems: list[Problem]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key, value in body.items():
        if key in RESERVED_KEYS:
            continue
        param, is_to, problem = match_name(key, eff.params)
        if param is None:
            problems.append(Problem(key, problem or "unknown parameter"))
            continue
        name = param.name + "_to" if is_to else param.name
        if param.name in eff.fixed:
            problems.append(Problem(key, "this parameter is fixed and cannot be set"))
            continue
        raw[name] = value
    for param in eff.params:
        if param.name in eff.fixed:
            raw[param.name] = eff.fixed[param.name]
        elif raw.get(param.name) is None:
            default = eff.defaults.get(param.name, param.default)
            if default is not None:
                raw[param.name] = default
            elif param.mandatory:
                problems.append(Problem(param.name, "mandatory parameter is missing"))
    return raw


def _typed_values(
    raw: dict[str, Any], eff: Effective, lookups: Lookups | None, problems: list[Problem]
) -> dict[str, Any]:
    by_name = {p.name: p for p in eff.params}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        param = by_name.get(name[:-3] if name not in by_name and name.endswith("_to") else name)
        if param is None:
            continue
        try:
            values[name] = coerce(param, value, lookups.table_key if lookups else None)
        except ValueError as exc:
            problems.append(Problem(name, str(exc)))
    for param in eff.params:
        values.setdefault(param.name, None)
        if param.is_range:
            values.setdefault(param.name + "_to", None)
    return values


def _report_keys(
    body: dict[str, Any], eff: Effective, problems: list[Problem]
) -> tuple[str | None, bool, str | None]:
    present = [k for k in REPORT_KEYS if k in body]
    if not eff.is_report:
        problems.extend(Problem(k, "report options are only allowed on report processes") for k in present)
        return None, False, None
    kind = body.get("report-type", "PDF")
    report_type = REPORT_TYPES.get(kind.upper()) if isinstance(kind, str) else None
    if report_type is None:
        problems.append(Problem("report-type", "must be one of HTML, CSV, XLS, PDF"))
    summary = body.get("is-summary", False)
    if summary not in (True, False, "Y", "N"):
        problems.append(Problem("is-summary", "expected a boolean"))
    if body.get("print-format-id") is not None:
        # the built-in reports declare no print formats, so every id is unknown
        problems.append(Problem("print-format-id", "unknown print format"))
    return report_type, summary in (True, "Y"), None


def _context_keys(
    body: dict[str, Any], eff: Effective, lookups: Lookups | None, problems: list[Problem]
) -> tuple[str | None, int | None, Any]:
    table_id, model, record = (body.get(k) for k in CONTEXT_KEYS)
    if table_id is None and model is None:
        if record is not None:
            problems.append(Problem("record-id", "record-id needs table-id or model-name"))
        elif eff.record_required:
            problems.append(
                Problem("record-id", "this process needs a button context (model-name, record-id)")
            )
        return None, None, None
    name = _context_table(table_id, model, lookups, problems)
    if name is None:
        return None, None, None
    if record is None:
        if eff.record_required:
            problems.append(Problem("record-id", "this process needs a record-id"))
        return name, table_id if isinstance(table_id, int) else None, None
    try:
        key = lookups.record_key(name, record) if lookups else record
    except ValueError as exc:
        problems.append(Problem("record-id", str(exc)))
        return None, None, None
    return name, table_id if isinstance(table_id, int) else None, key


def _context_table(table_id: Any, model: Any, lookups: Lookups | None, problems: list[Problem]) -> str | None:
    from_id = None
    if table_id is not None:
        if isinstance(table_id, bool) or not isinstance(table_id, int):
            problems.append(Problem("table-id", "expected an integer"))
            return None
        from_id = lookups.model_name_of(table_id) if lookups else None
        if from_id is None:
            problems.append(Problem("table-id", _NO_TABLE))
            return None
    if model is not None and not isinstance(model, str):
        problems.append(Problem("model-name", "expected a string"))
        return None
    if from_id is not None and model is not None and from_id.lower() != model.lower():
        problems.append(Problem("model-name", "table-id and model-name name different tables"))
        return None
    name = from_id or model
    canonical = lookups.readable(name) if lookups else name
    if canonical is None:
        problems.append(Problem("model-name" if model is not None else "table-id", _NO_TABLE))
    return canonical


def _notification(body: dict[str, Any], background: bool, problems: list[Problem]) -> str | None:
    if not background:
        if "notification-type" in body:
            problems.append(Problem("notification-type", "only allowed on background runs"))
        return None
    kind = body.get("notification-type")
    return kind if kind in ("E", "N", "B") else "B"
