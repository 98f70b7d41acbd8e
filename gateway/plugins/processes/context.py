"""The `ProcessContext` handed to handlers and the catalog lookups used by run-body validation.

Collects logs, data and output files in memory while a handler runs; `runs.py` persists them. Reads and
writes of business tables go through `core.Gateway.bound(actor)`, one data transaction per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway import core
from gateway.plugins.processes.render import render_table


@dataclass
class Output:
    name: str
    content: bytes
    content_type: str


@dataclass
class RunContext:
    instance_id: int
    process: str
    version: int
    actor: Any
    gateway: Any
    clock: Any
    settings: Any
    record: tuple[str, Any] | None = None
    report_type: str | None = None
    is_summary: bool = False
    print_format_id: str | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    report: Output | None = None
    export: Output | None = None
    written: list[tuple[str, str, str]] = field(default_factory=list)  # model writes kept, for the audit

    def now(self) -> datetime:
        return self.clock.now()  # type: ignore[no-any-return]

    def setting(self, name: str, default: Any) -> Any:
        return getattr(self.settings, name, default)

    def log(self, msg: str, number: Any = None) -> None:
        self.logs.append({"created": self.now(), "number": number, "msg": msg})

    def set_data(self, obj: dict[str, Any]) -> None:
        self.data = obj

    def report_file(self, name: str, content: bytes, content_type: str) -> None:
        self.report = Output(name, content, content_type)

    def export_file(self, name: str, content: bytes, content_type: str) -> None:
        self.export = Output(name, content, content_type)

    def render_table(
        self, title: str, columns: Sequence[str], rows: Any, *, summary: bool = False
    ) -> tuple[str, bytes, str]:
        ext, content, content_type = render_table(
            self.report_type or "PDF", title, columns, rows, summary=summary
        )
        return f"{self.process}_{self.instance_id}.{ext}", content, content_type


class GatewayLookups:
    """`body.Lookups` over `core.Gateway`: readable tables and visible records, one miss message."""

    def __init__(self, gateway: Any, actor: Any) -> None:
        self._gateway, self._actor = gateway, actor

    def model_name_of(self, table_id: int) -> str | None:
        finder = getattr(self._gateway, "model_name_of", None)  # core facade method, when offered
        return finder(table_id) if finder else None

    def readable(self, model_name: str) -> str | None:
        try:
            self._gateway.get(model_name, 0, self._actor)
        except core.RecordNotFound:
            return model_name.lower()
        except (core.NotFound, core.Forbidden, core.BadRequest):
            return None
        return model_name.lower()

    def record_key(self, model_name: str, record_id: Any) -> Any:
        try:
            record = self._gateway.get(model_name, record_id, self._actor)
        except (core.NotFound, core.Forbidden, core.BadRequest):
            raise ValueError("record not found") from None
        return record.get("id", record_id)

    def table_key(self, reference: str, value: Any) -> Any:
        key = value.get("id", value.get("uid")) if isinstance(value, dict) else value
        return self.record_key(reference, key)
