"""Blueprint /api/v1/sysconfig: the runtime settings with their effective value and source (api.md §9.3).

Reading needs `sysconfig.read`, writing `sysconfig.write`. Tenant sessions see and change only client 0's
records and their own client's; a write clears the runtime cache of this worker (others within 60 s).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.auth import current_actor
from gateway.errors import AuthorizationError, BodyError, InvalidOption, SettingError, SettingNotFound
from gateway.meta import store
from gateway.settings import Settings, SettingSpec, coerce, setting_specs
from gateway.state import GatewayState
from gateway.web.admin_lists import list_response
from gateway.web.edge import json_response, state

bp = Blueprint("sysconfig", __name__, url_prefix="/api/v1/sysconfig")
_KINDS = {"name": Kind.STRING, "value": Kind.STRING, "clientId": Kind.INTEGER, "effectiveValue": Kind.STRING,
          "source": Kind.STRING, "description": Kind.STRING}  # fmt: skip
_POSITIVE = frozenset({
    "rest_token_expire_in_minutes", "rest_login_token_expire_in_minutes",
    "rest_refresh_token_expire_in_minutes",
    "rest_token_absolute_expire_in_minutes", "rest_max_filter_length", "rest_max_filter_nodes",
    "rest_max_filter_depth", "rest_max_in_items", "rest_max_batch_size", "rest_max_write_rows",
    "rest_login_max_failures", "rest_login_failure_window_minutes", "rest_login_lock_minutes",
})  # fmt: skip
_UPPER = {"rest_token_expire_in_minutes": 1440}


def runtime_spec(name: str) -> SettingSpec:
    """The spec of a runtime (gw_sysconfig) key, by its REST_* name in any case; 404 otherwise."""
    spec = setting_specs().get(name.lower())
    if spec is None or not spec.sysconfig:
        raise SettingNotFound(f"Unknown setting {name}")
    return spec


def parse_value(spec: SettingSpec, raw: object) -> str:
    """The text to store for `raw`, after checking type and range (400 SETTING-ERROR)."""
    if not isinstance(raw, str | int | float | bool) or isinstance(raw, float) and spec.type == "int":
        raise SettingError(f"{spec.name.upper()}: invalid value")
    value = coerce(spec, raw)
    if spec.type == "int" and (
        value < (1 if spec.name in _POSITIVE else 0) or value > _UPPER.get(spec.name, value)
    ):
        raise SettingError(f"{spec.name.upper()}: {value} is out of range")
    if spec.name == "rest_expand_separator" and (len(value) != 1 or value in ",()'"):
        raise SettingError("REST_EXPAND_SEPARATOR must be one character other than , ( ) '")
    if spec.type == "bool":
        return "Y" if value else "N"
    return ",".join(value) if isinstance(value, tuple) else str(value)


def shown(value: object) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    return ",".join(value) if isinstance(value, tuple) else str(value)


def records(st: GatewayState, clients: list[int]) -> list[dict[str, Any]]:
    """One record per runtime key at client 0, plus one per stored row of the other clients."""
    with st.databases.meta.connect() as conn:
        stored = {
            (str(n).lower(), int(c)): (str(v), d)
            for n, c, v, d in store.sysconfig_rows(conn, st.meta, clients)
        }
    out = []
    for client_id in clients:
        effective = st.runtime.for_client(client_id)
        for name, spec in setting_specs().items():
            row = stored.get((name, client_id))
            if spec.sysconfig and (client_id == 0 or row is not None):
                out.append(_record(st.settings, effective, spec, client_id, row))
    return out


def _record(
    settings: Settings, effective: Settings, spec: SettingSpec, client_id: int, row: tuple[str, Any] | None
) -> dict[str, Any]:
    layer = settings.source_of(spec.name)
    source = layer if layer in ("env", "config") else ("db" if row is not None else "default")
    return {"name": spec.name.upper(), "value": None if row is None else row[0], "clientId": client_id,
            "effectiveValue": shown(getattr(effective, spec.name)), "source": source,
            "description": (row[1] if row is not None and row[1] else spec.doc)}  # fmt: skip


def _clients(actor: Actor) -> list[int]:
    if not actor.is_system:
        return [0, actor.client_id]
    with state().databases.meta.connect() as conn:
        stored = {int(c) for _, c, _, _ in store.sysconfig_rows(conn, state().meta)}
    return sorted(stored | {0})


def _writable_client(actor: Actor, client_id: object) -> int:
    if not isinstance(client_id, int) or isinstance(client_id, bool) or client_id < 0:
        raise BodyError("clientId must be a non-negative integer", parameter="body")
    if not actor.is_system and client_id != actor.client_id:
        raise AuthorizationError("Settings may only be changed for the caller's client")
    return client_id


@bp.get("")
def list_settings() -> Response:
    actor = current_actor()
    actor.require("sysconfig.read")
    st = state()
    return list_response(st, actor, records(st, _clients(actor)), _KINDS)


@bp.put("/<name>")
def put_setting(name: str) -> Response:
    actor = current_actor()
    actor.require("sysconfig.write")
    spec, body = runtime_spec(name), request.get_json(silent=True)
    if not isinstance(body, dict) or "value" not in body:
        raise BodyError("The body must be an object with a value", parameter="body")
    client_id = _writable_client(actor, body.get("clientId", 0 if actor.is_system else actor.client_id))
    value, st = parse_value(spec, body["value"]), state()
    with st.databases.meta.begin() as conn:
        store.set_sysconfig(conn, st.meta, spec.name, client_id, value, st.clock.now())
    st.runtime.clear()
    record = next(r for r in records(st, [client_id]) if r["name"] == spec.name.upper())
    return json_response(record)


@bp.delete("/<name>")
def delete_setting(name: str) -> Response:
    actor = current_actor()
    actor.require("sysconfig.write")
    spec, raw = (
        runtime_spec(name),
        request.args.get("clientId", "0" if actor.is_system else str(actor.client_id)),
    )
    if not raw.isdigit():
        raise InvalidOption("clientId must be a non-negative integer", parameter="clientId")
    client_id, st = _writable_client(actor, int(raw)), state()
    with st.databases.meta.begin() as conn:
        store.delete_sysconfig(conn, st.meta, spec.name, client_id)
    st.runtime.clear()
    return json_response({"msg": "Deleted"})
