"""What a user may choose at login: clients, roles, organizations, warehouses and the client language.

Reads gw_* rows through meta/store.py and names from the data database (meta/names.py) via the catalog's
reflected tables; missing tables give generated names. Raises AuthenticationError for choices the user
may not make. No token handling here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from gateway.errors import AuthenticationError, GatewayError
from gateway.meta import names, store
from gateway.meta.names import NamedRow
from gateway.meta.store import RoleRow, UserRow

if TYPE_CHECKING:
    from gateway.state import GatewayState

SYSTEM = NamedRow(0, "System", "System")
ANY_ORG = NamedRow(0, "*", "*")


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}


def data_table(state: GatewayState, name: str) -> sa.Table | None:
    """The reflected data table of that name, or None when the catalog does not serve it."""
    if not name:
        return None
    try:
        entity = state.catalog.current().find(name)
    except GatewayError:
        return None
    return None if entity is None else entity.table


def tenants(state: GatewayState) -> tuple[NamedRow, ...] | None:
    """Active tenants from the tenant table; None when there is no tenant table."""
    table = data_table(state, state.settings.tenant_table)
    if table is None:
        return None
    with state.databases.data.connect() as conn:
        return names.tenant_rows(conn, table, state.settings.tenant_column)


def user_roles(state: GatewayState, user: UserRow) -> list[RoleRow]:
    with state.databases.meta.connect() as conn:
        return store.user_roles(conn, state.meta, user.id)


def clients(state: GatewayState, user: UserRow) -> list[NamedRow]:
    """Distinct clients of the user's active roles, by name (api.md §3.2)."""
    roles = user_roles(state, user)
    known = tenants(state)
    by_id = {row.id: row for row in known or ()}
    wanted: dict[int, NamedRow] = {}
    for role in roles:
        ids = [0, *by_id] if role.is_builtin_admin else [role.client_id]
        for client_id in ids:
            row = SYSTEM if client_id == 0 else by_id.get(client_id)
            if row is None and known is None:
                row = NamedRow(client_id, f"Client {client_id}")
            if row is not None:
                wanted[client_id] = NamedRow(client_id, SYSTEM.name, SYSTEM.value) if client_id == 0 else row
    return sorted(wanted.values(), key=lambda r: (r.name.lower(), r.id))


def client(state: GatewayState, user: UserRow, wanted: object, field: str = "clientId") -> NamedRow:
    """One of the user's clients, by id or by tenant `Value` then `Name`."""
    return _pick(clients(state, user), wanted, field)


def roles(state: GatewayState, user: UserRow, client_id: int) -> list[RoleRow]:
    """The user's active roles usable at that client (the built-in Admin counts everywhere)."""
    return [r for r in user_roles(state, user) if r.client_id == client_id or r.is_builtin_admin]


def role(state: GatewayState, user: UserRow, client_id: int, wanted: object) -> RoleRow:
    if wanted is None or wanted == "":
        raise AuthenticationError("Missing roleId parameter")
    candidates = roles(state, user, client_id)
    if isinstance(wanted, str):
        found = [r for r in candidates if r.name.lower() == wanted.lower()]
        if not found:
            raise AuthenticationError("Role name not found")
        if len(found) > 1:
            raise AuthenticationError("Role name not unique")
        return found[0]
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        for candidate in candidates:
            if candidate.id == wanted:
                return candidate
    raise AuthenticationError("Invalid roleId")


def organizations(state: GatewayState, role_row: RoleRow, client_id: int) -> list[NamedRow]:
    """Orgs the role allows at that client; `*` (org 0) first when allowed (security.md §3.3)."""
    with state.databases.meta.connect() as conn:
        allowed = store.role_orgs(conn, state.meta, role_row.id)
    rows = _org_rows(state, client_id)
    by_id = {row.id: row for row in rows if row.id != 0}
    if not allowed:
        return [ANY_ORG, *by_id.values()]
    listed = [by_id.get(org, NamedRow(org, f"Organization {org}")) for org in allowed if org != 0]
    return ([ANY_ORG] if 0 in allowed else []) + sorted(listed, key=lambda r: (r.name.lower(), r.id))


def _org_rows(state: GatewayState, client_id: int) -> tuple[NamedRow, ...]:
    table = data_table(state, state.settings.org_table)
    if table is None:
        return ()
    with state.databases.data.connect() as conn:
        return names.scoped_rows(
            conn, table, state.settings.org_column, state.settings.tenant_column, client_id
        )


def organization(state: GatewayState, role_row: RoleRow, client_id: int, wanted: object) -> NamedRow:
    return _pick(organizations(state, role_row, client_id), 0 if wanted is None else wanted, "organizationId")


def warehouses(state: GatewayState, client_id: int, org_id: int) -> list[NamedRow] | None:
    """Warehouses of the client (and org); None when the database has no warehouse table."""
    settings = state.settings
    table = data_table(state, settings.warehouse_table)
    if table is None:
        return None
    key = f"{settings.warehouse_table}_ID"
    with state.databases.data.connect() as conn:
        rows = names.scoped_rows(
            conn, table, key, settings.tenant_column, client_id, settings.org_column, org_id
        )
    return list(rows)


def warehouse(state: GatewayState, client_id: int, org_id: int, wanted: object) -> NamedRow | None:
    if wanted is None or wanted == 0:
        return None
    available = warehouses(state, client_id, org_id)
    if available is None:
        raise AuthenticationError("Invalid warehouseId")
    return _pick(available, wanted, "warehouseId")


def language(state: GatewayState, client_id: int) -> str:
    """The tenant's AD_Language when the tenant table has one, else the default language."""
    for row in tenants(state) or ():
        if row.id == client_id and row.language:
            return row.language
    return state.settings.default_language


def _pick(rows: list[NamedRow], wanted: object, field: str) -> NamedRow:
    """Match an id, or a name by `Value` first and then `Name` (case-insensitive, unique)."""
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        found = [r for r in rows if r.id == wanted]
    elif isinstance(wanted, str) and wanted:
        low = wanted.lower()
        found = [r for r in rows if (r.value or "").lower() == low] or [
            r for r in rows if r.name.lower() == low
        ]
    else:
        found = []
    if len(found) != 1:
        raise AuthenticationError(f"Invalid {field}")
    return found[0]
