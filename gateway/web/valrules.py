"""Blueprint /api/v1/valrules: list (any session) and manage (`valrules.write`) saved rules (api.md §4.9).

Rule text is checked on save with the filter grammar (placeholders allowed) and, when the rule names a
table and has no placeholders, compiled against it with the caller's role. Rules are never turned into SQL
here; tenant sessions see and change rules of their client (and see client 0's).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request

from filter_grammar import parse_filter
from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.auth import current_actor
from gateway.errors import AuthorizationError, BodyError, ValruleError, ValruleNotFound
from gateway.meta import store
from gateway.pipeline.plan.context import PlanContext
from gateway.pipeline.plan.read import plan_read
from gateway.pipeline.plan.valrule import placeholders_of
from gateway.pipeline.request import parse_request
from gateway.pipeline.types import Action, RawRequest
from gateway.state import GatewayState
from gateway.web.admin_lists import list_response
from gateway.web.edge import json_response, state

bp = Blueprint("valrules", __name__, url_prefix="/api/v1/valrules")
PERMISSION = "valrules.write"
_KINDS = {"id": Kind.INTEGER, "uid": Kind.STRING, "name": Kind.STRING, "tableName": Kind.STRING,
          "filter": Kind.STRING, "description": Kind.STRING, "isActive": Kind.BOOLEAN,
          "clientId": Kind.INTEGER}  # fmt: skip
_FIELDS = {"name": "name", "tableName": "table_name", "filter": "filter", "description": "description",
           "isActive": "is_active"}  # fmt: skip


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "uid": row["uid"], "name": row["name"], "tableName": row["table_name"],
            "filter": row["filter"], "description": row["description"], "isActive": bool(row["is_active"]),
            "clientId": row["client_id"]}  # fmt: skip


def _clients(actor: Actor) -> list[int] | None:
    return None if actor.is_system else [0, actor.client_id]


@bp.get("")
def list_rules() -> Response:
    actor, st = current_actor(), state()
    with st.databases.meta.connect() as conn:
        rows = store.val_rules(conn, st.meta, _clients(actor))
    return list_response(st, actor, [_record(r) for r in rows], _KINDS)


@bp.post("")
def add_rule() -> Response:
    actor, st = current_actor(), state()
    actor.require(PERMISSION)
    values = _values(request.get_json(silent=True), actor, creating=True)
    check_rule(st, actor, values["filter"], values.get("table_name"))
    with st.databases.meta.begin() as conn:
        _unique_name(conn, st, values["name"], values["client_id"], None)
        rule_id = store.save_val_rule(conn, st.meta, values | {"uid": str(uuid.uuid4())})
    return json_response(_one(st, actor, rule_id), 201)


@bp.put("/<int:rule_id>")
def update_rule(rule_id: int) -> Response:
    actor, st = current_actor(), state()
    actor.require(PERMISSION)
    current = _writable(st, actor, rule_id)
    values = _values(request.get_json(silent=True), actor, creating=False)
    merged = {**{k: current[k] for k in ("filter", "table_name", "name")}, **values}
    check_rule(st, actor, merged["filter"], merged["table_name"])
    with st.databases.meta.begin() as conn:
        _unique_name(conn, st, merged["name"], current["client_id"], rule_id)
        store.save_val_rule(conn, st.meta, values, rule_id)
    return json_response(_one(st, actor, rule_id))


@bp.delete("/<int:rule_id>")
def delete_rule(rule_id: int) -> Response:
    actor, st = current_actor(), state()
    actor.require(PERMISSION)
    _writable(st, actor, rule_id)
    with st.databases.meta.begin() as conn:
        store.delete_val_rule(conn, st.meta, rule_id)
    return json_response({"msg": "Deleted"})


def _one(st: GatewayState, actor: Actor, rule_id: int) -> dict[str, Any]:
    with st.databases.meta.connect() as conn:
        rows = [r for r in store.val_rules(conn, st.meta, _clients(actor)) if r["id"] == rule_id]
    if not rows:
        raise ValruleNotFound(f"Validation rule {rule_id} not found")
    return _record(rows[0])


def _writable(st: GatewayState, actor: Actor, rule_id: int) -> dict[str, Any]:
    """The rule row when the caller may change it; rules of other clients are 404 like missing ones."""
    rule = _one(st, actor, rule_id)
    if not actor.is_system and rule["clientId"] != actor.client_id:
        raise AuthorizationError("Rules of client 0 are changed by System sessions only")
    return {"filter": rule["filter"], "table_name": rule["tableName"], "name": rule["name"],
            "client_id": rule["clientId"]}  # fmt: skip


def _unique_name(conn: Any, st: GatewayState, name: str, client_id: int, rule_id: int | None) -> None:
    found = store.val_rule_named(conn, st.meta, name, client_id)
    if found is not None and found != rule_id:
        raise BodyError(f"A validation rule named {name} exists", parameter="body")


def _values(body: Any, actor: Actor, *, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BodyError("The body must be a JSON object", parameter="body")
    unknown = set(body) - set(_FIELDS) - {"clientId", "id", "uid"}
    if unknown:
        raise BodyError(f"Unknown field(s): {', '.join(sorted(unknown))}", parameter="body")
    values = {column: body[field] for field, column in _FIELDS.items() if field in body}
    for column in ("name", "filter"):
        if (creating or column in values) and (
            not isinstance(values.get(column), str) or not values[column].strip()
        ):
            raise BodyError(f"{column} must be a non-empty string", parameter="body")
    for column in ("table_name", "description"):
        if values.get(column) is not None and not isinstance(values[column], str):
            raise BodyError(f"{column} must be a string", parameter="body")
    if "is_active" in values and not isinstance(values["is_active"], bool):
        raise BodyError("isActive must be a boolean", parameter="body")
    if creating:
        values["client_id"] = _client_of(body.get("clientId"), actor)
        values.setdefault("is_active", True)
    return values


def _client_of(value: Any, actor: Actor) -> int:
    if value is None:
        return actor.client_id
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BodyError("clientId must be a non-negative integer", parameter="body")
    if not actor.is_system and value != actor.client_id:
        raise AuthorizationError("Rules may only be created for the caller's client")
    return value


def check_rule(st: GatewayState, actor: Actor, text: str, table: str | None) -> None:
    """Syntax-check the rule text; compile it against `table` with the caller's role when possible."""
    settings = st.runtime.for_client(actor.client_id)
    ctx = PlanContext(st.catalog.current(), actor, settings, None, st.clock.now())  # type: ignore[arg-type]
    expr = parse_filter(text, ctx.limits, placeholders=True)
    if not table:
        return
    entity = st.catalog.current().find(table)
    if entity is None:
        raise ValruleError(f"Unknown table {table}", parameter="tableName")
    if next(placeholders_of(expr), None) is not None:
        return
    from gateway.dialects import traits_for

    ctx = PlanContext(
        st.catalog.current(), actor, settings, traits_for(st.databases.data.dialect), st.clock.now()
    )
    raw = RawRequest(method="GET", path=f"/api/v1/models/{entity.model_name}", args=(("$filter", text),),
                     headers={}, body=b"", script_root="")  # fmt: skip
    req = parse_request(
        raw, Action.LIST, entity.model_name, limits=ctx.limits, separator=settings.rest_expand_separator
    )
    plan_read(req, ctx)
