"""Hook specifications of the gateway (pluggy project "gateway"); each has a one-line doc and a README row.

Values crossing these hooks are the public types of `gateway.hooks.types` (re-exported by `gateway.core`).
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("gateway")
hookimpl = pluggy.HookimplMarker("gateway")


@hookspec
def register_blueprints() -> list[Any]:  # type: ignore[empty-body]
    """Flask blueprints the plugin serves (under /api/v1 or /odata); an app-wide hook among them turns the
    read lane off (gateway.web.readlane)."""


@hookspec
def register_actions() -> list[Any]:  # type: ignore[empty-body]
    """Action handlers dispatched by (rule, method, ?action=) in web/actions.py."""


@hookspec
def register_tables(metadata: Any) -> None:
    """Add the plugin's gw_* Core tables to the meta MetaData."""


@hookspec
def register_migrations() -> str:  # type: ignore[empty-body]
    """Path of the plugin's Alembic version location (branch label = plugin name)."""


@hookspec
def register_entity_sets(catalog: Any) -> list[Any]:  # type: ignore[empty-body]
    """EntitySetSpecs: list resources over the plugin's tables, served by Gateway.list."""


@hookspec
def register_permissions() -> list[Any]:  # type: ignore[empty-body]
    """PermissionSpecs accepted by `gateway roles add --permission`."""


@hookspec
def register_filter_functions() -> dict[str, Any]:  # type: ignore[empty-body]
    """Extra $filter functions (name -> FunctionSpec); never grammar changes."""


@hookspec
def register_renderers() -> dict[str, Any]:  # type: ignore[empty-body]
    """Extra output formats (name -> Renderer)."""


@hookspec
def register_jobs() -> dict[str, Any]:  # type: ignore[empty-body]
    """Background job kinds (kind -> JobHandler) run by the job runners."""


@hookspec
def register_services() -> dict[str, Any]:  # type: ignore[empty-body]
    """Services other plugins reach through Gateway.service(name)."""


@hookspec
def permission_allowed(actor: Any, action: str, resource: Any) -> bool | None:
    """Vote on a permission: any False denies, None abstains."""


@hookspec
def row_scope(entity_set: Any, actor: Any) -> Any:
    """Extra row predicates (RowScope) for an entity set and actor."""


@hookspec
def before_write(event: Any) -> None:
    """Check a model write before it runs; raise a GatewayError to refuse it."""


@hookspec
def after_write(event: Any, uow: Any) -> None:
    """Follow-up work of a model write inside the same transaction, before commit."""


@hookspec
def startup(gateway: Any) -> None:
    """Called once the app is built: warm caches, check required tables, sync code-defined objects."""


@hookspec
def register_processes() -> list[Any]:  # type: ignore[empty-body]
    """Process handlers (made by @process_handler) for the processes plugin."""


@hookspec
def register_steps() -> list[Any]:  # type: ignore[empty-body]
    """Step functions (StepSpecs made by @step) for the workflows plugin."""


@hookspec
def register_workflows() -> list[Any]:  # type: ignore[empty-body]
    """Code-defined workflow definition dicts for the workflows plugin."""


@hookspec
def register_periodic_tasks() -> list[Any]:  # type: ignore[empty-body]
    """PeriodicTasks (and WorkSources) the runners run."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add click commands to the `gateway` CLI group."""


@hookspec
def register_demo_content(demo: Any) -> None:
    """Add demo processes, workflows and orders for `gateway demo`."""
