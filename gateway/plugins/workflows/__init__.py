"""The workflows plugin: workflow definitions, error definitions and human activities (workflows.md).

Hook implementations only; they wire the modules of this package and hold no logic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gateway.core import Action, EntitySetSpec, PermissionSpec, hookimpl
from gateway.plugins.workflows.builtins import BUILTIN_STEPS
from gateway.plugins.workflows.bundle import Bundle
from gateway.plugins.workflows.stepdefs import entry_point_specs
from gateway.plugins.workflows.tables import workflow_tables

PERMISSIONS = (
    ("workflows.read", "list/read workflow definitions, instances, steps, error definitions"),
    ("workflows.define", "create and delete workflow definitions"),
    ("workflows.control", "enable/disable, autostart, deprecated, options, reset, start/stop"),
    ("workflows.errors", "create/update/delete/reload error definitions"),
    ("workflows.access", "object scope: workflows.access:<name> limits the workflows a role sees"),
    ("activities.supervise", "see and act on other users' workflow activities"),
    ("activities.start", "start a workflow over a record (POST /workflow/start)"),
)


@hookimpl
def register_tables(metadata: Any) -> None:
    workflow_tables(metadata)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations" / "versions")


@hookimpl
def register_permissions() -> list[PermissionSpec]:
    return [PermissionSpec(name, description) for name, description in PERMISSIONS]


@hookimpl
def register_entity_sets(catalog: Any) -> list[EntitySetSpec]:
    from gateway.plugins.workflows.entity_sets import workflow_sets

    return workflow_sets(workflow_tables(sa.MetaData()))


@hookimpl
def row_scope(entity_set: Any, actor: Any) -> Any:
    from gateway.plugins.workflows.entity_sets import row_scope as scope

    return scope(entity_set, actor)


@hookimpl
def register_actions() -> list[Action]:
    from gateway.plugins.workflows.actions import all_actions

    return all_actions()


@hookimpl
def register_blueprints() -> list[Any]:
    from gateway.plugins.workflows.routes import bp

    return [bp]


@hookimpl
def register_steps() -> list[Any]:
    return list(BUILTIN_STEPS)


@hookimpl
def register_processes() -> list[Any]:
    from gateway.plugins.workflows.process import workflow_start

    return [workflow_start]


@hookimpl
def register_services() -> dict[str, Any]:
    bundle = Bundle()
    return {"workflows.registry": bundle.registry, "workflows.activities": bundle.activities,
            "workflows._bundle": bundle}  # fmt: skip


@hookimpl
def startup(gateway: Any) -> None:
    facade = gateway.extras["gateway.facade"] if hasattr(gateway, "extras") else gateway
    bundle = facade.service("workflows._bundle")
    plugin_steps = [
        (spec, f"plugin {name}")
        for name, specs in _hook_results(facade, "register_steps")
        if name != "workflows"
        for spec in specs
    ]
    bundle.bind(facade, [*plugin_steps, *entry_point_specs()])
    documents = [doc for _, docs in _hook_results(facade, "register_workflows") for doc in docs]
    if documents:
        bundle.definitions.sync(documents)


def _hook_results(facade: Any, hook: str) -> list[tuple[str, Any]]:
    caller = getattr(facade.state.plugins.hook, hook)
    return [(impl.plugin_name, impl.function()) for impl in caller.get_hookimpls()]
