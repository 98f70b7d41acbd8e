"""The gw_job queue: enqueue in the caller's transaction, claim, fenced finish, retry and recovery.

Claims use FOR UPDATE SKIP LOCKED where the dialect has it and a compare-and-set UPDATE otherwise
(plugins.md §9.4). Every time value is bound from the app clock, never from the database. No threads here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.hooks.types import Job

log = logging.getLogger("gateway.jobs")

QUEUED, CLAIMED, DONE, FAILED, DEAD = "queued", "claimed", "done", "failed", "dead"
_MAX_ERROR = 2000


def enqueue(
    conn: Connection,
    table: sa.Table,
    *,
    kind: str,
    ref: str | None,
    payload: Any,
    now: datetime,
    not_before: datetime | None = None,
    priority: int = 500,
    client_id: int = 0,
    max_attempts: int = 1,
) -> int:
    """Insert a queued job in the open transaction of `conn`; returns its id."""
    values = {
        "kind": kind,
        "ref": ref,
        "client_id": client_id,
        "payload": payload,
        "priority": priority,
        "status": QUEUED,
        "not_before": not_before or now,
        "attempts": 0,
        "max_attempts": max_attempts,
        "created": now,
    }
    result = conn.execute(table.insert().values(**values))
    return int(result.inserted_primary_key[0])


def _due(table: sa.Table, now: datetime, kinds: Sequence[str] | None) -> sa.Select[Any]:
    stmt = sa.select(table.c.id).where(table.c.status == QUEUED, table.c.not_before <= now)
    if kinds is not None:
        stmt = stmt.where(table.c.kind.in_(list(kinds)))
    return stmt.order_by(table.c.priority, table.c.not_before, table.c.id)


def claim(
    source: ConnectionSource,
    table: sa.Table,
    *,
    session_id: int,
    now: datetime,
    lease_seconds: int,
    kinds: Sequence[str] | None = None,
    batch: int = 1,
) -> list[Job]:
    """Claim up to `batch` due jobs for `session_id` in one short transaction."""
    traits = traits_for(source.dialect)
    stamp = {
        "status": CLAIMED,
        "claimed_by": session_id,
        "claimed_at": now,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "attempts": table.c.attempts + 1,
    }
    with source.begin() as conn:
        if traits.supports_skip_locked:
            # SELECT ... FOR UPDATE SKIP LOCKED; UPDATE ... WHERE id IN (...): no two sessions see one row
            ids = list(
                conn.execute(_due(table, now, kinds).limit(batch).with_for_update(skip_locked=True)).scalars()
            )
            if ids:
                conn.execute(table.update().where(table.c.id.in_(ids)).values(**stamp))
        else:
            ids = _claim_cas(conn, table, _due(table, now, kinds).limit(batch), stamp)
        if not ids:
            return []
        rows = conn.execute(
            sa.select(table).where(table.c.id.in_(ids)).order_by(table.c.priority, table.c.id)
        )
        return [job_of(row) for row in rows]


def _claim_cas(conn: Connection, table: sa.Table, due: sa.Select[Any], stamp: dict[str, Any]) -> list[int]:
    """Compare-and-set claims (SQLite leader, servers without SKIP LOCKED): rowcount 0 = another won."""
    won = []
    for job_id in list(conn.execute(due).scalars()):
        stmt = table.update().where(table.c.id == job_id, table.c.status == QUEUED).values(**stamp)
        if conn.execute(stmt).rowcount == 1:
            won.append(job_id)
    return won


def job_of(row: Any) -> Job:
    m = row._mapping
    return Job(
        id=int(m["id"]),
        kind=m["kind"],
        ref=m["ref"],
        client_id=int(m["client_id"]),
        payload=m["payload"],
        priority=int(m["priority"]),
        attempts=int(m["attempts"]),
        max_attempts=int(m["max_attempts"]),
        claimed_by=m["claimed_by"],
        last_error=m["last_error"],
    )


def finish(
    source: ConnectionSource,
    table: sa.Table,
    job: Job,
    *,
    session_id: int,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Fenced finish: done, failed, or queued again for a retry. False when the lease was lost."""
    if error is None:
        values: dict[str, Any] = {"status": DONE, "finished_at": now, "last_error": None}
    elif retry_at is not None:
        values = {
            "status": QUEUED,
            "not_before": retry_at,
            "claimed_by": None,
            "lease_until": None,
            "last_error": error[:_MAX_ERROR],
        }
    else:
        values = {"status": FAILED, "finished_at": now, "last_error": error[:_MAX_ERROR]}
    fence = sa.and_(table.c.id == job.id, table.c.claimed_by == session_id, table.c.status == CLAIMED)
    with source.begin() as conn:
        updated = conn.execute(table.update().where(fence).values(**values)).rowcount
    if updated != 1:
        log.warning("job %s (%s) finished after its lease was lost; result discarded", job.id, job.kind)
    return bool(updated == 1)


def extend_leases(conn: Connection, table: sa.Table, session_id: int, lease_until: datetime) -> None:
    conn.execute(
        table.update()
        .where(table.c.claimed_by == session_id, table.c.status == CLAIMED)
        .values(lease_until=lease_until)
    )


def lost_jobs(conn: Connection, table: sa.Table, dead_sessions: Sequence[int], now: datetime) -> list[Job]:
    """Claimed jobs whose session is dead or whose lease ran out."""
    lost = table.c.lease_until < now
    if dead_sessions:
        lost = sa.or_(lost, table.c.claimed_by.in_(list(dead_sessions)))
    rows = conn.execute(sa.select(table).where(table.c.status == CLAIMED, lost))
    return [job_of(row) for row in rows]


def recover(conn: Connection, table: sa.Table, job: Job, *, now: datetime, retry_at: datetime | None) -> bool:
    """Requeue (retry_at given) or mark dead a lost job; compare-and-set on its claim."""
    if retry_at is not None:
        values: dict[str, Any] = {
            "status": QUEUED,
            "not_before": retry_at,
            "claimed_by": None,
            "lease_until": None,
            "last_error": "worker lost",
        }
    else:
        values = {"status": DEAD, "finished_at": now, "last_error": "worker lost"}
    fence = sa.and_(table.c.id == job.id, table.c.status == CLAIMED, table.c.attempts == job.attempts)
    return bool(conn.execute(table.update().where(fence).values(**values)).rowcount == 1)


def purge(conn: Connection, table: sa.Table, before: datetime) -> int:
    stmt = table.delete().where(table.c.status == DONE, table.c.finished_at < before)
    return int(conn.execute(stmt).rowcount)
