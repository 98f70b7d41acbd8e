"""Blueprint /api/v1/_test/** (plugins.md §13.2): the app clock, a synchronous drain and killing an engine
session, for black-box tests. Registered only with `test_hooks=Y`; only Admin sessions see it (others 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Response, request

from gateway.auth import current_actor
from gateway.errors import BodyError, NotFound, RouteNotFound, ValidationError
from gateway.jobs import leases
from gateway.pipeline.entity_list import json_value
from gateway.web.edge import json_response, state

bp = Blueprint("testhooks", __name__, url_prefix="/api/v1/_test")


@bp.before_request
def admin_only() -> None:
    if not current_actor().policy.is_admin:
        raise RouteNotFound("No such resource")


def _body() -> dict[str, Any]:
    data = request.get_data() or b"{}"
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise BodyError("The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BodyError("The body must be a JSON object")
    return body


def _clock() -> Any:
    clock = state().clock
    if not hasattr(clock, "advance"):
        raise NotFound("the app clock is not a FixedClock")
    return clock


@bp.get("/clock")
def get_clock() -> Response:
    return json_response({"now": json_value(_clock().now())})


@bp.put("/clock")
def put_clock() -> Response:
    clock, body = _clock(), _body()
    if "advance" in body:
        seconds = body["advance"]
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ValidationError("advance must be a non-negative number of seconds")
        clock.advance(float(seconds))
    elif "now" in body:
        try:
            clock.set(datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00")))
        except ValueError:
            raise ValidationError("now must be an ISO 8601 timestamp") from None
    else:
        raise ValidationError("give 'now' or 'advance'")
    return json_response({"now": json_value(clock.now())})


@bp.post("/drain")
def drain() -> Response:
    max_steps = _body().get("max_steps", 1000)
    if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
        raise ValidationError("max_steps must be a positive integer")
    counts = state().extras["gateway.facade"].drain(until_idle=True, max_steps=max_steps)
    return json_response(counts)


@bp.put("/engine-sessions/<int:session_id>")
def kill_session(session_id: int) -> Response:
    if request.args.get("action") != "kill":
        raise ValidationError("the only action here is kill")
    st = state()
    with st.databases.meta.begin() as conn:
        found = leases.expire_session(
            conn, st.meta.engine_session, session_id, st.clock.now(), st.settings.lease_seconds
        )
    if not found:
        raise NotFound(f"no engine session {session_id}")
    return json_response({"session": session_id, "expired": True})


__all__ = ["bp"]
