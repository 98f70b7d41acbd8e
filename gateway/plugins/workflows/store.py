"""Statements over gw_workflow, gw_workflow_step and gw_exec_instance, run on the caller's unit of work.

Only this module, `errorstore.py` and `activitystore.py` build statements; they hold no HTTP or
permission logic. `uow` is anything with `execute(statement)` (core's UnitOfWork).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from gateway.plugins.workflows.definition import WorkflowDoc, WorkflowRef, version_sort
from gateway.plugins.workflows.tables import WorkflowTables

RUNNING, STOPPED = "RUNNING", "STOPPED"


class Uow(Protocol):
    def execute(self, statement: Any, parameters: Any = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class Workflow:
    """A gw_workflow row."""

    workflowid: int
    name: str
    version: str
    description: str | None
    author: str | None
    source: str
    enabled: bool
    deprecated: bool
    autostart: int
    manual_autostart: bool
    max_instances: int
    options: dict[str, Any]
    option_list: tuple[str, ...]
    keylist: tuple[str, ...]
    record_table: str | None
    steps_hash: str
    config_version: int
    created: datetime
    modified: datetime

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def runs(self) -> bool:
        return self.enabled and not self.deprecated


@dataclass(frozen=True, slots=True)
class Step:
    """A gw_workflow_step row, with its definition fields flattened back."""

    stepid: int
    workflowid: int
    seq: int
    name: str
    type: str
    function: str | None
    definition: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.definition.get(key, default)


def _workflow(row: Any) -> Workflow:
    return Workflow(
        workflowid=int(row.workflowid), name=row.name, version=row.version, description=row.description,
        author=row.author, source=row.source, enabled=bool(row.enabled), deprecated=bool(row.deprecated),
        autostart=int(row.autostart), manual_autostart=bool(row.manual_autostart),
        max_instances=int(row.max_instances), options=dict(row.options or {}),
        option_list=tuple(row.option_list or ()), keylist=tuple(row.keylist or ()),
        record_table=row.record_table, steps_hash=row.steps_hash, config_version=int(row.config_version),
        created=row.created, modified=row.modified,
    )  # fmt: skip


class WorkflowStore:
    """Reads and writes of definitions and execution instances."""

    def __init__(self, tables: WorkflowTables) -> None:
        self.t = tables

    def find(self, uow: Uow, ref: WorkflowRef) -> Workflow | None:
        wf = self.t.workflow
        query = sa.select(wf)
        if ref.workflowid is not None:
            query = query.where(wf.c.workflowid == ref.workflowid)
        elif ref.version is not None:
            query = query.where(wf.c.name == ref.name, wf.c.version == ref.version)
        else:
            query = query.where(wf.c.name == ref.name).order_by(wf.c.version_sort.desc()).limit(1)
        row = uow.execute(query).first()
        return _workflow(row) if row is not None else None

    def all(self, uow: Uow) -> list[Workflow]:
        wf = self.t.workflow
        rows = uow.execute(sa.select(wf).order_by(wf.c.name, wf.c.version_sort.desc())).all()
        return [_workflow(r) for r in rows]

    def by_ids(self, uow: Uow, ids: Sequence[int]) -> dict[int, Workflow]:
        if not ids:
            return {}
        wf = self.t.workflow
        rows = uow.execute(sa.select(wf).where(wf.c.workflowid.in_(list(ids)))).all()
        return {int(r.workflowid): _workflow(r) for r in rows}

    def steps(self, uow: Uow, workflowid: int) -> list[Step]:
        st = self.t.step
        rows = uow.execute(sa.select(st).where(st.c.workflowid == workflowid).order_by(st.c.seq)).all()
        return [
            Step(
                int(r.stepid), int(r.workflowid), r.seq, r.name, r.type, r.function, dict(r.definition or {})
            )
            for r in rows
        ]

    def step(self, uow: Uow, stepid: int) -> Step | None:
        st = self.t.step
        r = uow.execute(sa.select(st).where(st.c.stepid == stepid)).first()
        if r is None:
            return None
        return Step(
            int(r.stepid), int(r.workflowid), r.seq, r.name, r.type, r.function, dict(r.definition or {})
        )

    def insert(self, uow: Uow, doc: WorkflowDoc, *, source: str, now: datetime) -> int:
        values = {
            "name": doc.name, "version": doc.version, "version_sort": version_sort(doc.version),
            "description": doc.description, "author": doc.author, "source": source, "enabled": doc.enabled,
            "deprecated": doc.deprecated, "autostart": doc.autostart, "manual_autostart": False,
            "max_instances": doc.max_instances, "options": doc.options, "option_list": list(doc.option_list),
            "keylist": list(doc.keylist), "record_table": doc.record_table, "steps_hash": doc.steps_hash,
            "config_version": 1, "created": now, "modified": now,
        }  # fmt: skip
        workflowid = int(uow.execute(self.t.workflow.insert().values(**values)).inserted_primary_key[0])
        for seq, step in enumerate(doc.steps):
            uow.execute(
                self.t.step.insert().values(
                    workflowid=workflowid,
                    seq=seq,
                    name=step.name,
                    type=step.type,
                    function=step.function,
                    definition=step.definition,
                )  # fmt: skip
            )
        return workflowid

    def update(self, uow: Uow, workflowid: int, now: datetime, **values: Any) -> None:
        wf = self.t.workflow
        uow.execute(wf.update().where(wf.c.workflowid == workflowid).values(modified=now, **values))

    def bump_config(self, uow: Uow, workflowids: Sequence[int], now: datetime) -> None:
        wf = self.t.workflow
        stmt = wf.update().where(wf.c.workflowid.in_(list(workflowids)))
        uow.execute(stmt.values(config_version=wf.c.config_version + 1, modified=now))

    def delete(self, uow: Uow, workflowid: int) -> None:
        for table in (self.t.step, self.t.exec_instance, self.t.workflow):
            uow.execute(table.delete().where(table.c.workflowid == workflowid))
        errdef = self.t.error_definition
        uow.execute(errdef.delete().where(errdef.c.workflowid == workflowid))

    # --- execution instances ---------------------------------------------------------------------

    def running(self, uow: Uow, workflowid: int) -> list[int]:
        ex = self.t.exec_instance
        query = sa.select(ex.c.execid).where(ex.c.workflowid == workflowid, ex.c.status == RUNNING)
        return [int(r[0]) for r in uow.execute(query.order_by(ex.c.execid)).all()]

    def running_counts(self, uow: Uow, workflowids: Sequence[int]) -> dict[int, int]:
        ex = self.t.exec_instance
        query = (
            sa.select(ex.c.workflowid, sa.func.count())
            .where(ex.c.workflowid.in_(list(workflowids)), ex.c.status == RUNNING)
            .group_by(ex.c.workflowid)
        )
        return {int(w): int(n) for w, n in uow.execute(query).all()} if workflowids else {}

    def start_instances(
        self, uow: Uow, workflowid: int, count: int, now: datetime, mode: str = "NORMAL"
    ) -> list[int]:
        ids = []
        for _ in range(max(count, 0)):
            stmt = self.t.exec_instance.insert().values(
                workflowid=workflowid, mode=mode, status=RUNNING, started=now
            )
            ids.append(int(uow.execute(stmt).inserted_primary_key[0]))
        return ids

    def stop_instances(self, uow: Uow, execids: Sequence[int], now: datetime) -> None:
        """Mark STOPPED; an instance holding an order keeps it until the order's step ends (no new one)."""
        if execids:
            ex = self.t.exec_instance
            stmt = ex.update().where(ex.c.execid.in_(list(execids)), ex.c.status == RUNNING)
            uow.execute(stmt.values(status=STOPPED, stopped=now))
