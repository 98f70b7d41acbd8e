"""Who is asking at /odata: a bearer token (as everywhere), or HTTP Basic credentials for BI tools.

Basic performs the one-step login internally with the user's first client, role and organization (the
login rules, lockout and throttling of gateway.auth.service apply) and opens no session row. A verified
credential is reused by this worker for BASIC_TTL seconds so that a BI refresh does not hash per request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from flask import request

from gateway.actor import Actor
from gateway.auth import current_actor, lookups, service
from gateway.errors import AuthenticationError

if TYPE_CHECKING:
    from gateway.state import GatewayState

BASIC_TTL = 30.0
CHALLENGE = 'Basic realm="gateway", charset="UTF-8"'
_CACHE_SIZE = 256
T = TypeVar("T")


def odata_actor(state: GatewayState) -> Actor:
    """The request's actor; 401 with a Basic challenge when neither credential form is present."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        return basic_actor(state, credentials.strip(), request.remote_addr or "")
    if scheme.lower() != "bearer":
        raise AuthenticationError("Authentication required", headers={"WWW-Authenticate": CHALLENGE})
    return current_actor()


def basic_actor(state: GatewayState, credentials: str, address: str) -> Actor:
    user_name, password = _decode(credentials)
    cache: dict[str, tuple[float, Actor]] = state.extras.setdefault("odata.basic", {})
    fingerprint = hashlib.sha256(f"{user_name}\0{password}".encode()).hexdigest()
    now = state.clock.monotonic()
    hit = cache.get(fingerprint)
    if hit is not None and now - hit[0] < BASIC_TTL:
        return hit[1]
    actor = login_actor(state, user_name, password, address)
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[fingerprint] = (now, actor)
    return actor


def login_actor(state: GatewayState, user_name: str, password: str, address: str) -> Actor:
    """The one-step login (user, password; first client, role and organization) as an Actor."""
    try:
        user = service.authenticate(state, user_name, password, address)
    except AuthenticationError as exc:
        exc.headers["WWW-Authenticate"] = CHALLENGE
        raise
    client = _first(lookups.clients(state, user))
    role = _first(lookups.roles(state, user, client.id))
    org = _first(lookups.organizations(state, role, client.id))
    choice = service.choose(state, user, {"clientId": client.id, "roleId": role.id, "organizationId": org.id})
    return Actor(
        user_id=user.id,
        user_name=user.name,
        client_id=choice.client_id,
        role_id=choice.role.id,
        org_id=choice.org_id,
        policy=service.policy(state, choice.role.id),
        language=choice.language,
        warehouse_id=choice.warehouse_id,
    )


def _first(rows: Sequence[T]) -> T:
    if not rows:
        raise AuthenticationError(service.INVALID_LOGIN, headers={"WWW-Authenticate": CHALLENGE})
    return rows[0]


def _decode(credentials: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError(
            "Malformed Basic credentials", headers={"WWW-Authenticate": CHALLENGE}
        ) from None
    user_name, colon, password = text.partition(":")
    if not colon or not user_name:
        raise AuthenticationError("Malformed Basic credentials", headers={"WWW-Authenticate": CHALLENGE})
    return user_name, password
