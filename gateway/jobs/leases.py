"""Engine sessions (heartbeats, death) and lease rows in gw_periodic (periodic tasks, SQLite work leader).

Statements only, bound from the app clock (plugins.md §9.5, §9.7); the loops that call them live in
`gateway.jobs.runner`. A session is dead when stopped or when its heartbeat is older than the lease.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

WORK_LEADER = "__work_leader__"


def start_session(conn: Connection, table: sa.Table, *, kind: str, node_id: str, now: datetime) -> int:
    host, pid = socket.gethostname(), os.getpid()
    values = {
        "kind": kind,
        "node_id": node_id or f"{host}:{pid}",
        "hostname": host,
        "pid": pid,
        "started": now,
        "heartbeat_at": now,
    }
    return int(conn.execute(table.insert().values(**values)).inserted_primary_key[0])


def beat(conn: Connection, table: sa.Table, session_id: int, now: datetime) -> None:
    conn.execute(table.update().where(table.c.id == session_id).values(heartbeat_at=now))


def stop_session(conn: Connection, table: sa.Table, session_id: int, now: datetime) -> None:
    conn.execute(table.update().where(table.c.id == session_id).values(stopped_at=now))


def expire_session(
    conn: Connection, table: sa.Table, session_id: int, now: datetime, lease_seconds: int
) -> int:
    """Test hook: make a session look dead to the next reaper run."""
    stale = now - timedelta(seconds=2 * lease_seconds)
    return int(
        conn.execute(table.update().where(table.c.id == session_id).values(heartbeat_at=stale)).rowcount
    )


def dead_clause(table: sa.Table, now: datetime, lease_seconds: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        table.c.stopped_at.is_not(None), table.c.heartbeat_at < now - timedelta(seconds=lease_seconds)
    )


def dead_sessions(conn: Connection, table: sa.Table, now: datetime, lease_seconds: int) -> list[int]:
    stmt = sa.select(table.c.id).where(dead_clause(table, now, lease_seconds))
    return [int(v) for v in conn.execute(stmt).scalars()]


def is_alive(conn: Connection, table: sa.Table, session_id: int, now: datetime, lease_seconds: int) -> bool:
    stmt = sa.select(table.c.id).where(table.c.id == session_id, ~dead_clause(table, now, lease_seconds))
    return conn.execute(stmt).first() is not None


def purge_sessions(conn: Connection, table: sa.Table, before: datetime) -> int:
    stmt = table.delete().where(sa.or_(table.c.stopped_at < before, table.c.heartbeat_at < before))
    return int(conn.execute(stmt).rowcount)


def ensure_periodic(conn: Connection, table: sa.Table, name: str, every: float, now: datetime) -> None:
    """Create the lease row of a task once (due now); a concurrent insert by another node is fine."""
    if conn.execute(sa.select(table.c.name).where(table.c.name == name)).first() is not None:
        conn.execute(
            table.update()
            .where(table.c.name == name, table.c.every_seconds != every)
            .values(every_seconds=every)
        )
        return
    with conn.begin_nested() as nested:
        try:
            conn.execute(table.insert().values(name=name, every_seconds=every, next_run_at=now))
        except sa.exc.IntegrityError:
            nested.rollback()


def take_periodic(
    conn: Connection,
    table: sa.Table,
    name: str,
    session_id: int,
    now: datetime,
    every: float,
    lease_seconds: int,
) -> bool:
    """Take a due task (plugins.md §9.7); True = run it now."""
    free = sa.or_(table.c.holder.is_(None), table.c.lease_until < now, table.c.holder == session_id)
    stmt = (
        table.update()
        .where(table.c.name == name, table.c.next_run_at <= now, free)
        .values(
            holder=session_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            next_run_at=now + timedelta(seconds=every),
        )
    )
    return bool(conn.execute(stmt).rowcount == 1)


def next_run(conn: Connection, table: sa.Table, name: str) -> datetime | None:
    """When the task is next due (stored as UTC; naive values from SQLite and MariaDB are read as UTC)."""
    value = conn.execute(sa.select(table.c.next_run_at).where(table.c.name == name)).scalar()
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def release_periodic(
    conn: Connection, table: sa.Table, name: str, session_id: int, now: datetime, error: str | None
) -> None:
    stmt = table.update().where(table.c.name == name, table.c.holder == session_id)
    conn.execute(stmt.values(lease_until=now, last_run_at=now, last_error=error))


def take_leadership(
    conn: Connection, table: sa.Table, session_id: int, now: datetime, lease_seconds: int
) -> bool:
    """The SQLite work leader lease: rowcount 1 = this session is (still) the leader."""
    ensure_periodic(conn, table, WORK_LEADER, 0.0, now)
    free = sa.or_(table.c.holder.is_(None), table.c.holder == session_id, table.c.lease_until < now)
    stmt = table.update().where(table.c.name == WORK_LEADER, free)
    values: dict[str, Any] = {"holder": session_id, "lease_until": now + timedelta(seconds=lease_seconds)}
    return bool(conn.execute(stmt.values(**values)).rowcount == 1)
