"""Workflow definition operations: create, validate, delete, read one record, and the startup sync of
code-defined workflows (workflows.md §2.3–2.4, §6.1).

Works against `core.Gateway` and this plugin's stores; no Flask. Callers check permissions and scope.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.core import FieldError
from gateway.plugins.workflows.definition import WorkflowDoc, WorkflowRef, parse_document
from gateway.plugins.workflows.errors import (
    WorkflowDefinitionError,
    WorkflowExists,
    WorkflowInUse,
    WorkflowReadonly,
)
from gateway.plugins.workflows.facts import Directory
from gateway.plugins.workflows.slots import Slots
from gateway.plugins.workflows.stepdefs import StepCatalog
from gateway.plugins.workflows.store import Step, Workflow, WorkflowStore

log = logging.getLogger("gateway.plugins.workflows")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def workflow_record(wf: Workflow, steps: Iterable[Step] | None, exec_count: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "workflowid": wf.workflowid, "name": wf.name, "version": wf.version, "description": wf.description,
        "author": wf.author, "source": wf.source, "enabled": wf.enabled, "deprecated": wf.deprecated,
        "autostart": wf.autostart, "manual_autostart": wf.manual_autostart, "max_instances": wf.max_instances,
        "exec_count": exec_count, "options": wf.options, "option_list": list(wf.option_list),
        "keylist": list(wf.keylist), "record_table": wf.record_table, "created": wf.created,
        "modified": wf.modified,
    }  # fmt: skip
    if steps is not None:
        record["steps"] = [
            {"stepid": s.stepid, "name": s.name, "type": s.type, "function": s.function, **s.definition}
            for s in steps
        ]
    return record


class Definitions:
    def __init__(self, gateway: Any, store: WorkflowStore, directory: Directory, steps: StepCatalog) -> None:
        self.gateway = gateway
        self.store = store
        self.directory = directory
        self.steps = steps
        self.slots = Slots(store)

    def parse(self, document: Any) -> tuple[WorkflowDoc | None, tuple[tuple[str, str], ...]]:
        return parse_document(document, self.directory, self.steps.facts())

    def validate(self, document: Any) -> dict[str, Any]:
        _, problems = self.parse(document)
        return {"valid": not problems, "errors": [{"field": f, "message": m} for f, m in problems]}

    def create(self, document: Any, *, source: str = "api") -> dict[str, Any]:
        doc, problems = self.parse(document)
        if doc is None:
            detail = "; ".join(f"{f}: {m}" if f else m for f, m in problems)
            raise WorkflowDefinitionError(detail, errors=[FieldError(f, m) for f, m in problems])
        with self.gateway.unit_of_work() as uow:
            if self.store.find(uow, WorkflowRef(name=doc.name, version=doc.version)) is not None:
                raise WorkflowExists(f"workflow {doc.name} v{doc.version} exists")
            now = self.gateway.clock.now()
            workflowid = self.store.insert(uow, doc, source=source, now=now)
            created = self.store.find(uow, WorkflowRef(workflowid=workflowid))
            assert created is not None
            started = self.slots.reconcile(uow, created, now).started
            self.gateway.audit(uow, "workflow", str(workflowid), "create", new_state=created.label)
            return workflow_record(created, self.store.steps(uow, workflowid), len(started))

    def record(self, wf: Workflow, *, with_steps: bool = True) -> dict[str, Any]:
        with self.gateway.unit_of_work() as uow:
            steps = self.store.steps(uow, wf.workflowid) if with_steps else None
            return workflow_record(wf, steps, len(self.store.running(uow, wf.workflowid)))

    def delete(self, wf: Workflow) -> None:
        if wf.source == "code":
            raise WorkflowReadonly(f"{wf.label} is defined in code")
        if self._order_count(wf.workflowid):
            raise WorkflowInUse(f"{wf.label} has orders")
        with self.gateway.unit_of_work() as uow:
            self.store.delete(uow, wf.workflowid)
            self.gateway.audit(uow, "workflow", str(wf.workflowid), "delete", old_state=wf.label)

    def _order_count(self, workflowid: int) -> int:
        stats = self.gateway.service("orders.stats", required=False)
        if stats is None:
            return 0
        counts = stats.counts([workflowid], _EPOCH)
        return int(counts.get(workflowid, {}).get("TOTAL", 0))

    def sync(self, documents: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert missing code-defined (name, version)s; an existing one is never changed (§2.4)."""
        inserted = []
        for document in documents:
            doc, problems = self.parse(document)
            if doc is None:
                raise RuntimeError(f"code-defined workflow {document.get('name')!r} is invalid: {problems}")
            with self.gateway.unit_of_work(source="engine") as uow:
                found = self.store.find(uow, WorkflowRef(name=doc.name, version=doc.version))
                if found is not None:
                    if found.steps_hash != doc.steps_hash:
                        log.warning(
                            "workflow %s steps differ from code; bump the version to change them", found.label
                        )
                    continue
                now = self.gateway.clock.now()
                workflowid = self.store.insert(uow, doc, source="code", now=now)
                created = self.store.find(uow, WorkflowRef(workflowid=workflowid))
                assert created is not None
                self.slots.reconcile(uow, created, now)
                self.gateway.audit(uow, "workflow", str(workflowid), "sync", new_state=created.label)
                inserted.append(workflowid)
        return inserted
