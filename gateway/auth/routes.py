"""The login endpoints (api.md §3), mounted at /api/v1/auth and /api/v1/auth/tokens with the same handlers.

Views only parse the request and shape the JSON; login rules live in `service.py` and `lookups.py`. Errors
are raised for the app's single error handler; every response carries `Cache-Control: no-store`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request

from gateway.auth import lookups, service, throttle, tokens
from gateway.errors import AuthenticationError, AuthScopeError, BodyError, InvalidOption, Unauthorized

if TYPE_CHECKING:
    from gateway.state import GatewayState

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def _state() -> GatewayState:
    return current_app.extensions["gateway"]


def bearer_token() -> str:
    """The token of this request's `Authorization: Bearer <t>`; 401 AUTHENTICATION-ERROR when missing."""
    return bearer_of(request.headers.get("Authorization", ""))


def bearer_of(authorization: str) -> str:
    """The token of an `Authorization: Bearer <t>` value; 401 AUTHENTICATION-ERROR when malformed."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing or malformed Authorization header")
    return token.strip()


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BodyError("The body must be a JSON object")
    return body


def _address() -> str:
    return request.remote_addr or ""


def _counted(view: F) -> F:
    """Failed attempts of a login call count against the caller's address (security.md §7)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except Unauthorized:
            throttle.record_failure(_state(), _address())
            raise

    wrapper.__name__ = view.__name__
    return wrapper  # type: ignore[return-value]


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("")
def login() -> Response:
    """Step 1, or the one-step login when `parameters` is present."""
    state, body = _state(), _body()
    user_name, password = body.get("userName"), body.get("password")
    if not isinstance(user_name, str) or not isinstance(password, str):
        raise BodyError("userName and password are required strings")
    user = service.authenticate(state, user_name, password, _address())
    parameters = body.get("parameters")
    if parameters is not None:
        if not isinstance(parameters, Mapping):
            raise BodyError("parameters must be an object")
        return _one_step(state, user, parameters)
    clients = lookups.clients(state, user)
    token = service.step1_token(state, user, [c.id for c in clients])
    return jsonify({"clients": [{"id": c.id, "name": c.name} for c in clients], "token": token})


@_counted
def _one_step(state: GatewayState, user: service.UserRow, parameters: Mapping[str, Any]) -> Response:
    return jsonify(service.open_session(state, user, service.choose(state, user, parameters)))


@bp.put("")
@_counted
def choose_role() -> Response:
    """Step 2 with the step-1 token: opens a session."""
    state = _state()
    claims = _claims(("login",))
    if claims.get("scope") != "login":
        raise AuthScopeError("A session token cannot be used for step 2")
    user = service.user_of(state, claims)
    return jsonify(service.open_session(state, user, service.choose(state, user, _body())))


def _claims(scopes: tuple[str, ...]) -> dict[str, Any]:
    claims = tokens.decode(bearer_token())
    if claims.get("type") != "access":
        raise AuthenticationError("Invalid token type")
    if claims.get("scope") not in ("login", "session"):
        raise AuthScopeError("Token scope not accepted here")
    if claims.get("scope") == "session" and "session" not in scopes:
        raise AuthScopeError("A session token cannot be used for step 2")
    if claims.get("scope") == "session":
        service.check_session(_state(), int(claims["AD_Session_ID"]), int(claims["AD_User_ID"]))
    return claims


def _param(name: str) -> int | str:
    value = request.args.get(name)
    if value is None or value == "":
        raise InvalidOption(f"Missing query parameter '{name}'", parameter=name)
    return int(value) if value.lstrip("-").isdigit() else value


def _lookup_user() -> tuple[GatewayState, service.UserRow]:
    state = _state()
    return state, service.user_of(state, _claims(("login", "session")))


@bp.get("/roles")
def roles() -> Response:
    state, user = _lookup_user()
    client = lookups.client(state, user, _param("client"), "client")
    return jsonify({"roles": [{"id": r.id, "name": r.name} for r in lookups.roles(state, user, client.id)]})


def _client_role(state: GatewayState, user: service.UserRow) -> tuple[int, service.RoleRow]:
    client = lookups.client(state, user, _param("client"), "client")
    try:
        role = lookups.role(state, user, client.id, _param("role"))
    except AuthenticationError as exc:
        raise AuthenticationError("Invalid role") from exc
    return client.id, role


@bp.get("/organizations")
def organizations() -> Response:
    state, user = _lookup_user()
    client_id, role = _client_role(state, user)
    orgs = lookups.organizations(state, role, client_id)
    return jsonify({"organizations": [{"id": o.id, "name": o.name} for o in orgs]})


@bp.get("/warehouses")
def warehouses() -> Response:
    state, user = _lookup_user()
    client_id, role = _client_role(state, user)
    org = lookups.organization(state, role, client_id, _param("organization"))
    rows = lookups.warehouses(state, client_id, org.id) or []
    return jsonify({"warehouses": [{"id": w.id, "name": w.name} for w in rows]})


@bp.get("/language")
def language() -> Response:
    state, user = _lookup_user()
    client = lookups.client(state, user, _param("client"), "client")
    return jsonify({"AD_Language": lookups.language(state, client.id)})


@bp.post("/refresh")
@_counted
def refresh() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    return jsonify(service.refresh(_state(), body))


@bp.post("/logout")
def logout() -> Response:
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        token = bearer_token()
    service.logout(_state(), token)
    return jsonify({"summary": "OK"})


@bp.get("/jwk")
def jwk() -> Response:
    state = _state()
    keys = service.keys(state)
    if keys.is_hmac or not state.runtime.for_client(0).idempiere_rest_expose_jwk:
        return jsonify({})
    return jsonify({"keys": [dict(k) for k in keys.jwks]})
