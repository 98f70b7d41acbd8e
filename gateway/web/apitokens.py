"""Blueprint /api/v1/apitokens: list, issue and revoke API tokens (permission `apitokens.manage`).

Tenant sessions see and manage only their client's tokens; a System session manages all. The secret is
returned once, in the 201 answer of POST; listings show the display prefix only (security.md §6.6).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.auth import apitokens, current_actor
from gateway.errors import BodyError
from gateway.meta import sessions
from gateway.web.admin_lists import list_response
from gateway.web.edge import json_response, state

bp = Blueprint("apitokens", __name__, url_prefix="/api/v1/apitokens")
PERMISSION = "apitokens.manage"
_KINDS = {
    "id": Kind.INTEGER, "name": Kind.STRING, "prefix": Kind.STRING, "userName": Kind.STRING,
    "userId": Kind.INTEGER, "roleId": Kind.INTEGER, "clientId": Kind.INTEGER, "organizationId": Kind.INTEGER,
    "created": Kind.STRING, "expiresAt": Kind.STRING, "lastUsedAt": Kind.STRING, "revoked": Kind.BOOLEAN,
}  # fmt: skip


def _manager() -> Actor:
    actor = current_actor()
    actor.require(PERMISSION)
    return actor


def _scope(actor: Actor) -> int | None:
    return None if actor.is_system else actor.client_id


@bp.get("")
def list_tokens() -> Response:
    actor, st = _manager(), state()
    with st.databases.meta.connect() as conn:
        rows = sessions.list_api_tokens(conn, st.meta, _scope(actor))
    return list_response(st, actor, [apitokens.describe(row) for row in rows], _KINDS)


@bp.post("")
def issue_token() -> Response:
    actor, st = _manager(), state()
    wanted = _token_request(request.get_json(silent=True), actor, st.settings.default_language)
    with st.databases.meta.begin() as conn:
        issued = apitokens.issue(conn, st.meta, wanted, st.clock.now(), caller_client=_scope(actor))
    body = {"id": issued.id, "name": issued.name, "token": issued.token,
            "expiresAt": apitokens.iso_time(issued.expires_at)}  # fmt: skip
    response = json_response(body, 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/<int:token_id>")
def revoke_token(token_id: int) -> Response:
    actor, st = _manager(), state()
    with st.databases.meta.begin() as conn:
        apitokens.revoke(conn, st.meta, token_id, st.clock.now(), caller_client=_scope(actor))
    return json_response({"msg": "Revoked"})


def _token_request(body: Any, actor: Actor, language: str) -> apitokens.TokenRequest:
    if not isinstance(body, dict):
        raise BodyError("The body must be a JSON object", parameter="body")
    user_name, role = body.get("userName"), body.get("roleId")
    if not isinstance(user_name, str) or not user_name or not _is_id_or_name(role):
        raise BodyError("userName and roleId are required", parameter="body")
    name = body.get("name") or ""
    client_id, org_id, days = body.get("clientId"), body.get("organizationId", 0), body.get("expiresInDays")
    for field, value in (("clientId", client_id), ("organizationId", org_id), ("expiresInDays", days)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise BodyError(f"{field} must be an integer", parameter="body")
    if not isinstance(name, str):
        raise BodyError("name must be a string", parameter="body")
    if client_id is None and not actor.is_system:
        client_id = actor.client_id
    return apitokens.TokenRequest(user_name, role, name, client_id, org_id or 0, days, language)


def _is_id_or_name(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and bool(value)
    )
