"""The demo's gateway accounts: users and roles over the GardenWorld tenants (clients 11 and 12).

Idempotent: existing users and roles are left as they are. Writes gw_* rows only, through meta/store.py;
the credentials are printed by `gateway demo` and used by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Connection

from gateway.auth.passwords import hash_password
from gateway.meta import store
from gateway.meta.store import RoleGrants
from gateway.meta.tables import CoreTables
from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class Credential:
    user: str
    password: str
    role: str
    client_id: int


@dataclass(frozen=True, slots=True)
class _Role:
    name: str
    client_id: int
    is_admin: bool
    grants: RoleGrants = RoleGrants()


_ROLES = (
    _Role("Admin", 0, True),
    _Role("GardenWorld Admin", 11, True),
    _Role(
        "GardenWorld User",
        11,
        False,
        RoleGrants(
            orgs=(0, 50001),
            read=("*",),
            write=("C_Order", "C_OrderLine", "C_BPartner"),
            deny=(("C_BPartner", "SO_CreditLimit"),),
        ),
    ),
    _Role("Seed Farm Admin", 12, True),
    _Role("GardenWorld Reader", 11, False, RoleGrants(read=("C_BPartner", "C_Order"))),
)

CREDENTIALS = (
    Credential("SuperUser", "System", "Admin", 0),
    Credential("GardenAdmin", "GardenAdmin", "GardenWorld Admin", 11),
    Credential("GardenUser", "GardenUser", "GardenWorld User", 11),
    Credential("SeedAdmin", "SeedAdmin", "Seed Farm Admin", 12),
    Credential("Reader", "Reader", "GardenWorld Reader", 11),
)


def _role_id(conn: Connection, tables: CoreTables, spec: _Role) -> int:
    found = store.find_roles(conn, tables, spec.name, spec.client_id)
    if found:
        return found[0].id
    return store.add_role(
        conn, tables, spec.name, client_id=spec.client_id, is_admin=spec.is_admin, grants=spec.grants
    )


def create_demo_accounts(
    conn_meta: Connection, tables: CoreTables, settings: Settings
) -> tuple[Credential, ...]:
    """Create the demo roles and users (each user holding its one role) unless they exist."""
    del settings  # the accounts do not depend on settings; kept for a uniform seeding signature
    role_ids = {(r.name, r.client_id): _role_id(conn_meta, tables, r) for r in _ROLES}
    now = datetime.now(UTC)
    for cred in CREDENTIALS:
        user = store.find_user(conn_meta, tables, cred.user)
        if user is None:
            user_id = store.add_user(
                conn_meta, tables, cred.user, hash_password(cred.password), is_service=False, now=now
            )
            store.assign_role(conn_meta, tables, user_id, role_ids[(cred.role, cred.client_id)])
    return CREDENTIALS
