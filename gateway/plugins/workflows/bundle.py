"""One app's workflows services, wired once: stores, step catalog, registry, activities, definitions,
error definitions and control. Created by `register_services` and bound to the Gateway at `startup`.

The Gateway is reached through `LateGateway` so services can be registered before the app exists.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.plugins.workflows.activities import Activities
from gateway.plugins.workflows.activitystore import ActivityStore
from gateway.plugins.workflows.builtins import BUILTIN_STEPS
from gateway.plugins.workflows.control import Control
from gateway.plugins.workflows.directory import GatewayDirectory
from gateway.plugins.workflows.errorservice import ErrorDefinitions
from gateway.plugins.workflows.errorstore import ErrorStore
from gateway.plugins.workflows.registry import Registry
from gateway.plugins.workflows.service import Definitions
from gateway.plugins.workflows.stepapi import StepSpec
from gateway.plugins.workflows.stepdefs import StepCatalog
from gateway.plugins.workflows.store import WorkflowStore
from gateway.plugins.workflows.tables import workflow_tables


class LateGateway:
    """Forwards to the app's Gateway once `startup` bound it."""

    def __init__(self) -> None:
        self.target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self.target is None:
            raise RuntimeError("the workflows plugin is used before startup bound it to the gateway")
        return getattr(self.target, name)


class Bundle:
    def __init__(self, gateway: Any = None, extra_steps: list[tuple[StepSpec, str]] | None = None) -> None:
        self.gateway = gateway if gateway is not None else LateGateway()
        self.tables = workflow_tables(sa.MetaData())
        self.store = WorkflowStore(self.tables)
        self.error_store = ErrorStore(self.tables)
        self.steps = StepCatalog([*((s, "builtin") for s in BUILTIN_STEPS), *(extra_steps or [])])
        self.directory = GatewayDirectory(self.gateway)
        self.registry = Registry(self.gateway, self.store, self.error_store, self.steps)
        self.activities = Activities(self.gateway, ActivityStore(self.tables), self.store, self.directory)
        self.definitions = Definitions(self.gateway, self.store, self.directory, self.steps)
        self.errors = ErrorDefinitions(self.gateway, self.error_store)
        self.control = Control(self.gateway, self.store)

    def bind(self, gateway: Any, extra_steps: list[tuple[StepSpec, str]]) -> None:
        if isinstance(self.gateway, LateGateway):
            self.gateway.target = gateway
        if extra_steps:
            self.steps = StepCatalog([*((s, "builtin") for s in BUILTIN_STEPS), *extra_steps])
            self.registry.step_functions = self.steps
            self.definitions.steps = self.steps
