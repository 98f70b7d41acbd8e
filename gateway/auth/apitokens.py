"""API tokens (`gwt_…`) of service accounts and integrations: issue, list, revoke, authenticate.

Only SHA-256 hashes are stored; the token text exists once, in the answer to `issue`. Shared by the CLI
and the HTTP endpoints; raises gateway errors and builds no responses (security.md §6.6).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from gateway.actor import Actor, RolePolicy
from gateway.auth import service
from gateway.errors import AuthenticationError, AuthorizationError, BadRequest, NotFound, TokenRevoked
from gateway.meta import sessions, store
from gateway.meta.sessions import ApiTokenRow
from gateway.meta.tables import CoreTables

if TYPE_CHECKING:
    from gateway.state import GatewayState

PREFIX = "gwt_"
TOKEN_LENGTH = len(PREFIX) + 43  # 32 random bytes, base64url without padding


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """What an administrator asks for; client and org default to the role's client and org 0."""

    user_name: str
    role: str | int
    name: str = ""
    client_id: int | None = None
    org_id: int = 0
    expires_days: int | None = None
    language: str = "en_US"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    name: str
    token: str
    expires_at: datetime | None


def new_token() -> str:
    return PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    conn: Connection,
    tables: CoreTables,
    request: TokenRequest,
    now: datetime,
    *,
    caller_client: int | None = None,
) -> IssuedToken:
    """Create a token for an existing user and one of its roles; `caller_client` limits non-System callers."""
    user = store.find_user(conn, tables, request.user_name)
    if user is None or not user.is_active:
        raise BadRequest("Unknown or inactive user")
    role = _role_of(conn, tables, user.id, request.role)
    client_id = role.client_id if request.client_id is None else request.client_id
    if client_id != role.client_id and not role.is_builtin_admin:
        raise BadRequest("The role does not belong to that client")
    if caller_client not in (None, 0) and (client_id != caller_client or role.client_id != caller_client):
        raise AuthorizationError("Tokens may only be issued for roles of the caller's client")
    if request.expires_days is not None and request.expires_days <= 0:
        raise BadRequest("expiresInDays must be a positive number of days")
    expires = None if request.expires_days is None else now + timedelta(days=request.expires_days)
    token = new_token()
    name = request.name or f"{user.name} / {role.name}"
    new = sessions.NewApiToken(
        hash_token(token), token[len(PREFIX) : len(PREFIX) + 8], name[:200], user.id, role.id, client_id,
        request.org_id, None, request.language, now, expires,
    )  # fmt: skip
    return IssuedToken(sessions.add_api_token(conn, tables, new), name[:200], token, expires)


def _role_of(conn: Connection, tables: CoreTables, user_id: int, wanted: str | int) -> store.RoleRow:
    held = store.user_roles(conn, tables, user_id)
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
        found = [r for r in held if r.id == int(wanted)]
    else:
        found = [r for r in held if r.name.lower() == str(wanted).lower()]
    if len(found) != 1:
        raise BadRequest("The user holds no such active role (or the name is ambiguous)")
    return found[0]


def revoke(
    conn: Connection, tables: CoreTables, token_id: int, now: datetime, *, caller_client: int | None = None
) -> None:
    """Revoke one token; tokens of other clients are invisible to tenant callers (404 like a missing one)."""
    row = sessions.get_api_token(conn, tables, token_id)
    if row is None or caller_client not in (None, 0) and row.client_id != caller_client:
        raise NotFound(f"No API token {token_id}")
    sessions.revoke_api_token(conn, tables, token_id, now)


def describe(row: ApiTokenRow) -> dict[str, object]:
    """The public view of a token row: never the secret, only its display prefix."""
    return {
        "id": row.id, "name": row.name, "prefix": PREFIX + row.prefix, "userName": row.user_name,
        "userId": row.user_id, "roleId": row.role_id, "clientId": row.client_id, "organizationId": row.org_id,
        "created": iso_time(row.created), "expiresAt": iso_time(row.expires_at),
        "lastUsedAt": iso_time(row.last_used_at),
        "revoked": row.revoked_at is not None,
    }  # fmt: skip


def iso_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def authenticate(state: GatewayState, token: str, policy: RolePolicy | None = None) -> Actor:
    """The Actor of an API token: one indexed query, then a throttled last_used_at update."""
    if len(token) != TOKEN_LENGTH:
        raise AuthenticationError("Invalid token")
    now = state.clock.now()
    with state.databases.meta.read() as conn:  # no ROLLBACK to drop prepared statements (check_session)
        row = sessions.live_api_token(conn, state.meta, hash_token(token), now)
    if row is None:
        raise TokenRevoked("API token unknown, revoked or expired")
    if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
        with state.databases.meta.begin() as conn:
            sessions.touch_api_token(conn, state.meta, row.id, now)
    return Actor(
        user_id=row.user_id, user_name=row.user_name, client_id=row.client_id, role_id=row.role_id,
        org_id=row.org_id, policy=policy or service.policy(state, row.role_id), language=row.language,
        warehouse_id=row.warehouse_id, token_id=row.id,
    )  # fmt: skip
