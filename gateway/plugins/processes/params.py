"""Run-body validation (processes.md §5.1–5.2): names, reserved keys, types, fixed and default values.

Pure: table-typed values and the button record are checked through the `TableLookup` the caller passes, so
this module never touches the catalog. Every problem is collected; the caller raises one PARAMETER-ERROR.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.plugins.processes.api import Param

REPORT_KEYS = ("report-type", "is-summary", "print-format-id")
CONTEXT_KEYS = ("table-id", "model-name", "record-id")
RESERVED_KEYS = (*REPORT_KEYS, *CONTEXT_KEYS, "notification-type")
REPORT_TYPES = {"HTML": "HTML", "CSV": "CSV", "XLS": "XLS", "XLSX": "XLS", "PDF": "PDF"}
_TRUE = {True: True, False: False, "Y": True, "N": False}

TableLookup = Callable[[str, Any], Any]  # (table reference, value) -> key; raises ValueError(message)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Effective:
    """The parameters a run of one process version accepts, with the API-level defaults and fixed values."""

    params: tuple[Param, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    is_report: bool = False
    record_required: bool = False


@dataclass(frozen=True, slots=True)
class RunBody:
    """A validated run body: typed values for the handler and the JSON form kept on the instance."""

    values: dict[str, Any]
    stored: dict[str, Any]
    report_type: str | None = None
    is_summary: bool = False
    print_format_id: str | None = None
    table: str | None = None  # model-name of the button context
    table_id: int | None = None
    record_id: Any = None
    notification_type: str | None = None

    def concurrency_key(self) -> str:
        """Equal parameters and button context give equal keys (processes.md §5.2, PROCESS-RUNNING)."""
        text = json.dumps([self.stored, self.table, str(self.record_id)], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def match_name(key: str, params: Sequence[Param]) -> tuple[Param | None, bool, str | None]:
    """(param, is_to, problem): exact name first, then case-insensitive; `<name>_to` for ranges."""
    for p in params:
        if key == p.name:
            return p, False, None
        if key == p.name + "_to":
            return (p, True, None) if p.is_range else (None, False, "not a range parameter")
    folded = [p for p in params if key.lower() in (p.name.lower(), p.name.lower() + "_to")]
    if len(folded) > 1:
        return None, False, "ambiguous parameter name"
    if folded:
        p = folded[0]
        is_to = key.lower() == p.name.lower() + "_to" and key.lower() != p.name.lower()
        if is_to and not p.is_range:
            return None, False, "not a range parameter"
        return p, is_to, None
    return None, False, "unknown parameter"


def coerce(p: Param, value: Any, lookup: TableLookup | None = None) -> Any:
    """The Python value for the handler; raises ValueError(message) when `value` does not fit `p`."""
    if value is None:
        return None
    kind = p.type
    if kind in ("String", "Text"):
        return _string(p, value)
    if kind == "Integer":
        return _integer(value)
    if kind in ("Number", "Amount"):
        return _number(value)
    if kind == "YesNo":
        if isinstance(value, bool | str) and value in _TRUE:
            return _TRUE[value]
        raise ValueError("expected true/false or Y/N")
    if kind == "Date":
        return _date(value)
    if kind == "DateTime":
        return _datetime(value)
    if kind == "List":
        return _listed(p, value)
    if kind == "Table":
        if lookup is None or p.reference is None:
            raise ValueError("no table reference declared")
        return lookup(p.reference, value)
    if kind == "File":
        return _file(value)
    return value  # Json


def _string(p: Param, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if p.max_length is not None and len(value) > p.max_length:
        raise ValueError(f"longer than {p.max_length} characters")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError("expected an integer")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("expected a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("expected a number") from None
    if not number.is_finite():
        raise ValueError("expected a finite number")
    return number


def _date(value: Any) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError("expected a date YYYY-MM-DD")


def _datetime(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("expected an ISO 8601 timestamp with an offset")
    return parsed.astimezone(UTC)


def _listed(p: Param, value: Any) -> str:
    allowed = [v["value"] for v in p.values or ()]
    if value not in allowed:
        raise ValueError("must be one of " + ", ".join(allowed))
    return str(value)


def _file(value: Any) -> tuple[str, bytes]:
    if not isinstance(value, dict) or not isinstance(value.get("fileName"), str):
        raise ValueError('expected {"fileName", "fileContent"}')
    try:
        return value["fileName"], base64.b64decode(str(value.get("fileContent") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("fileContent is not base64") from None


def stored_form(params: Mapping[str, Any], declared: Sequence[Param]) -> dict[str, Any]:
    """Instance `parameters`: the submitted values with File contents replaced by name and length."""
    files = {p.name for p in declared if p.type == "File"}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in files and isinstance(value, dict):
            content = base64.b64decode(str(value.get("fileContent") or ""), validate=False)
            out[key] = {"fileName": value.get("fileName"), "length": len(content)}
        else:
            out[key] = value
    return out
