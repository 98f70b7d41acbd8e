"""The orders plugin: workflow orders, their operator actions, queries and the engine (orders.md).

Hook implementations only; they wire the modules of this package and hold no logic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.core import PeriodicTask, PermissionSpec, WorkSource, hookimpl
from gateway.plugins.orders.bundle import Bundle
from gateway.plugins.orders.queries import entity_sets
from gateway.plugins.orders.recovery import recover, wakeups
from gateway.plugins.orders.routes import actions
from gateway.plugins.orders.tables import TABLES, order_tables

REQUIRES = ("workflows",)
PERMISSIONS = (
    ("orders.read", "every GET on orders except sensitive data"),
    ("orders.create", "createOrder"),
    ("orders.exec_sync", "execSynchronous"),
    ("orders.retry", "retry (and bulk)"),
    ("orders.block", "block, unblock (and bulk)"),
    ("orders.cancel", "cancel, uncancel (and bulk)"),
    ("orders.set_error", "setError"),
    ("orders.reschedule", "reschedule"),
    ("orders.reprioritize", "setPriority"),
    ("orders.skip_step", "skipStep"),
    ("orders.lock", "lock, unlock"),
    ("orders.break_lock", "breakLock"),
    ("orders.notes", "add notes"),
    ("orders.edit_data", "static/dynamic data, YAML edits, updateKeys"),
    ("orders.async", "asyncResult"),
    ("orders.events", "post sync events"),
    ("orders.sensitive.read", "read sensitive data"),
    ("orders.sensitive.write", "write sensitive data"),
    ("orders.sensitive.delete", "purge sensitive data"),
)


@hookimpl
def register_tables(metadata: Any) -> None:
    order_tables(metadata)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations" / "versions")


@hookimpl
def register_permissions() -> list[PermissionSpec]:
    admin = PermissionSpec(
        "orders.admin",
        "every orders.* permission except orders.sensitive.*",
        implies=("orders.*", "!orders.sensitive.*"),
    )
    return [*(PermissionSpec(n, d) for n, d in PERMISSIONS), admin]


@hookimpl
def register_services() -> dict[str, Any]:
    bundle = Bundle()
    return {"orders.engine": bundle.engine, "orders.stats": bundle.stats, "orders._bundle": bundle}


@hookimpl
def register_entity_sets(catalog: Any) -> list[Any]:
    return entity_sets(TABLES, _Actions(), _Waiting())


@hookimpl
def register_actions() -> list[Any]:
    return actions()


@hookimpl
def register_periodic_tasks() -> list[Any]:
    return [
        PeriodicTask("orders.dispatch_wakeups", 5, lambda ctx: wakeups(_engine(ctx), ctx)),
        PeriodicTask("orders.recover", 15, lambda ctx: recover(_engine(ctx), ctx)),
        WorkSource("orders.dispatch", lambda ctx: _engine(ctx).poll(ctx)),
    ]


@hookimpl
def startup(gateway: Any) -> None:
    facade = gateway.extras["gateway.facade"] if hasattr(gateway, "extras") else gateway
    facade.service("orders._bundle").bind(facade)


def _engine(ctx: Any) -> Any:
    return ctx.gateway.service("orders._bundle").engine


class _Actions:
    """The computed `actions` field, resolved per call through the app's bundle."""

    def __call__(self, records: list[dict[str, Any]], actor: Any) -> None:
        from gateway import core

        core.gateway().service("orders._bundle").actions(records, actor)


class _Waiting:
    """The computed fields of sync-event records, resolved per call through the app's bundle."""

    def __call__(self, records: list[dict[str, Any]], actor: Any) -> None:
        from gateway import core

        core.gateway().service("orders._bundle").waiting(records, actor)
