"""Blueprint /api/v1/health: UP/DOWN from a `SELECT 1` on the data database, cached 5 s per worker."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import Blueprint, Response, request

from gateway.errors import AuthenticationError
from gateway.web.edge import json_response, state

bp = Blueprint("health", __name__, url_prefix="/api/v1")
_CACHE_SECONDS = 5.0


@bp.get("/health")
def health() -> Response:
    st = state()
    key = st.settings.rest_health_monitoring_key
    if key and not hmac.compare_digest(request.args.get("key", ""), key):
        raise AuthenticationError("Invalid health monitoring key")
    if request.args.get("db", "").lower() == "false":
        return json_response({"status": "UP"})
    up = _database_up(st)
    body = {"status": "UP", "database": "connected"} if up else {"status": "DOWN", "database": "disconnected"}
    return json_response(body, 200 if up else 503)


def _database_up(st: object) -> bool:
    extras = st.extras  # type: ignore[attr-defined]
    now = st.clock.monotonic()  # type: ignore[attr-defined]
    cached = extras.get("health")
    if cached and now - cached[0] < _CACHE_SECONDS:
        return bool(cached[1])
    try:
        with st.databases.data.connect() as conn:  # type: ignore[attr-defined]
            conn.execute(sa.text("SELECT 1"))
        up = True
    except sa.exc.SQLAlchemyError:
        up = False
    extras["health"] = (now, up)
    return up
