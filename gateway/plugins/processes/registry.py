"""Handler discovery and the startup sync of code-defined processes (processes.md §2.4).

Handlers come from `register_processes()` results and from entry point group `gateway.processes`; a duplicate
value is a startup error. The sync writes gw_process/gw_process_version through a unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib.metadata import entry_points
from types import MappingProxyType, ModuleType
from typing import Any

from gateway.plugins.processes import store
from gateway.plugins.processes.api import ProcessHandler, definition_sha256
from gateway.plugins.processes.naming import code_uid, parse_ref, slugify
from gateway.plugins.processes.tables import ProcessTables

ENTRY_POINT_GROUP = "gateway.processes"


class HandlerError(RuntimeError):
    """A startup error: duplicate handler value or an entry point that does not load."""


def _handlers_in(obj: Any) -> list[ProcessHandler]:
    if isinstance(obj, ProcessHandler):
        return [obj]
    if isinstance(obj, ModuleType):
        return [v for v in vars(obj).values() if isinstance(v, ProcessHandler)]
    if isinstance(obj, Iterable):
        return [h for item in obj for h in _handlers_in(item)]
    return []


def entry_point_handlers() -> list[ProcessHandler]:
    found: list[ProcessHandler] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.extend(_handlers_in(ep.load()))
        except Exception as exc:  # any import failure is a startup error naming the entry point
            raise HandlerError(f"entry point {ep.name!r} of group {ENTRY_POINT_GROUP} failed: {exc}") from exc
    return found


def collect_handlers(groups: Iterable[Iterable[Any]]) -> Mapping[str, ProcessHandler]:
    """One mapping value -> handler; a value declared twice is a startup error."""
    handlers: dict[str, ProcessHandler] = {}
    for group in groups:
        for handler in _handlers_in(group):
            if handler.value in handlers and handlers[handler.value] is not handler:
                raise HandlerError(f"process value {handler.value!r} is declared twice")
            handlers[handler.value] = handler
    return MappingProxyType(handlers)


def sync_code_processes(
    uow: store.Executor, t: ProcessTables, handlers: Mapping[str, ProcessHandler], now: datetime
) -> None:
    """Create missing code processes, version changed ones, flag those whose handler is gone."""
    rows = {r["uid"]: r for r in store.all_processes(uow, t) if r["source"] == "code"}
    for value, handler in handlers.items():
        uid = code_uid(value)
        row = rows.pop(uid, None)
        if row is None:
            _create_code_process(uow, t, handler, uid, now)
        else:
            _refresh_code_process(uow, t, handler, row, now)
    for row in rows.values():
        if not row["handler_missing"]:
            store.update_process(
                uow, t, row["id"], {"handler_missing": True, "is_active": False, "updated": now}
            )


def _columns(handler: ProcessHandler) -> dict[str, Any]:
    return {
        "name": handler.name, "description": handler.description, "help": handler.help,
        "is_report": handler.is_report, "allow_concurrent": handler.allow_concurrent,
        "record_required": handler.record_required,
    }  # fmt: skip


def _create_code_process(
    uow: store.Executor, t: ProcessTables, handler: ProcessHandler, uid: str, now: datetime
) -> None:
    definition = handler.definition()
    store.insert_process(
        uow, t,
        {"uid": uid, "value": handler.value, "slug": slugify(handler.value), "handler": handler.value,
         "source": "code", "is_active": True, "handler_missing": False, "defaults": {}, "fixed": {},
         "version": 1, "created": now, "updated": now, "modifier": "<code>", **_columns(handler)},
    )  # fmt: skip
    _version(uow, t, uid, 1, definition, None, now)


def _refresh_code_process(
    uow: store.Executor, t: ProcessTables, handler: ProcessHandler, row: Mapping[str, Any], now: datetime
) -> None:
    definition = handler.definition()
    latest = store.version(uow, t, row["uid"], row["version"])
    values: dict[str, Any] = {}
    if row["handler_missing"]:
        values.update(handler_missing=False, is_active=True)
    if latest is None or latest["definition_sha256"] != definition_sha256(definition):
        values.update(version=row["version"] + 1, **_columns(handler))
        _version(uow, t, row["uid"], row["version"] + 1, definition, "code changed", now)
    if values:
        store.update_process(uow, t, row["id"], {**values, "updated": now})


def _version(
    uow: store.Executor, t: ProcessTables, uid: str, number: int, definition: dict[str, Any],
    change: str | None, now: datetime, modifier: str = "<code>",
) -> None:  # fmt: skip
    store.add_version(
        uow, t,
        {"process_uid": uid, "version": number, "definition": definition,
         "definition_sha256": definition_sha256(definition), "change_description": change,
         "created": now, "modifier": modifier},
    )  # fmt: skip


add_version = _version


def resolve(uow: store.Executor, t: ProcessTables, ref: str) -> dict[str, Any] | None:
    return store.find_process(uow, t, parse_ref(ref))


def new_uid() -> str:
    return str(uuid.uuid4())
