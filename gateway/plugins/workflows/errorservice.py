"""Error-definition operations behind `/errors/**` and `/workflows/{wf}/errors/**` (workflows.md §4.3).

Each call runs in one unit of work and writes an audit row for every CREATED/UPDATED/deleted definition;
UNCHANGED writes nothing. No Flask here; callers resolve the workflow and check its access scope first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core import FieldError, NotFound, ValidationError
from gateway.plugins.workflows.errordefs import (
    ErrDef,
    Outcome,
    ParsedErrDef,
    parse_errdef,
    rule_a,
    rule_b,
    rule_global,
)
from gateway.plugins.workflows.errors import ErrorExists, ErrorUpdateError
from gateway.plugins.workflows.errorstore import GLOBAL, ErrorStore
from gateway.plugins.workflows.store import Uow, Workflow


@dataclass(frozen=True, slots=True)
class Written:
    """The seed's bare-string result and whether it created a definition (201)."""

    result: str
    created: bool


def checked(parsed: ParsedErrDef) -> ErrDef:
    """The definition of a parsed body, or the 400 its problems call for."""
    if parsed.invalid:
        detail = "; ".join(f"{k}: {m}" for k, m in parsed.invalid)
        raise ErrorUpdateError(detail, errors=_field_errors(parsed.invalid))
    if parsed.missing or parsed.errdef is None:
        missing = [(k, "required") for k in parsed.missing]
        raise ValidationError(f"missing {', '.join(parsed.missing)}", errors=_field_errors(missing))
    return parsed.errdef


def _field_errors(items: Any) -> list[Any]:
    return [FieldError(k, m) for k, m in items]


class ErrorDefinitions:
    def __init__(self, gateway: Any, store: ErrorStore) -> None:
        self.gateway = gateway
        self.store = store

    def _write(self, uow: Uow, outcome: Outcome, errdef: ErrDef, workflowid: int, action: str) -> Written:
        now = self.gateway.clock.now()
        target = workflowid if outcome.scope == "workflow" else GLOBAL
        if outcome.created:
            self.store.insert(uow, errdef, target, now)
        elif outcome.name.startswith("UPDATED"):
            self.store.update(uow, errdef, target, now)
        if not outcome.name.startswith("UNCHANGED"):
            self.gateway.audit(
                uow, "error-definition", f"{errdef.error}@{target}", action,
                new_state=outcome.value, detail=errdef.values(),
            )  # fmt: skip
        return Written(outcome.value, outcome.created)

    def create_global(self, body: Mapping[str, Any]) -> Written:
        errdef = checked(parse_errdef(body))
        with self.gateway.unit_of_work() as uow:
            if self.store.find(uow, errdef.error) is not None:
                raise ErrorExists(f"global error definition {errdef.error} exists")
            return self._write(uow, Outcome.CREATED_GLOBAL, errdef, GLOBAL, "create")

    def create_or_update_global(self, body: Mapping[str, Any]) -> Written:
        errdef = checked(parse_errdef(body))
        with self.gateway.unit_of_work() as uow:
            outcome = rule_global(errdef, self.store.find(uow, errdef.error))
            return self._write(uow, outcome, errdef, GLOBAL, "createOrUpdate")

    def create_on(self, workflow: Workflow, body: Mapping[str, Any], *, upsert: bool) -> Written:
        """Rule A (create) or rule B (createOrUpdate) on a workflow."""
        parsed = parse_errdef(body, extra=("forceworkflow", "workflowid"))
        errdef = checked(parsed)
        with self.gateway.unit_of_work() as uow:
            specific, global_ = self.store.pair(uow, errdef.error, workflow.workflowid)
            if upsert:
                outcome = rule_b(errdef, parsed.forceworkflow, specific, global_)
            else:
                outcome = rule_a(parsed.forceworkflow, specific, global_)
            if outcome is Outcome.EXISTS:
                raise ErrorExists(f"error definition {errdef.error} exists for {workflow.label}")
            action = "createOrUpdate" if upsert else "create"
            return self._write(uow, outcome, errdef, workflow.workflowid, action)

    def update(self, error: str, workflowid: int, body: Mapping[str, Any]) -> Written:
        """PUT of an existing definition (never creates: 404 when missing)."""
        errdef = checked(parse_errdef(body, error=error))
        with self.gateway.unit_of_work() as uow:
            existing = self.store.find(uow, error, workflowid)
            if existing is None:
                raise NotFound(f"no error definition {error} {_where(workflowid)}")
            scope = "WORKFLOW" if workflowid else "GLOBAL"
            outcome = Outcome[f"UNCHANGED_{scope}" if existing.same_as(errdef) else f"UPDATED_{scope}"]
            return self._write(uow, outcome, errdef, workflowid, "update")

    def delete(self, error: str, workflowid: int) -> str:
        with self.gateway.unit_of_work() as uow:
            if not self.store.delete(uow, error, workflowid):
                raise NotFound(f"no error definition {error} {_where(workflowid)}")
            self.gateway.audit(uow, "error-definition", f"{error}@{workflowid}", "delete")
        return "OK"

    def reload(self) -> dict[str, int]:
        """Definitions are read from the table on every resolution, so a reload only reports counts."""
        with self.gateway.unit_of_work() as uow:
            counts = self.store.counts(uow)
            self.gateway.audit(uow, "error-definition", None, "reload", detail=counts)
        return counts


def _where(workflowid: int) -> str:
    return "(global)" if workflowid == GLOBAL else f"for workflow {workflowid}"
