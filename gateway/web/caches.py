"""Blueprint /api/v1/caches: list the in-process caches and reset them (catalog reload included)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from gateway.auth import current_actor
from gateway.errors import TableNotFound
from gateway.state import GatewayState
from gateway.web.edge import json_response, state

bp = Blueprint("caches", __name__, url_prefix="/api/v1")


def _entry(
    name: str, table: str | None, size: int, max_size: int = 0, hits: int = 0, misses: int = 0
) -> dict[str, Any]:
    return {"name": name, "table_name": table, "size": size, "maxSize": max_size, "expireMinutes": 0,
            "distributed": False, "hits": hits, "misses": misses}  # fmt: skip


def _request_entries(st: GatewayState) -> list[dict[str, Any]]:
    """The caches by request: parsed options and prepared record reads."""
    named = (("options", st.options), ("prepared", st.prepared))
    return [_entry(name, None, len(c), c.max_size, c.hits, c.misses) for name, c in named if c is not None]


def _caches(st: GatewayState, table: str | None) -> list[dict[str, Any]]:
    catalog = st.catalog.current()
    schema_size = 1 if table else len(catalog.entity_sets)
    cache = st.statements
    return [
        _entry("schema", table, schema_size),
        _entry("statements", table, len(cache), cache.max_size, cache.hits, cache.misses),
        *_request_entries(st),
        _entry("identifiers", table, 0),
        _entry("sysconfig", None, st.runtime.size() if hasattr(st.runtime, "size") else 0),
        _entry("roles", None, len(st.extras.get("auth.policies", {}))),
    ]


@bp.get("/caches")
def list_caches() -> Response:
    current_actor().require("caches.read")
    st = state()
    table = _table_arg(st)
    wanted = (request.args.get("name") or "").lower()
    caches = [c for c in _caches(st, table) if not wanted or c["name"] == wanted]
    return json_response({"caches": caches})


@bp.delete("/caches")
def reset_caches() -> Response:
    current_actor().require("caches.reset")
    st = state()
    count = st.reset_caches(_table_arg(st))
    return json_response({"entriesReset": count})


def _table_arg(st: GatewayState) -> str | None:
    name = request.args.get("table_name")
    if not name:
        return None
    entity = st.catalog.current().find(name)
    if entity is None:
        raise TableNotFound(f"Table {name} not found")
    return entity.model_name
