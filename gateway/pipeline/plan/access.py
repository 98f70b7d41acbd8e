"""Permissions and row scope: the one place that decides which tables and rows an actor may touch.

Every table reference the planner emits comes from `table_ref`, which checks the role's grant and returns
a fresh alias together with its scope predicate (tenant, org, inherited tenant path). Nothing else builds
scope clauses (security.md §0.3, §5).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from gateway.actor import Actor
from gateway.catalog import Catalog
from gateway.catalog.model import ColumnInfo, EntitySet
from gateway.errors import AuthorizationError, UnknownColumn

_MAX_INHERIT_HOPS = 3


class Purpose(enum.Enum):
    READ = "read"  # needs a read grant
    WRITE = "write"  # needs a write grant; write scope
    IDENTIFIER = "identifier"  # FK identifier text: no grant needed, rows still scoped


@dataclass(frozen=True, slots=True)
class TableRef:
    entity: EntitySet
    alias: FromClause
    scope: ColumnElement[bool] | None


def check_table(actor: Actor, entity: EntitySet, purpose: Purpose) -> None:
    """403 when the role lacks the grant `purpose` needs (table existence is not secret, rows are)."""
    policy = actor.policy
    if purpose is Purpose.READ and not policy.can_read(entity.name):
        raise AuthorizationError(f"No read access to {entity.model_name}")
    if purpose is Purpose.WRITE and not policy.can_write(entity.name):
        raise AuthorizationError(f"No write access to {entity.model_name}")


def table_ref(
    catalog: Catalog, actor: Actor, entity: EntitySet, purpose: Purpose, *, name: str | None = None
) -> TableRef:
    """A checked, scoped, freshly aliased reference to `entity`."""
    check_table(actor, entity, purpose)
    alias = entity.table.alias(name)
    return TableRef(
        entity, alias, scope_clause(catalog, actor, entity, alias, write=purpose is Purpose.WRITE)
    )


def scope_clause(
    catalog: Catalog,
    actor: Actor,
    entity: EntitySet,
    alias: FromClause,
    *,
    write: bool = False,
    hops: int = 0,
) -> ColumnElement[bool] | None:
    """The row predicate of security.md §5.1 for `alias`, or None when the actor sees every row."""
    parts: list[ColumnElement[bool]] = []
    if entity.tenant:
        tenant = _tenant_clause(actor, alias.c[entity.tenant], write)
        if tenant is not None:
            parts.append(tenant)
    elif not actor.is_system and hops < _MAX_INHERIT_HOPS:
        parts.extend(_inherited_clauses(catalog, actor, entity, alias, write, hops))
    if entity.org and actor.policy.orgs:
        column = alias.c[entity.org]
        name = "gw_orgs_write" if write else "gw_orgs_read"
        allowed = scope_params(actor)[name]
        parts.append(column.in_(sa.bindparam(name, allowed, type_=column.type, expanding=True)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sa.and_(*parts)


def _tenant_clause(actor: Actor, column: Any, write: bool) -> ColumnElement[bool] | None:
    """Named binds (values from `scope_params`), so a cached statement serves every tenant."""
    if actor.is_system:
        return None
    if write:
        return column == sa.bindparam("gw_client", actor.client_id, type_=column.type)  # type: ignore[no-any-return]
    # Two plain binds, not an expanding list: the SQL text is fixed, nothing is rendered per execution.
    system = sa.bindparam("gw_system_client", 0, type_=column.type)
    return column.in_([system, sa.bindparam("gw_client", actor.client_id, type_=column.type)])  # type: ignore[no-any-return]


def scope_params(actor: Actor) -> dict[str, Any]:
    """The values of the scope binds for this actor; passed with every execution of a cached statement."""
    orgs = list(actor.policy.orgs)
    return {
        "gw_client": actor.client_id,
        "gw_system_client": 0,
        "gw_orgs_read": sorted({0, *orgs}),
        "gw_orgs_write": orgs,
    }


def _inherited_clauses(
    catalog: Catalog, actor: Actor, entity: EntitySet, alias: FromClause, write: bool, hops: int
) -> list[ColumnElement[bool]]:
    """Rows of a tenant-less table are visible when their NOT NULL parent(s) are (C_OrderLine via C_Order)."""
    clauses: list[ColumnElement[bool]] = []
    for relation in catalog.tenant_path(entity):
        parent = catalog.entity_sets[relation.parent]
        parent_alias = parent.table.alias()
        inner = scope_clause(catalog, actor, parent, parent_alias, write=write, hops=hops + 1)
        link = parent_alias.c[relation.parent_column] == alias.c[relation.child_column]
        where = link if inner is None else sa.and_(link, inner)
        clauses.append(sa.exists(sa.select(sa.literal(1)).select_from(parent_alias).where(where)))
    return clauses


def visible_column(actor: Actor, entity: EntitySet, name: str) -> ColumnInfo | None:
    """The column called `name` unless it is unknown, denied or hidden (which all look the same)."""
    info = entity.column(name)
    if info is None or actor.policy.is_denied(entity.name, info.name):
        return None
    return info


def require_column(actor: Actor, entity: EntitySet, name: str, position: int | None = None) -> ColumnInfo:
    info = visible_column(actor, entity, name)
    if info is None:
        raise UnknownColumn(f"unknown column '{name}' in {entity.model_name}", position=position)
    return info


def visible_columns(actor: Actor, entity: EntitySet) -> tuple[ColumnInfo, ...]:
    return tuple(c for c in entity.columns if not actor.policy.is_denied(entity.name, c.name))
