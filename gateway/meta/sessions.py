"""Repository functions over login sessions, refresh-token rows, API tokens and the login failure counters.

Every function takes an open connection and the CoreTables; time is passed in by the caller (its clock).
Only hashes of token ids are stored here, never a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.meta.store import utc
from gateway.meta.tables import CoreTables


@dataclass(frozen=True, slots=True)
class NewSession:
    user_id: int
    role_id: int
    client_id: int
    org_id: int
    warehouse_id: int | None
    language: str
    created: datetime
    absolute_expires_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshRow:
    id: int
    session_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    user_id: int
    role_id: int
    client_id: int
    org_id: int
    warehouse_id: int | None
    language: str


def get_session(conn: Connection, tables: CoreTables, session_id: int) -> SessionRow | None:
    s = tables.session
    names = ("id", "user_id", "role_id", "client_id", "org_id", "warehouse_id", "language")
    row = conn.execute(sa.select(*(s.c[n] for n in names)).where(s.c.id == session_id)).first()
    return None if row is None else SessionRow(*row)


def create_session(conn: Connection, tables: CoreTables, new: NewSession) -> int:
    values = {name: getattr(new, name) for name in NewSession.__dataclass_fields__}
    return int(conn.execute(tables.session.insert().values(**values)).inserted_primary_key[0])


def session_alive(conn: Connection, tables: CoreTables, session_id: int, user_id: int, now: datetime) -> bool:
    """One indexed query: open session, before its absolute expiry, user and role active, role still held."""
    s, u, r, ur = tables.session, tables.user, tables.role, tables.user_role
    stmt = (
        sa.select(s.c.absolute_expires_at)
        .join(u, u.c.id == s.c.user_id)
        .join(r, r.c.id == s.c.role_id)
        .join(ur, sa.and_(ur.c.user_id == s.c.user_id, ur.c.role_id == s.c.role_id))
        .where(s.c.id == session_id, s.c.user_id == user_id, s.c.logged_out_at.is_(None))
        .where(u.c.is_active == sa.true(), r.c.is_active == sa.true())
    )
    expires = conn.execute(stmt).scalar()
    return expires is not None and now < utc(expires)  # type: ignore[operator]


def close_session(conn: Connection, tables: CoreTables, session_id: int, now: datetime, reason: str) -> None:
    """Log a session out and revoke its refresh chain (idempotent)."""
    s = tables.session
    conn.execute(
        s.update()
        .where(s.c.id == session_id, s.c.logged_out_at.is_(None))
        .values(logged_out_at=now, revoke_reason=reason)
    )
    rt = tables.refresh_token
    conn.execute(
        rt.update().where(rt.c.session_id == session_id, rt.c.revoked_at.is_(None)).values(revoked_at=now)
    )


def close_sessions_of(
    conn: Connection, tables: CoreTables, now: datetime, reason: str, *, user_id: int | None = None,
    role_id: int | None = None,
) -> int:  # fmt: skip
    """Close every open session of a user and/or role; returns how many were open."""
    s = tables.session
    stmt = sa.select(s.c.id).where(s.c.logged_out_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(s.c.user_id == user_id)
    if role_id is not None:
        stmt = stmt.where(s.c.role_id == role_id)
    ids = conn.execute(stmt).scalars().all()
    for session_id in ids:
        close_session(conn, tables, session_id, now, reason)
    return len(ids)


def add_refresh(
    conn: Connection, tables: CoreTables, token_hash: str, session_id: int, parent_id: int | None,
    issued_at: datetime, expires_at: datetime,
) -> int:  # fmt: skip
    values = {"token_hash": token_hash, "session_id": session_id, "parent_id": parent_id}
    values |= {"issued_at": issued_at, "expires_at": expires_at}
    return int(conn.execute(tables.refresh_token.insert().values(**values)).inserted_primary_key[0])


def find_refresh(conn: Connection, tables: CoreTables, token_hash: str) -> RefreshRow | None:
    rt = tables.refresh_token
    row = conn.execute(
        sa.select(rt.c.id, rt.c.session_id, rt.c.expires_at).where(rt.c.token_hash == token_hash)
    ).first()
    return None if row is None else RefreshRow(int(row[0]), int(row[1]), utc(row[2]))  # type: ignore[arg-type]


def use_refresh(conn: Connection, tables: CoreTables, refresh_id: int, now: datetime) -> bool:
    """Atomically mark an unused, unrevoked row used; False means replay (or a lost race)."""
    rt = tables.refresh_token
    result = conn.execute(
        rt.update()
        .where(rt.c.id == refresh_id, rt.c.used_at.is_(None), rt.c.revoked_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def session_expiry(conn: Connection, tables: CoreTables, session_id: int) -> datetime | None:
    s = tables.session
    return utc(conn.execute(sa.select(s.c.absolute_expires_at).where(s.c.id == session_id)).scalar())


# --- login failures --------------------------------------------------------------------------------


def locked_until(conn: Connection, tables: CoreTables, name: str, now: datetime) -> datetime | None:
    lf = tables.login_failure
    until = utc(conn.execute(sa.select(lf.c.locked_until).where(lf.c.name_lower == name.lower())).scalar())
    return until if until is not None and until > now else None


def record_failure(
    conn: Connection, tables: CoreTables, name: str, now: datetime, *, max_failures: int, window: timedelta,
    lock: timedelta,
) -> None:  # fmt: skip
    """Count a failed login for a name (known or not); lock it when the window holds too many."""
    lf, key = tables.login_failure, name.lower()
    row = conn.execute(sa.select(lf.c.failures, lf.c.window_start).where(lf.c.name_lower == key)).first()
    if row is None:
        conn.execute(lf.insert().values(name_lower=key, failures=1, window_start=now))
        failures = 1
    else:
        fresh = now - utc(row[1]) > window  # type: ignore[operator]
        failures = 1 if fresh else int(row[0]) + 1
        values = {"failures": failures, "locked_until": None} | ({"window_start": now} if fresh else {})
        conn.execute(lf.update().where(lf.c.name_lower == key).values(**values))
    if failures >= max_failures:
        conn.execute(lf.update().where(lf.c.name_lower == key).values(locked_until=now + lock, failures=0))


def clear_failures(conn: Connection, tables: CoreTables, name: str) -> None:
    conn.execute(tables.login_failure.delete().where(tables.login_failure.c.name_lower == name.lower()))


def address_failures(conn: Connection, tables: CoreTables, address: str, minute: int) -> int:
    lr = tables.login_rate
    stmt = sa.select(lr.c.failures).where(lr.c.address == address, lr.c.minute == minute)
    return int(conn.execute(stmt).scalar() or 0)


def record_address_failure(conn: Connection, tables: CoreTables, address: str, minute: int) -> None:
    lr = tables.login_rate
    where = (lr.c.address == address, lr.c.minute == minute)
    if conn.execute(lr.update().where(*where).values(failures=lr.c.failures + 1)).rowcount == 0:
        conn.execute(lr.insert().values(address=address, minute=minute, failures=1))


# --- API tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewApiToken:
    token_hash: str
    prefix: str
    name: str
    user_id: int
    role_id: int
    client_id: int
    org_id: int
    warehouse_id: int | None
    language: str
    created: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiTokenRow:
    id: int
    prefix: str
    name: str
    user_id: int
    role_id: int
    client_id: int
    org_id: int
    warehouse_id: int | None
    language: str
    created: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_name: str = ""


_TOKEN_COLUMNS = (
    "id", "prefix", "name", "user_id", "role_id", "client_id", "org_id", "warehouse_id", "language",
    "created",
    "expires_at", "last_used_at", "revoked_at",
)  # fmt: skip


def _token_row(row: sa.Row[Any]) -> ApiTokenRow:
    values = list(row)
    for index in (9, 10, 11, 12):
        values[index] = utc(values[index])
    return ApiTokenRow(*values)


def add_api_token(conn: Connection, tables: CoreTables, new: NewApiToken) -> int:
    values = {name: getattr(new, name) for name in NewApiToken.__dataclass_fields__}
    return int(conn.execute(tables.api_token.insert().values(**values)).inserted_primary_key[0])


def live_api_token(
    conn: Connection, tables: CoreTables, token_hash: str, now: datetime
) -> ApiTokenRow | None:
    """One indexed query: the token row when not revoked, not expired, user and role active, role held."""
    t, u, r, ur = tables.api_token, tables.user, tables.role, tables.user_role
    stmt = (
        sa.select(*(t.c[n] for n in _TOKEN_COLUMNS), u.c.name)
        .join(u, u.c.id == t.c.user_id)
        .join(r, r.c.id == t.c.role_id)
        .join(ur, sa.and_(ur.c.user_id == t.c.user_id, ur.c.role_id == t.c.role_id))
        .where(t.c.token_hash == token_hash, t.c.revoked_at.is_(None))
        .where(u.c.is_active == sa.true(), r.c.is_active == sa.true())
    )
    row = conn.execute(stmt).first()
    if row is None:
        return None
    token = _token_row(row)
    return None if token.expires_at is not None and token.expires_at <= now else token


def list_api_tokens(conn: Connection, tables: CoreTables, client_id: int | None = None) -> list[ApiTokenRow]:
    """Every token (of one client when given), newest first; the hash is never read."""
    t, u = tables.api_token, tables.user
    stmt = sa.select(*(t.c[n] for n in _TOKEN_COLUMNS), u.c.name).join(u, u.c.id == t.c.user_id)
    if client_id is not None:
        stmt = stmt.where(t.c.client_id == client_id)
    return [_token_row(row) for row in conn.execute(stmt.order_by(t.c.id.desc()))]


def get_api_token(conn: Connection, tables: CoreTables, token_id: int) -> ApiTokenRow | None:
    t, u = tables.api_token, tables.user
    stmt = sa.select(*(t.c[n] for n in _TOKEN_COLUMNS), u.c.name).join(u, u.c.id == t.c.user_id)
    row = conn.execute(stmt.where(t.c.id == token_id)).first()
    return None if row is None else _token_row(row)


def revoke_api_token(conn: Connection, tables: CoreTables, token_id: int, now: datetime) -> bool:
    """Revoke a token (idempotent); False when no such token exists."""
    t = tables.api_token
    if conn.execute(sa.select(t.c.id).where(t.c.id == token_id)).first() is None:
        return False
    conn.execute(t.update().where(t.c.id == token_id, t.c.revoked_at.is_(None)).values(revoked_at=now))
    return True


def touch_api_token(conn: Connection, tables: CoreTables, token_id: int, now: datetime) -> None:
    """Record a use at most once a minute (the WHERE makes concurrent workers agree)."""
    t = tables.api_token
    stale = sa.or_(t.c.last_used_at.is_(None), t.c.last_used_at <= now - timedelta(minutes=1))
    conn.execute(t.update().where(t.c.id == token_id, stale).values(last_used_at=now))
