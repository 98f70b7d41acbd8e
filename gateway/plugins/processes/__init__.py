"""The processes plugin: hook implementations only; they wire the modules of this package.

Declared through the `gateway.plugins` entry point group like any third-party plugin.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gateway import core
from gateway.plugins.processes import builtins, jobs, notify, reports, schedules
from gateway.plugins.processes.registry import collect_handlers, entry_point_handlers, sync_code_processes
from gateway.plugins.processes.service import ProcessService
from gateway.plugins.processes.tables import declare_tables

log = logging.getLogger("gateway.plugins.processes")
PERMISSIONS = (
    ("processes.read", "list and read processes, versions, payload skeletons, exports"),
    ("processes.run", "run processes synchronously, validate run bodies"),
    ("processes.jobs", "start background jobs, read own jobs, instances and files"),
    ("processes.monitor", "read every instance, job, file and notice of the tenant"),
    ("processes.manage", "create, update, delete, toggle and import processes"),
    ("processes.schedule", "manage process schedules"),
    ("processes.access", "object scope: processes.access:<slug>"),
)


@core.hookimpl
def register_tables(metadata: sa.MetaData) -> None:
    declare_tables(metadata)


@core.hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations" / "versions")


@core.hookimpl
def register_permissions() -> list[core.PermissionSpec]:
    return [core.PermissionSpec(name, doc) for name, doc in PERMISSIONS]


@core.hookimpl
def register_services() -> dict[str, Any]:
    return {"processes.registry": ProcessService(declare_tables(sa.MetaData()))}


@core.hookimpl
def register_processes() -> list[Any]:
    return [builtins.cache_reset, builtins.document_action, builtins.sleep, reports.model_report,
            reports.model_export]  # fmt: skip


@core.hookimpl
def register_entity_sets(catalog: Any) -> list[core.EntitySetSpec]:
    from gateway.plugins.processes.entity_sets import entity_sets

    return entity_sets(declare_tables(sa.MetaData()))


@core.hookimpl
def register_blueprints() -> list[Any]:
    from gateway.plugins.processes import routes, routes_outputs, routes_runs

    return [routes.bp, routes_runs.bp, routes_outputs.bp]


@core.hookimpl
def register_jobs() -> dict[str, core.JobHandler]:
    def svc_of(ctx: Any) -> ProcessService:
        return ctx.gateway.service("processes.registry")  # type: ignore[no-any-return]

    return {
        "processes.run": core.JobHandler(
            run=lambda job, ctx: jobs.run_job(svc_of(ctx), job, ctx),
            on_dead=lambda job, ctx, reason: jobs.on_dead(svc_of(ctx), job, ctx, reason), max_attempts=1,
        ),
        "processes.notify": core.JobHandler(
            run=lambda job, ctx: jobs.notify(svc_of(ctx), job, ctx),
            max_attempts=5, backoff_seconds=(30, 120, 600)
        ),
    }  # fmt: skip


@core.hookimpl
def register_periodic_tasks() -> list[core.PeriodicTask]:
    def svc_of(ctx: Any) -> ProcessService:
        return ctx.gateway.service("processes.registry")  # type: ignore[no-any-return]

    return [
        core.PeriodicTask("processes.recover", 15, lambda ctx: jobs.recover(svc_of(ctx), ctx)),
        core.PeriodicTask("processes.files_purge", 3600, lambda ctx: jobs.purge(svc_of(ctx), ctx)),
        core.PeriodicTask("processes.scheduler", "scheduler_tick_seconds",
                          lambda ctx: schedules.tick(svc_of(ctx), ctx)),
    ]  # fmt: skip


@core.hookimpl
def row_scope(entity_set: Any, actor: Any) -> core.RowScope | None:
    """The `processes.access:*` scope on process definitions and their versions (plugins.md §6.2)."""
    if entity_set.name not in ("processes", "process-versions"):
        return None
    from gateway.plugins.processes.views import scope_of

    allowed = scope_of(actor)
    if allowed is None or entity_set.name == "process-versions":
        return core.RowScope(lambda _from: sa.true(), fingerprint="processes:all")
    slugs = sorted(allowed)
    return core.RowScope(
        lambda _from: entity_set.table.c.slug.in_(slugs), fingerprint="processes:" + ",".join(slugs)
    )


@core.hookimpl
def startup(gateway: Any) -> None:
    svc: ProcessService = gateway.service("processes.registry")
    handlers = collect_handlers([*gateway.hook_results("register_processes"), entry_point_handlers()])
    svc.bind(gateway, handlers, (notify.notice_notifier, notify.email_notifier))
    with svc.uow() as uow:
        if not sa.inspect(uow.connection).has_table(svc.tables.process.name):
            log.warning("processes plugin: table gw_process is missing; run `gateway init`")
            return
        sync_code_processes(uow, svc.tables, handlers, svc.now())
