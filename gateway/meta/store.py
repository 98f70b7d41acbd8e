"""Repository functions over the identity tables: users, roles, their grants and the role policy.

Every function takes an open connection and the CoreTables; none opens a transaction or builds an engine.
Names are matched case-insensitively through the `name_lower` columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.actor import RolePolicy
from gateway.meta.tables import CoreTables
from gateway.settings import Settings

BUILTIN_ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    password_hash: str | None
    is_active: bool
    is_service: bool


@dataclass(frozen=True, slots=True)
class RoleRow:
    id: int
    name: str
    client_id: int
    is_admin: bool
    is_active: bool = True

    @property
    def is_builtin_admin(self) -> bool:
        """The built-in `Admin` role may be used at every client (security.md §3.1)."""
        return self.client_id == 0 and self.is_admin and self.name.lower() == BUILTIN_ADMIN


@dataclass(frozen=True, slots=True)
class RoleGrants:
    """What `gateway roles add` stores for a role besides its row."""

    orgs: tuple[int, ...] = ()
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    deny: tuple[tuple[str, str], ...] = ()
    permissions: tuple[str, ...] = ()


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC: SQLite and MariaDB hand back naive values of what was stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --- users -----------------------------------------------------------------------------------------


def _user(row: sa.Row[tuple[int, str, str | None, bool, bool]] | None) -> UserRow | None:
    return None if row is None else UserRow(row[0], row[1], row[2], bool(row[3]), bool(row[4]))


def find_user(conn: Connection, tables: CoreTables, name: str) -> UserRow | None:
    u = tables.user
    stmt = sa.select(u.c.id, u.c.name, u.c.password_hash, u.c.is_active, u.c.is_service)
    return _user(conn.execute(stmt.where(u.c.name_lower == name.lower())).first())


def get_user(conn: Connection, tables: CoreTables, user_id: int) -> UserRow | None:
    u = tables.user
    stmt = sa.select(u.c.id, u.c.name, u.c.password_hash, u.c.is_active, u.c.is_service)
    return _user(conn.execute(stmt.where(u.c.id == user_id)).first())


def add_user(
    conn: Connection,
    tables: CoreTables,
    name: str,
    password_hash: str | None,
    *,
    is_service: bool,
    now: datetime,
) -> int:
    values = {"name": name, "name_lower": name.lower(), "password_hash": password_hash}
    values |= {"is_active": True, "is_service": is_service, "created": now, "password_changed": now}
    return int(conn.execute(tables.user.insert().values(**values)).inserted_primary_key[0])


def set_password_hash(conn: Connection, tables: CoreTables, user_id: int, hashed: str, now: datetime) -> None:
    u = tables.user
    conn.execute(u.update().where(u.c.id == user_id).values(password_hash=hashed, password_changed=now))


def set_user_active(conn: Connection, tables: CoreTables, user_id: int, active: bool) -> None:
    conn.execute(tables.user.update().where(tables.user.c.id == user_id).values(is_active=active))


def list_users(conn: Connection, tables: CoreTables) -> list[tuple[UserRow, tuple[str, ...]]]:
    """Every user with the names of its roles, by user name."""
    u = tables.user
    rows = conn.execute(
        sa.select(u.c.id, u.c.name, u.c.password_hash, u.c.is_active, u.c.is_service).order_by(u.c.name_lower)
    ).all()
    result = []
    for row in rows:
        user = _user(row)
        assert user is not None
        result.append((user, tuple(r.name for r in user_roles(conn, tables, user.id, active_only=False))))
    return result


# --- roles -----------------------------------------------------------------------------------------

_ROLE_COLUMNS = ("id", "name", "client_id", "is_admin", "is_active")


def _role(row: Sequence[object]) -> RoleRow:
    return RoleRow(int(row[0]), str(row[1]), int(row[2]), bool(row[3]), bool(row[4]))  # type: ignore[call-overload]


def _role_select(tables: CoreTables) -> sa.Select[tuple[int, str, int, bool, bool]]:
    r = tables.role
    return sa.select(*(r.c[name] for name in _ROLE_COLUMNS))


def user_roles(
    conn: Connection, tables: CoreTables, user_id: int, *, active_only: bool = True
) -> list[RoleRow]:
    """The roles assigned to a user, by name."""
    r, ur = tables.role, tables.user_role
    stmt = _role_select(tables).join(ur, ur.c.role_id == r.c.id).where(ur.c.user_id == user_id)
    if active_only:
        stmt = stmt.where(r.c.is_active == sa.true())
    return [_role(row) for row in conn.execute(stmt.order_by(r.c.name_lower, r.c.id))]


def find_roles(
    conn: Connection, tables: CoreTables, name: str, client_id: int | None = None
) -> list[RoleRow]:
    r = tables.role
    stmt = _role_select(tables).where(r.c.name_lower == name.lower())
    if client_id is not None:
        stmt = stmt.where(r.c.client_id == client_id)
    return [_role(row) for row in conn.execute(stmt.order_by(r.c.id))]


def get_role(conn: Connection, tables: CoreTables, role_id: int) -> RoleRow | None:
    row = conn.execute(_role_select(tables).where(tables.role.c.id == role_id)).first()
    return None if row is None else _role(row)


def list_roles(conn: Connection, tables: CoreTables) -> list[RoleRow]:
    r = tables.role
    return [_role(row) for row in conn.execute(_role_select(tables).order_by(r.c.client_id, r.c.name_lower))]


def add_role(
    conn: Connection, tables: CoreTables, name: str, *, client_id: int, is_admin: bool, grants: RoleGrants
) -> int:
    """Insert a role and its grants; write implies read (a table listed in both is stored once, writable)."""
    values = {"name": name, "name_lower": name.lower(), "client_id": client_id, "is_admin": is_admin}
    role_id = int(conn.execute(tables.role.insert().values(**values, is_active=True)).inserted_primary_key[0])
    _insert(
        conn, tables.role_org, [{"role_id": role_id, "org_id": org} for org in dict.fromkeys(grants.orgs)]
    )
    patterns = {t.lower(): False for t in grants.read} | {t.lower(): True for t in grants.write}
    rows = [{"role_id": role_id, "table_pattern": t, "can_write": w} for t, w in patterns.items()]
    _insert(conn, tables.role_table, rows)
    deny = dict.fromkeys((t.lower(), c.lower()) for t, c in grants.deny)
    rows = [{"role_id": role_id, "table_pattern": t, "column_name": c} for t, c in deny]
    _insert(conn, tables.role_column_deny, rows)
    rows = [{"role_id": role_id, "permission": p} for p in dict.fromkeys(grants.permissions)]
    _insert(conn, tables.role_permission, rows)
    return role_id


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def assign_role(conn: Connection, tables: CoreTables, user_id: int, role_id: int) -> None:
    """Give a role to a user (no-op when already assigned)."""
    ur = tables.user_role
    exists = conn.execute(
        sa.select(ur.c.role_id).where(ur.c.user_id == user_id, ur.c.role_id == role_id)
    ).first()
    if exists is None:
        conn.execute(ur.insert().values(user_id=user_id, role_id=role_id))


def role_orgs(conn: Connection, tables: CoreTables, role_id: int) -> tuple[int, ...]:
    """The orgs a role is restricted to; empty means every org of its client."""
    ro = tables.role_org
    stmt = sa.select(ro.c.org_id).where(ro.c.role_id == role_id).order_by(ro.c.org_id)
    return tuple(int(v) for v in conn.execute(stmt).scalars())


# --- policy ----------------------------------------------------------------------------------------


def column_patterns(specs: Iterable[str]) -> frozenset[tuple[str, str]]:
    """`Table.Column` glob patterns (a bare name means every table) as lower-case pairs."""
    pairs = set()
    for spec in specs:
        table, sep, column = spec.strip().rpartition(".")
        pairs.add(((table if sep else "*").lower() or "*", column.lower()))
    return frozenset(pairs)


def load_policy(conn: Connection, tables: CoreTables, role_id: int, settings: Settings) -> RolePolicy:
    """Everything a role may do, read in one go; hidden columns come from the settings."""
    role = get_role(conn, tables, role_id)
    if role is None:
        raise LookupError(f"role {role_id} does not exist")
    rt, rd, rp = tables.role_table, tables.role_column_deny, tables.role_permission
    grants = conn.execute(sa.select(rt.c.table_pattern, rt.c.can_write).where(rt.c.role_id == role_id)).all()
    denied = conn.execute(
        sa.select(rd.c.table_pattern, rd.c.column_name).where(rd.c.role_id == role_id)
    ).all()
    perms = conn.execute(sa.select(rp.c.permission).where(rp.c.role_id == role_id)).scalars().all()
    return RolePolicy(
        role_id=role.id,
        role_name=role.name,
        client_id=role.client_id,
        is_admin=role.is_admin,
        read_tables=frozenset(str(t).lower() for t, w in grants if not w),
        write_tables=frozenset(str(t).lower() for t, w in grants if w),
        denied_columns=frozenset((str(t).lower(), str(c).lower()) for t, c in denied),
        hidden_columns=column_patterns(settings.hidden_columns),
        orgs=role_orgs(conn, tables, role_id),
        permissions=frozenset({"*"} if role.is_admin else {str(p) for p in perms}),
    )


# --- sysconfig and validation rules (management endpoints and CLI) ----------------------------------


def sysconfig_rows(
    conn: Connection, tables: CoreTables, clients: Iterable[int] | None = None
) -> list[sa.Row[Any]]:
    """(name, client_id, value, description) of the stored settings, by name and client."""
    sc = tables.sysconfig
    stmt = sa.select(sc.c.name, sc.c.client_id, sc.c.value, sc.c.description)
    if clients is not None:
        stmt = stmt.where(sc.c.client_id.in_(list(clients)))
    return list(conn.execute(stmt.order_by(sc.c.name, sc.c.client_id)))


def set_sysconfig(
    conn: Connection, tables: CoreTables, name: str, client_id: int, value: str, now: datetime
) -> None:
    """Insert or replace the stored value of a setting for one client (names are stored upper-case)."""
    sc, key = tables.sysconfig, name.upper()
    where = (sc.c.name == key, sc.c.client_id == client_id)
    if conn.execute(sc.update().where(*where).values(value=value, updated=now)).rowcount == 0:
        conn.execute(sc.insert().values(name=key, client_id=client_id, value=value, updated=now))


def delete_sysconfig(conn: Connection, tables: CoreTables, name: str, client_id: int) -> bool:
    sc = tables.sysconfig
    result = conn.execute(sc.delete().where(sc.c.name == name.upper(), sc.c.client_id == client_id))
    return result.rowcount > 0


_RULE_COLUMNS = ("id", "uid", "name", "table_name", "filter", "description", "is_active", "client_id")


def val_rules(
    conn: Connection, tables: CoreTables, clients: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Validation rules (of the given clients), by name, as column -> value mappings."""
    vr = tables.val_rule
    stmt = sa.select(*(vr.c[n] for n in _RULE_COLUMNS))
    if clients is not None:
        stmt = stmt.where(vr.c.client_id.in_(list(clients)))
    return [dict(row._mapping) for row in conn.execute(stmt.order_by(vr.c.name, vr.c.id))]


def val_rule_named(conn: Connection, tables: CoreTables, name: str, client_id: int) -> int | None:
    """Id of the client's rule with that name (case-insensitive), if any."""
    vr = tables.val_rule
    stmt = sa.select(vr.c.id).where(sa.func.lower(vr.c.name) == name.lower(), vr.c.client_id == client_id)
    return conn.execute(stmt).scalar()


def save_val_rule(
    conn: Connection, tables: CoreTables, values: dict[str, Any], rule_id: int | None = None
) -> int:
    """Insert a rule (rule_id None) or update one; returns its id."""
    vr = tables.val_rule
    if rule_id is None:
        return int(conn.execute(vr.insert().values(**values)).inserted_primary_key[0])
    conn.execute(vr.update().where(vr.c.id == rule_id).values(**values))
    return rule_id


def delete_val_rule(conn: Connection, tables: CoreTables, rule_id: int) -> None:
    conn.execute(tables.val_rule.delete().where(tables.val_rule.c.id == rule_id))
