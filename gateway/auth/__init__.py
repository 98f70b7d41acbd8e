"""Authentication: flask-jwt-extended setup, the login blueprints and `current_actor()` for every API view.

`init_auth` reads `secret_key`, `jwt_algorithm`, `jwt_private_key_file`, `jwt_public_key_file`,
`jwt_previous_public_key_files` and `jwt_issuer` once. Failures are raised as gateway errors for the app's
one error handler; nothing here renders an error body.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g

from gateway.actor import Actor
from gateway.auth import apitokens, routes, service, tokens
from gateway.auth.verified import VerifiedTokens
from gateway.errors import AuthenticationError, AuthScopeError
from gateway.meta.migrate import ensure_secret
from gateway.pipeline.skiptoken import SkipTokens

if TYPE_CHECKING:
    from gateway.state import GatewayState

__all__ = ["authenticate", "current_actor", "init_auth"]


def init_auth(app: Flask, state: GatewayState) -> None:
    """Configure token signing and mount the login endpoints at /api/v1/auth and /api/v1/auth/tokens."""
    if "auth.keys" in state.extras:
        raise RuntimeError("init_auth was already called for this app")
    secret = state.settings.secret_key.encode()
    if not secret:  # also with key pairs: the secret signs keyset paging tokens
        with state.databases.meta.begin() as conn:
            secret = ensure_secret(conn, state.meta)
    keys = tokens.load_keys(state.settings, secret)
    state.secret = secret
    state.skip_tokens = SkipTokens(secret)
    state.extras["auth.keys"] = keys
    tokens.configure_jwt(app, state.settings, keys)
    app.register_blueprint(routes.bp, url_prefix="/api/v1/auth")
    app.register_blueprint(routes.bp, url_prefix="/api/v1/auth/tokens", name="auth_tokens")


def current_actor() -> Actor:
    """The Actor of this request's session token (memoized on `flask.g`); 401 when there is none."""
    actor = g.get("gateway_actor")
    if actor is None:
        actor = authenticate(current_app.extensions["gateway"], routes.bearer_token())
        g.gateway_actor = actor
    return actor


def authenticate(
    state: GatewayState, token: str, decode: Callable[[str], dict[str, Any]] = tokens.decode
) -> Actor:
    """The Actor of a bearer token (an API token or a session JWT); `decode` verifies a JWT not yet cached.
    The session check and the role's policy run on every request; the Actor is built once per verified
    token and kept with its claims (again only when the role's policy was reloaded)."""
    if token.startswith("gwt_"):
        return apitokens.authenticate(state, token)
    cache: VerifiedTokens | None = state.extras.get("auth.verified")
    if cache is None:
        cache = state.extras.setdefault("auth.verified", VerifiedTokens())
    claims = cache.claims(token, decode)
    actor: Actor | None = cache.derived(token)
    if actor is None:
        actor = _session_actor(state, claims)
    else:
        assert actor.session_id is not None  # kept actors are session actors
        service.check_session(state, actor.session_id, actor.user_id)
        policy = service.policy(state, actor.role_id)
        if actor.policy is policy:
            return actor
        actor = dataclasses.replace(actor, policy=policy)
    cache.keep(token, actor)
    return actor


def _session_actor(state: GatewayState, claims: dict[str, Any]) -> Actor:
    """The Actor of a session token's claims, after checking that its session is alive."""
    if claims.get("type") != "access":
        raise AuthenticationError("Invalid token type")
    if claims.get("scope") != "session":
        raise AuthScopeError("A login token is only accepted by /api/v1/auth")
    try:
        user_id, role_id = int(claims["AD_User_ID"]), int(claims["AD_Role_ID"])
        session_id, client_id = int(claims["AD_Session_ID"]), int(claims["AD_Client_ID"])
        org_id = int(claims["AD_Org_ID"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AuthenticationError("Invalid token") from exc
    service.check_session(state, session_id, user_id)
    warehouse = claims.get("M_Warehouse_ID")
    return Actor(
        user_id=user_id,
        user_name=str(claims.get("sub", "")),
        client_id=client_id,
        role_id=role_id,
        org_id=org_id,
        policy=service.policy(state, role_id),
        language=str(claims.get("AD_Language") or state.settings.default_language),
        warehouse_id=warehouse if isinstance(warehouse, int) else None,
        session_id=session_id,
    )
