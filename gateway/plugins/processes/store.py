"""Core statements over the plugin's own gw_* tables, run through a unit of work's `execute(stmt)`.

The unit of work comes from `core.Gateway.unit_of_work()` (or a connection in unit tests): this module
never opens connections. Rows leave as plain dicts keyed by column name; JSON shaping is in `records.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from gateway.plugins.processes.naming import Ref
from gateway.plugins.processes.tables import ProcessTables

UNFINISHED = ("queued", "running")


class Executor(Protocol):
    def execute(self, statement: Any) -> Any: ...


def _one(uow: Executor, stmt: Any) -> dict[str, Any] | None:
    row = uow.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


def _all(uow: Executor, stmt: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in uow.execute(stmt).all()]


def _insert(uow: Executor, table: sa.Table, values: Mapping[str, Any]) -> int:
    return int(uow.execute(table.insert().values(**values)).inserted_primary_key[0])


# --- processes and versions ------------------------------------------------------------------------


def find_process(uow: Executor, t: ProcessTables, ref: Ref) -> dict[str, Any] | None:
    column = t.process.c[ref.column]
    return _one(uow, sa.select(t.process).where(column == ref.value))


def all_processes(uow: Executor, t: ProcessTables) -> list[dict[str, Any]]:
    return _all(uow, sa.select(t.process).order_by(t.process.c.value))


def taken_names(uow: Executor, t: ProcessTables) -> set[str]:
    """Every value (lower-case) and slug in use."""
    rows = uow.execute(sa.select(t.process.c.value, t.process.c.slug)).all()
    return {r.value.lower() for r in rows} | {r.slug for r in rows}


def clash(uow: Executor, t: ProcessTables, value: str, slug: str, uid: str | None = None) -> bool:
    p = t.process
    cond = sa.or_(sa.func.lower(p.c.value) == value.lower(), p.c.slug == slug)
    if uid is not None:
        cond = sa.and_(cond, p.c.uid != uid)
    return uow.execute(sa.select(p.c.id).where(cond).limit(1)).first() is not None


def insert_process(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> int:
    return _insert(uow, t.process, values)


def update_process(uow: Executor, t: ProcessTables, process_id: int, values: Mapping[str, Any]) -> None:
    uow.execute(t.process.update().where(t.process.c.id == process_id).values(**values))


def delete_process(uow: Executor, t: ProcessTables, row: Mapping[str, Any]) -> None:
    uow.execute(t.schedule.delete().where(t.schedule.c.process_id == row["id"]))
    uow.execute(t.version.delete().where(t.version.c.process_uid == row["uid"]))
    uow.execute(t.process.delete().where(t.process.c.id == row["id"]))


def add_version(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> None:
    _insert(uow, t.version, values)


def versions(uow: Executor, t: ProcessTables, uid: str) -> list[dict[str, Any]]:
    v = t.version
    return _all(uow, sa.select(v).where(v.c.process_uid == uid).order_by(v.c.version.desc()))


def version(uow: Executor, t: ProcessTables, uid: str, number: int) -> dict[str, Any] | None:
    v = t.version
    return _one(uow, sa.select(v).where(v.c.process_uid == uid, v.c.version == number))


def unfinished_instances(uow: Executor, t: ProcessTables, process_uid: str, key: str | None = None) -> int:
    i = t.instance
    stmt = sa.select(sa.func.count()).where(i.c.process_uid == process_uid, i.c.status.in_(UNFINISHED))
    if key is not None:
        stmt = stmt.where(i.c.params_key == key)
    return int(uow.execute(stmt).scalar_one())


# --- instances and logs ----------------------------------------------------------------------------


def insert_instance(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> int:
    return _insert(uow, t.instance, values)


def get_instance(uow: Executor, t: ProcessTables, instance_id: int) -> dict[str, Any] | None:
    return _one(uow, sa.select(t.instance).where(t.instance.c.id == instance_id))


def set_instance(
    uow: Executor,
    t: ProcessTables,
    instance_id: int,
    values: Mapping[str, Any],
    *,
    status_in: Iterable[str] = (),
) -> int:
    """Update an instance; with `status_in`, only while its status is one of those (compare-and-set)."""
    stmt = t.instance.update().where(t.instance.c.id == instance_id)
    if status_in:
        stmt = stmt.where(t.instance.c.status.in_(list(status_in)))
    return int(uow.execute(stmt.values(**values)).rowcount)


def add_logs(uow: Executor, t: ProcessTables, instance_id: int, logs: Iterable[Mapping[str, Any]]) -> None:
    rows = [{"instance_id": instance_id, "seq": n, **log} for n, log in enumerate(logs, start=1)]
    for row in rows:  # the unit of work runs single statements
        uow.execute(t.log.insert().values(**row))


def logs_of(uow: Executor, t: ProcessTables, instance_id: int) -> list[dict[str, Any]]:
    lg = t.log
    return _all(uow, sa.select(lg).where(lg.c.instance_id == instance_id).order_by(lg.c.seq))


def running_instances(uow: Executor, t: ProcessTables) -> list[dict[str, Any]]:
    i = t.instance
    return _all(uow, sa.select(i.c.id, i.c.engine_session_id).where(i.c.status == "running"))


# --- files and notices -----------------------------------------------------------------------------


def insert_file(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> None:
    uow.execute(t.file.insert().values(**values))


def get_file(
    uow: Executor, t: ProcessTables, file_id: str, *, content: bool = False
) -> dict[str, Any] | None:
    columns = [c for c in t.file.c if content or c.name != "content"]
    return _one(uow, sa.select(*columns).where(t.file.c.id == file_id))


def delete_file(uow: Executor, t: ProcessTables, file_id: str) -> None:
    uow.execute(t.file.delete().where(t.file.c.id == file_id))


def purge_expired(uow: Executor, t: ProcessTables, now: datetime) -> int:
    files = uow.execute(t.file.delete().where(t.file.c.expires < now)).rowcount
    notices = uow.execute(t.notice.delete().where(t.notice.c.expires < now)).rowcount
    return int(files) + int(notices)


def insert_notice(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> int:
    return _insert(uow, t.notice, values)


def get_notice(uow: Executor, t: ProcessTables, notice_id: int) -> dict[str, Any] | None:
    return _one(uow, sa.select(t.notice).where(t.notice.c.id == notice_id))


def delete_notice(uow: Executor, t: ProcessTables, notice_id: int) -> None:
    uow.execute(t.notice.delete().where(t.notice.c.id == notice_id))


# --- schedules -------------------------------------------------------------------------------------


def insert_schedule(uow: Executor, t: ProcessTables, values: Mapping[str, Any]) -> int:
    return _insert(uow, t.schedule, values)


def get_schedule(uow: Executor, t: ProcessTables, schedule_id: int) -> dict[str, Any] | None:
    return _one(uow, sa.select(t.schedule).where(t.schedule.c.id == schedule_id))


def set_schedule(uow: Executor, t: ProcessTables, schedule_id: int, values: Mapping[str, Any]) -> None:
    uow.execute(t.schedule.update().where(t.schedule.c.id == schedule_id).values(**values))


def delete_schedule(uow: Executor, t: ProcessTables, schedule_id: int) -> None:
    uow.execute(t.schedule.delete().where(t.schedule.c.id == schedule_id))


def due_schedules(uow: Executor, t: ProcessTables, now: datetime) -> list[dict[str, Any]]:
    s = t.schedule
    stmt = sa.select(s).where(s.c.is_active.is_(True), s.c.next_run.is_not(None), s.c.next_run <= now)
    return _all(uow, stmt.order_by(s.c.next_run, s.c.id))


def advance_schedule(
    uow: Executor, t: ProcessTables, row: Mapping[str, Any], values: Mapping[str, Any]
) -> bool:
    """Compare-and-set on `next_run`: only the node that still sees the old value fires this occurrence."""
    s = t.schedule
    stmt = s.update().where(s.c.id == row["id"], s.c.next_run == row["next_run"]).values(**values)
    return int(uow.execute(stmt).rowcount) == 1
