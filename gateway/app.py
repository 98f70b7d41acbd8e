"""create_app: the composition root. The only place that builds engines, catalog and plugin manager.

Order: settings -> databases -> plugin manager + meta tables -> catalog -> auth, web, error handler ->
entity sets, actions, permissions, jobs, periodic tasks, services (plugins.md §2) -> Gateway facade ->
`startup(gateway)`. Calling it twice gives two independent apps. Runner threads are started by the
server (`gateway.jobs.runner.Node`), never here, so tests drive background work synchronously.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask

from gateway.auth import init_auth
from gateway.catalog import CatalogHolder, reflect_catalog
from gateway.db import Databases, make_databases
from gateway.facade import Gateway
from gateway.hooks import make_plugin_manager
from gateway.hooks.registry import Registry, check_requires, collect
from gateway.hooks.types import EntitySetSpec, PeriodicTask
from gateway.jobs.clock import Clock, FixedClock, SystemClock
from gateway.meta.sysconfig import RuntimeConfig
from gateway.meta.tables import CoreTables, core_tables
from gateway.pipeline.query.shape import StatementCache
from gateway.settings import Settings, load_settings
from gateway.state import GatewayState
from gateway.web import actions, audit, register_web, testhooks
from gateway.web.readlane import install_read_lane
from gateway.web.security import init_proxy_fix, init_security

log = logging.getLogger("gateway.app")
_AUDIT_FIELDS = (
    "audit_id",
    "created",
    "client_id",
    "user_id",
    "user_name",
    "role_id",
    "source",
    "plugin",
    "resource",
    "resource_id",
    "action",
    "old_state",
    "new_state",
    "note",
    "detail",
    "request_id",
)


def create_app(
    overrides: Mapping[str, Any] | None = None,
    *,
    databases: Databases | None = None,
    clock: Clock | None = None,
    plugins: Sequence[Any] = (),
) -> Flask:
    """Build an app. `plugins` are extra in-process plugin modules or objects (tests, embedding)."""
    settings = load_settings(overrides)
    if settings.test_hooks:
        settings = settings.replace(worker_threads=0)  # test_hooks forces synchronous background work
        clock = clock or FixedClock()
    dbs = databases or make_databases(
        settings.database_url,
        settings.meta_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        statement_timeout_ms=settings.rest_statement_timeout_ms,
        ping_idle_seconds=settings.pool_ping_idle_seconds,
    )
    app = Flask("gateway")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    state = build_state(settings, dbs, clock or SystemClock(), plugins)
    app.extensions["gateway"] = state
    init_auth(app, state)
    register_web(app, state)
    facade = register_plugin_objects(app, state)
    init_security(app, state)
    install_read_lane(app, state)  # after every hook is registered: it checks them all
    init_proxy_fix(app, settings.trusted_proxy_hops)
    if settings.sensitive_allow_insecure:
        log.warning("sensitive_allow_insecure is on: every request counts as secure (development only)")
    state.plugins.hook.startup(gateway=facade)
    return app


def build_state(
    settings: Settings, dbs: Databases, clock: Clock, extra_plugins: Sequence[Any] = ()
) -> GatewayState:
    plugins = make_plugin_manager(settings)
    for plugin in extra_plugins:
        plugins.register(plugin, name=getattr(plugin, "__name__", None))
    check_requires(plugins)
    metadata = sa.MetaData()
    meta = core_tables(metadata)
    plugins.hook.register_tables(metadata=metadata)
    holder = CatalogHolder(lambda version: reflect_catalog(dbs.data, settings, version=version))
    return GatewayState(
        settings=settings,
        databases=dbs,
        catalog=holder,
        meta=meta,
        runtime=RuntimeConfig(settings, dbs.meta, meta, clock),
        plugins=plugins,
        statements=StatementCache(settings.statement_cache_size),
        options=StatementCache(settings.statement_cache_size),
        prepared=StatementCache(settings.statement_cache_size),
        clock=clock,
    )


def register_plugin_objects(app: Flask, state: GatewayState) -> Gateway:
    """Entity sets, actions, permissions, jobs, periodic tasks and services; the Gateway facade."""
    registry = collect(state.plugins, state.catalog, core=core_items(state.meta))
    facade = Gateway(state, registry)
    state.extras["gateway.registry"] = registry
    state.extras["gateway.facade"] = facade
    app.register_blueprint(audit.bp)
    if state.settings.test_hooks:
        app.register_blueprint(testhooks.bp)
    actions.register_actions(app, registry.actions)
    return facade


def core_items(meta: CoreTables) -> list[tuple[str, Any]]:
    """The core's own registrations: the audit list and the reaper and purge tasks."""
    from gateway.jobs.runner import purge_task, reaper_task

    spec = EntitySetSpec(
        name="audit",
        table=meta.audit,
        fields={f: f for f in _AUDIT_FIELDS},
        key="audit_id",
        tenant_column="client_id",
        default_orderby="audit_id desc",
        plugin="core",
    )
    tasks = [PeriodicTask("core.reaper", 15, reaper_task), PeriodicTask("core.purge", 3600, purge_task)]
    return [("sets", [spec]), ("periodic", tasks)]


def registry_of(app: Flask) -> Registry:
    return app.extensions["gateway"].extras["gateway.registry"]  # type: ignore[no-any-return]
