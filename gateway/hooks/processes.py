"""The Python API for process authors (processes.md §2): `@process_handler`, `Param`, `ProcessResult`, the
`ProcessContext` protocol and the run errors. Re-exported by `gateway.core`.

Pure values: no I/O, no Flask. The processes plugin runs the handlers; nothing here executes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

PARAM_TYPES = frozenset(
    {
        "String",
        "Text",
        "Integer",
        "Number",
        "Amount",
        "YesNo",
        "Date",
        "DateTime",
        "List",
        "Table",
        "Json",
        "File",
    }
)


class ProcessError(Exception):
    """Ends a run with `isError: true` and `summary = message` (never an HTTP error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParameterError(Exception):
    """Raised by a validator: 400 PARAMETER-ERROR naming `field` (processes.md §2.1)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ProcessResult:
    summary: str
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter (processes.md §2.2)."""

    name: str
    type: str
    label: str | None = None
    mandatory: bool = False
    default: Any = None
    is_range: bool = False
    values: tuple[dict[str, str], ...] | None = None
    reference: str | None = None
    description: str | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name}: unknown type {self.type}")
        if self.values is not None:
            object.__setattr__(self, "values", tuple(dict(v) for v in self.values))

    def to_json(self, seq: int) -> dict[str, Any]:
        return {
            "parameterName": self.name, "label": self.label or self.name, "type": self.type,
            "mandatory": self.mandatory, "defaultValue": self.default, "isRange": self.is_range,
            "seqNo": seq, "description": self.description,
            "values": list(self.values) if self.values is not None else None,
            "reference": self.reference, "maxLength": self.max_length,
        }  # fmt: skip

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Param:
        values = raw.get("values")
        return cls(
            raw["parameterName"], raw["type"], label=raw.get("label"), mandatory=bool(raw.get("mandatory")),
            default=raw.get("defaultValue"), is_range=bool(raw.get("isRange")),
            values=tuple(values) if values is not None else None, reference=raw.get("reference"),
            description=raw.get("description"), max_length=raw.get("maxLength"),
        )  # fmt: skip


class ProcessContext(Protocol):
    """What a handler receives (processes.md §2.3)."""

    instance_id: int
    process: str
    version: int
    actor: Any
    gateway: Any
    record: tuple[str, Any] | None
    report_type: str | None
    is_summary: bool
    print_format_id: str | None
    clock: Any

    def log(self, msg: str, number: Any = None) -> None: ...
    def set_data(self, obj: dict[str, Any]) -> None: ...
    def report_file(self, name: str, content: bytes, content_type: str) -> None: ...
    def export_file(self, name: str, content: bytes, content_type: str) -> None: ...
    def render_table(
        self, title: str, columns: Sequence[str], rows: Any, *, summary: bool = False
    ) -> tuple[str, bytes, str]: ...
    def setting(self, name: str, default: Any) -> Any: ...
    def now(self) -> datetime: ...


HandlerFn = Callable[[ProcessContext, dict[str, Any]], "str | ProcessResult | None"]
ValidatorFn = Callable[[ProcessContext, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class ProcessHandler:
    """A handler and its declaration; made by `@process_handler`."""

    value: str
    name: str
    fn: HandlerFn
    params: tuple[Param, ...] = ()
    description: str | None = None
    help: str | None = None
    is_report: bool = False
    reusable: bool = False
    allow_concurrent: bool = True
    extra_permission: str | None = None
    record_required: bool = False
    # filled by `@handler.validator` at import time, next to the handler's definition
    validators: list[ValidatorFn] = field(default_factory=list, compare=False)

    def __call__(self, ctx: ProcessContext, params: dict[str, Any]) -> str | ProcessResult | None:
        return self.fn(ctx, params)

    def validator(self, fn: ValidatorFn) -> ValidatorFn:
        """`@handler.validator`: a check run before an instance is created (processes.md §2.1)."""
        self.validators.append(fn)
        return fn

    def definition(self) -> dict[str, Any]:
        """The code-side definition compared on startup sync (processes.md §2.4)."""
        return {
            "value": self.value, "name": self.name, "description": self.description, "help": self.help,
            "handler": self.value, "isReport": self.is_report, "allowConcurrent": self.allow_concurrent,
            "recordRequired": self.record_required,
            "parameters": [p.to_json(10 * (i + 1)) for i, p in enumerate(self.params)],
            "defaults": {}, "fixed": {},
        }  # fmt: skip


def process_handler(
    *,
    value: str,
    name: str,
    params: Sequence[Param] = (),
    description: str | None = None,
    help: str | None = None,
    is_report: bool = False,
    reusable: bool = False,
    allow_concurrent: bool = True,
    extra_permission: str | None = None,
    record_required: bool = False,
    validator: ValidatorFn | None = None,
) -> Callable[[HandlerFn], ProcessHandler]:
    """Declare a process handler; the decorated function becomes a `ProcessHandler` value."""

    def wrap(fn: HandlerFn) -> ProcessHandler:
        return ProcessHandler(
            value=value, name=name, fn=fn, params=tuple(params), description=description, help=help,
            is_report=is_report, reusable=reusable, allow_concurrent=allow_concurrent,
            extra_permission=extra_permission, record_required=record_required,
            validators=[validator] if validator else [],
        )  # fmt: skip

    return wrap


def definition_sha256(definition: dict[str, Any]) -> str:
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
