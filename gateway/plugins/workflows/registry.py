"""The `workflows.registry` service: resolve definitions and steps, access scopes, options, error resolution
and execution-instance slots, for this plugin's routes and for the orders plugin.

Every method opens its own unit of work unless the caller hands one in (`uow=`). No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from gateway.core import NotFound
from gateway.plugins.workflows.access import in_scope
from gateway.plugins.workflows.definition import parse_ref
from gateway.plugins.workflows.errordefs import Resolution, resolve
from gateway.plugins.workflows.errors import WorkflowAccessError, WorkflowOptionError
from gateway.plugins.workflows.errorstore import ErrorStore
from gateway.plugins.workflows.slots import Slot, Slots
from gateway.plugins.workflows.stepdefs import StepCatalog
from gateway.plugins.workflows.store import Step, Uow, Workflow, WorkflowStore

DEFAULT_RETRY_DELAY = 300


class Registry:
    def __init__(self, gateway: Any, store: WorkflowStore, errors: ErrorStore, steps: StepCatalog) -> None:
        self.gateway = gateway
        self.store = store
        self.errors = errors
        self.slots = Slots(store)
        self.step_functions = steps

    @contextmanager
    def _uow(self, uow: Uow | None) -> Iterator[Uow]:
        if uow is not None:
            yield uow
        else:
            with self.gateway.unit_of_work() as opened:
                yield opened

    def find(self, id_or_name: str | int, *, uow: Uow | None = None) -> Workflow | None:
        """`workflowid`, `NAME:VERSION` or `NAME` (highest version); None when unknown."""
        with self._uow(uow) as u:
            return self.store.find(u, parse_ref(id_or_name))

    def get(self, id_or_name: str | int, actor: Any = None, *, uow: Uow | None = None) -> Workflow:
        """As `find`, but 404 when unknown and 403 WORKFLOW-ACCESS-ERROR outside the actor's scope."""
        workflow = self.find(id_or_name, uow=uow)
        if workflow is None:
            raise NotFound(f"no workflow {id_or_name}")
        if actor is not None:
            self.check_access(actor, workflow)
        return workflow

    def check_access(self, actor: Any, workflow: Workflow | str) -> None:
        name = workflow if isinstance(workflow, str) else workflow.name
        if not in_scope(actor, name):
            raise WorkflowAccessError(f"workflow {name} is outside the role's scope")

    def in_scope(self, actor: Any, name: str) -> bool:
        return in_scope(actor, name)

    def validate_options(self, workflow: Workflow, options: Mapping[str, Any]) -> None:
        bad = sorted(k for k in options if workflow.option_list and k not in workflow.option_list)
        if bad:
            raise WorkflowOptionError(f"options not in option_list of {workflow.label}: {', '.join(bad)}")

    def steps(self, workflowid: int, *, uow: Uow | None = None) -> list[Step]:
        with self._uow(uow) as u:
            return self.store.steps(u, workflowid)

    def step_function(self, name: str) -> Any:
        """The registered StepSpec of `name`, or None."""
        return self.step_functions.get(name)

    def resolve_error(
        self,
        workflowid: int,
        code: str,
        *,
        business: bool = False,
        options: Mapping[str, Any] | None = None,
        uow: Uow | None = None,
    ) -> Resolution:
        """Specific, else global, else default (§4.2); the retry delay falls back to the workflow option
        `retry_delay_secs`, then the setting `default_retry_delay_secs`."""
        with self._uow(uow) as u:
            specific, global_ = self.errors.pair(u, code, workflowid)
            workflow = self.store.find(u, parse_ref(workflowid)) if options is None else None
        merged = dict(workflow.options if workflow else {}, **(options or {}))
        delay = merged.get("retry_delay_secs")
        return resolve(
            code, specific, global_, business=business,
            workflow_delay=int(delay) if isinstance(delay, int | str) and str(delay).isdigit() else None,
            default_delay=self._default_delay(),
        )  # fmt: skip

    def _default_delay(self) -> int:
        # the setting belongs to the platform; until it is declared the spec's default applies
        value = getattr(self.gateway.settings, "default_retry_delay_secs", None)
        return int(value) if isinstance(value, int) else DEFAULT_RETRY_DELAY

    def acquire_slot(
        self,
        *,
        session_id: int,
        node: str,
        lease_seconds: int = 60,
        workflowids: Sequence[int] | None = None,
        uow: Uow | None = None,
    ) -> Slot | None:
        with self._uow(uow) as u:
            return self.slots.acquire(
                u, session_id=session_id, node=node, now=self.gateway.clock.now(),
                lease_seconds=lease_seconds, workflowids=workflowids,
            )  # fmt: skip

    def attach_slot(self, slot: Slot, workflow_instanceid: int | None, *, uow: Uow | None = None) -> None:
        with self._uow(uow) as u:
            self.slots.attach(u, slot, workflow_instanceid)

    def release_slot(self, slot: Slot, session_id: int, *, uow: Uow | None = None) -> bool:
        with self._uow(uow) as u:
            return self.slots.release(u, slot, session_id)

    def free_slots(self, session_ids: Sequence[int], *, uow: Uow | None = None) -> int:
        with self._uow(uow) as u:
            return self.slots.free_sessions(u, session_ids)
