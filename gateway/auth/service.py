"""Login steps, session creation, refresh rotation, logout and the per-request session check.

All meta I/O goes through meta/store.py and meta/sessions.py on `state.databases.meta`; time comes from
`state.clock`. Errors are raised as gateway errors; this module builds no HTTP responses.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from gateway.actor import RolePolicy
from gateway.auth import lookups, throttle, tokens
from gateway.auth.passwords import verify_password
from gateway.errors import AuthenticationError, BodyError, RefreshError, RefreshReused, TokenRevoked
from gateway.meta import sessions, store
from gateway.meta.store import RoleRow, UserRow

if TYPE_CHECKING:
    from gateway.state import GatewayState

INVALID_LOGIN = "Invalid user name or password"
SESSION_CHECK_TTL = 2.0  # seconds a positive session check is reused by this worker
POLICY_TTL = 60.0
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


@dataclass(frozen=True, slots=True)
class Choice:
    """A validated step-2 choice."""

    client_id: int
    role: RoleRow
    org_id: int
    warehouse_id: int | None
    language: str


def keys(state: GatewayState) -> tokens.SigningKeys:
    return state.extras["auth.keys"]


def authenticate(state: GatewayState, user_name: str, password: str, address: str) -> UserRow:
    """The active, password-holding user with that name and password; lockout and rate limits first."""
    throttle.check_address(state, address)
    throttle.check_name(state, user_name)
    with state.databases.meta.connect() as conn:
        user = store.find_user(conn, state.meta, user_name)
    stored = user.password_hash if user is not None and user.is_active and not user.is_service else None
    verdict = verify_password(stored, password)
    if not verdict.ok or user is None:
        throttle.record_failure(state, address, user_name)
        raise AuthenticationError(INVALID_LOGIN)
    if verdict.new_hash is not None:
        with state.databases.meta.begin() as conn:
            store.set_password_hash(conn, state.meta, user.id, verdict.new_hash, state.clock.now())
    throttle.record_success(state, user_name)
    return user


def step1_token(state: GatewayState, user: UserRow, client_ids: list[int]) -> str:
    lifetime = timedelta(minutes=state.runtime.for_client(0).rest_login_token_expire_in_minutes)
    claims = {"scope": "login", "AD_User_ID": user.id, "Clients": ",".join(str(c) for c in client_ids)}
    return tokens.issue_access(user.name, claims, lifetime, keys(state).kid)


def choose(state: GatewayState, user: UserRow, params: Mapping[str, Any]) -> Choice:
    """Validate the step-2 parameters (ids or names) against what the user may use (api.md §3.3)."""
    if params.get("clientId") is None:
        raise AuthenticationError("Missing clientId parameter")
    client = lookups.client(state, user, params.get("clientId"))
    role = lookups.role(state, user, client.id, params.get("roleId"))
    org = lookups.organization(state, role, client.id, params.get("organizationId"))
    warehouse = lookups.warehouse(state, client.id, org.id, params.get("warehouseId"))
    language = params.get("language") or lookups.language(state, client.id)
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise AuthenticationError("Invalid language")
    return Choice(client.id, role, org.id, None if warehouse is None else warehouse.id, language)


def open_session(state: GatewayState, user: UserRow, choice: Choice) -> dict[str, Any]:
    """Create the gw_session row and answer with the session and refresh tokens (api.md §3.3)."""
    config = state.runtime.for_client(choice.client_id)
    now = state.clock.now()
    absolute = now + timedelta(minutes=config.rest_token_absolute_expire_in_minutes)
    new = sessions.NewSession(
        user.id,
        choice.role.id,
        choice.client_id,
        choice.org_id,
        choice.warehouse_id,
        choice.language,
        now,
        absolute,
    )
    with state.databases.meta.begin() as conn:
        session_id = sessions.create_session(conn, state.meta, new)
    claims = session_claims(user.id, choice, session_id)
    body: dict[str, Any] = {
        "userId": user.id,
        "clientId": choice.client_id,
        "roleId": choice.role.id,
        "organizationId": choice.org_id,
        "language": choice.language,
    }
    if choice.warehouse_id is not None:
        body["warehouseId"] = choice.warehouse_id
    body["token"] = access_token(state, user.name, claims)
    body["refresh_token"] = new_refresh(state, user.name, claims, session_id, None)
    return body


def session_claims(user_id: int, choice: Choice, session_id: int) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "scope": "session",
        "AD_User_ID": user_id,
        "AD_Client_ID": choice.client_id,
        "AD_Role_ID": choice.role.id,
        "AD_Org_ID": choice.org_id,
        "AD_Language": choice.language,
        "AD_Session_ID": session_id,
    }
    if choice.warehouse_id is not None:
        claims["M_Warehouse_ID"] = choice.warehouse_id
    return claims


def access_token(state: GatewayState, subject: str, claims: Mapping[str, Any]) -> str:
    minutes = state.runtime.for_client(int(claims["AD_Client_ID"])).rest_token_expire_in_minutes
    return tokens.issue_access(subject, dict(claims), timedelta(minutes=minutes), keys(state).kid)


def new_refresh(
    state: GatewayState, subject: str, claims: Mapping[str, Any], session_id: int, parent_id: int | None
) -> str:
    """Store sha256(jti) of a new refresh token, expiring at min(idle lifetime, session absolute end)."""
    client_id = int(claims["AD_Client_ID"])
    idle = timedelta(minutes=state.runtime.for_client(client_id).rest_refresh_token_expire_in_minutes)
    now = state.clock.now()
    jti = uuid.uuid4().hex
    with state.databases.meta.begin() as conn:
        absolute = sessions.session_expiry(conn, state.meta, session_id) or now
        expires = min(now + idle, absolute)
        sessions.add_refresh(conn, state.meta, tokens.token_hash(jti), session_id, parent_id, now, expires)
    refresh_claims = {"jti": jti, "AD_Session_ID": session_id, "AD_Client_ID": client_id}
    refresh_claims["AD_User_ID"] = claims["AD_User_ID"]
    lifetime = max(expires - now, timedelta(seconds=1))
    return tokens.issue_refresh(subject, refresh_claims, lifetime, keys(state).kid)


def refresh(state: GatewayState, body: Mapping[str, Any]) -> dict[str, Any]:
    """Rotate a refresh token; a replayed one closes the session and revokes its chain (security.md §6.5)."""
    raw = body.get("refresh_token")
    if not isinstance(raw, str) or not raw:
        raise RefreshError("Missing refresh_token")
    claims = tokens.decode(raw, error=RefreshError)
    if claims.get("type") != "refresh":
        raise RefreshError("Invalid refresh token")
    _check_refresh_ids(state, claims, body)
    session_id, now = int(claims["AD_Session_ID"]), state.clock.now()
    with state.databases.meta.begin() as conn:
        row = sessions.find_refresh(conn, state.meta, tokens.token_hash(str(claims["jti"])))
        if row is None or row.session_id != session_id:
            raise RefreshError("Invalid refresh token")
        if row.expires_at <= now:  # the stored expiry is authoritative (idle and absolute lifetime)
            raise RefreshError("Refresh token expired")
        if not sessions.use_refresh(conn, state.meta, row.id, now):
            sessions.close_session(conn, state.meta, session_id, now, "B")
            replayed = True
        else:
            replayed = False
    if replayed:
        forget_session(state, session_id)
        raise RefreshReused("Refresh token already used; the session was closed")
    return _rotate(state, claims, session_id, row.id)


def _check_refresh_ids(state: GatewayState, claims: Mapping[str, Any], body: Mapping[str, Any]) -> None:
    config = state.runtime.for_client(int(claims.get("AD_Client_ID", 0)))
    for key, claim, mandatory in (
        ("clientId", "AD_Client_ID", config.rest_mandatory_client_id_on_refresh),
        ("userId", "AD_User_ID", config.rest_mandatory_user_id_on_refresh),
    ):
        value = body.get(key)
        if (value is None and mandatory) or (value is not None and value != claims.get(claim)):
            raise RefreshError(f"Missing or mismatched {key}")


def _rotate(state: GatewayState, claims: Mapping[str, Any], session_id: int, used_id: int) -> dict[str, Any]:
    with state.databases.meta.connect() as conn:
        alive = sessions.session_alive(
            conn, state.meta, session_id, int(claims["AD_User_ID"]), state.clock.now()
        )
        row = sessions.get_session(conn, state.meta, session_id)
    if not alive or row is None:
        raise TokenRevoked("Session closed")
    role = RoleRow(row.role_id, "", row.client_id, False)
    choice = Choice(row.client_id, role, row.org_id, row.warehouse_id, row.language)
    new_claims = session_claims(int(claims["AD_User_ID"]), choice, session_id)
    subject = str(claims["sub"])
    return {
        "token": access_token(state, subject, new_claims),
        "refresh_token": new_refresh(state, subject, new_claims, session_id, used_id),
    }


def logout(state: GatewayState, raw: str) -> None:
    """Close the session of a session token (signature checked, expiry not); idempotent."""
    if raw.startswith("gwt_"):
        raise BodyError("API tokens cannot be logged out; revoke them instead")
    claims = tokens.decode(raw, allow_expired=True)
    session_id = claims.get("AD_Session_ID")
    if claims.get("type") != "access" or claims.get("scope") != "session" or not isinstance(session_id, int):
        raise AuthenticationError("Invalid token")
    with state.databases.meta.begin() as conn:
        sessions.close_session(conn, state.meta, session_id, state.clock.now(), "L")
    forget_session(state, session_id)


# --- per-request checks ----------------------------------------------------------------------------


def check_session(state: GatewayState, session_id: int, user_id: int) -> None:
    """401 TOKEN-REVOKED unless the session is alive; a positive answer is reused for a few seconds."""
    cache: dict[int, float] = state.extras.setdefault("auth.sessions", {})
    now = state.clock.monotonic()
    checked = cache.get(session_id)
    if checked is not None and now - checked < SESSION_CHECK_TTL:
        return
    # On the thread's read connection: a transaction's ROLLBACK would make psycopg drop every statement
    # the server prepared on that connection (DEALLOCATE ALL), and this check comes back every few seconds.
    with state.databases.meta.read() as conn:
        alive = sessions.session_alive(conn, state.meta, session_id, user_id, state.clock.now())
    if not alive:
        cache.pop(session_id, None)
        raise TokenRevoked("Session closed or revoked")
    cache[session_id] = now


def forget_session(state: GatewayState, session_id: int) -> None:
    state.extras.setdefault("auth.sessions", {}).pop(session_id, None)


def policy(state: GatewayState, role_id: int) -> RolePolicy:
    """The role's policy, cached per role id."""
    cache: dict[int, tuple[float, RolePolicy]] = state.extras.setdefault("auth.policies", {})
    now = state.clock.monotonic()
    hit = cache.get(role_id)
    if hit is not None and now - hit[0] < POLICY_TTL:
        return hit[1]
    with state.databases.meta.connect() as conn:
        loaded = store.load_policy(conn, state.meta, role_id, state.settings)
    cache[role_id] = (now, loaded)
    return loaded


def user_of(state: GatewayState, claims: Mapping[str, Any]) -> UserRow:
    """The active user named by a token's claims (lookups and step 2)."""
    user_id = claims.get("AD_User_ID")
    with state.databases.meta.connect() as conn:
        user = store.get_user(conn, state.meta, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise TokenRevoked("User is not active")
    return user
