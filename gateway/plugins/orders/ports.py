"""The services of the workflows plugin as this plugin uses them, typed by Protocols it declares itself.

Nothing here imports the workflows plugin; `core.Gateway.service(name)` hands out the objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class Workflow(Protocol):
    workflowid: int
    name: str
    version: str
    author: str | None
    enabled: bool
    deprecated: bool
    autostart: int
    manual_autostart: bool
    max_instances: int
    options: dict[str, Any]
    option_list: tuple[str, ...]
    keylist: tuple[str, ...]
    record_table: str | None


class Step(Protocol):
    stepid: int
    workflowid: int
    seq: int
    name: str
    type: str
    function: str | None
    definition: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any: ...


class Resolution(Protocol):
    error: str
    severity: str
    retry_flag: bool
    retry_delay_secs: int | None
    business_flag: bool
    description: str | None


class Slot(Protocol):
    execid: int
    workflowid: int


class WorkflowRegistry(Protocol):
    def find(self, id_or_name: str | int, *, uow: Any = None) -> Workflow | None: ...
    def get(self, id_or_name: str | int, actor: Any = None, *, uow: Any = None) -> Workflow: ...
    def check_access(self, actor: Any, workflow: Any) -> None: ...
    def in_scope(self, actor: Any, name: str) -> bool: ...
    def validate_options(self, workflow: Workflow, options: Mapping[str, Any]) -> None: ...
    def steps(self, workflowid: int, *, uow: Any = None) -> list[Step]: ...
    def step_function(self, name: str) -> Any: ...
    def resolve_error(
        self,
        workflowid: int,
        code: str,
        *,
        business: bool = False,
        options: Mapping[str, Any] | None = None,
        uow: Any = None,
    ) -> Resolution: ...
    def acquire_slot(
        self,
        *,
        session_id: int,
        node: str,
        lease_seconds: int = 60,
        workflowids: Sequence[int] | None = None,
        uow: Any = None,
    ) -> Slot | None: ...
    def attach_slot(self, slot: Slot, workflow_instanceid: int | None, *, uow: Any = None) -> None: ...
    def release_slot(self, slot: Slot, session_id: int, *, uow: Any = None) -> bool: ...
    def free_slots(self, session_ids: Sequence[int], *, uow: Any = None) -> int: ...


class WorkflowActivities(Protocol):
    def open(self, uow: Any, order: Mapping[str, Any], stepid: int, ind: int = 0) -> int: ...
    def abort(self, uow: Any, workflow_instanceid: int, stepid: int | None = None) -> list[int]: ...
    def hold(self, uow: Any, workflow_instanceid: int, waiting: bool) -> int: ...
