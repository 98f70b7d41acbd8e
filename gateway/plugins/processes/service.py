"""The per-app processes service: tables, installed handlers and the `core.Gateway` it works through.

Every domain module (definitions, runs, schedules, transfer, outputs) takes this value first. It holds no
request state; one instance per app is created by `register_services` and filled at `startup`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from gateway.plugins.processes.api import ProcessHandler
from gateway.plugins.processes.tables import ProcessTables

SETTING_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "inline_file_max_bytes": 10 * 1024 * 1024,
        "file_retention_days": 7,
        "report_max_rows": 100_000,
        "scheduler_tick_seconds": 5,
        "smtp_url": "",
        "smtp_from": "gateway@localhost",
        "node_id": "",
        "lease_seconds": 60,
    }
)


@dataclass
class ProcessService:
    """Filled once at startup (`bind`); afterwards only read."""

    tables: ProcessTables
    handlers: Mapping[str, ProcessHandler] = field(default_factory=dict)
    gateway: Any = None
    notifiers: tuple[Any, ...] = ()

    def bind(self, gateway: Any, handlers: Mapping[str, ProcessHandler], notifiers: tuple[Any, ...]) -> None:
        self.gateway, self.handlers, self.notifiers = gateway, handlers, notifiers

    @contextmanager
    def uow(self) -> Iterator[Any]:
        with self.gateway.unit_of_work() as uow:
            yield uow

    def now(self) -> datetime:
        return self.gateway.clock.now()  # type: ignore[no-any-return]

    def setting(self, name: str) -> Any:
        """A plugin setting, with the spec default until the core's Settings declares it."""
        return getattr(self.gateway.settings, name, SETTING_DEFAULTS[name])

    def audit(self, uow: Any, resource: str, resource_id: Any, action: str, **extra: Any) -> None:
        self.gateway.audit(uow, resource, str(resource_id), action, **extra)

    def handler(self, value: str) -> ProcessHandler | None:
        return self.handlers.get(value)
