"""The edge: Flask request -> RawRequest, HttpResult -> Flask response, and per-request headers.

Only this module and the blueprints touch `flask.request`; everything below works on RawRequest.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, request

from gateway.pipeline.types import HttpResult, RawRequest
from gateway.state import GatewayState

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def state() -> GatewayState:
    return current_app.extensions["gateway"]  # type: ignore[no-any-return]


def raw_request() -> RawRequest:
    return RawRequest(
        method=request.method,
        path=request.path,
        args=tuple(request.args.items(multi=True)),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.get_data(cache=True) or b"",
        script_root=request.script_root,
    )


def to_response(result: HttpResult) -> Response:
    if result.status == 304:
        response = Response(status=304)
    elif result.stream is not None:
        response = Response(result.stream(), status=result.status, mimetype="application/json")
    else:
        response = json_response(result.body, result.status)
    for name, value in result.headers.items():
        response.headers[name] = value
    return response


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def init_edge(app: Flask, hsts: bool) -> None:
    """Request ids and the security headers every response carries (security.md §9.5)."""

    @app.before_request
    def assign_request_id() -> None:
        inbound = request.headers.get("X-Request-Id", "")
        g.request_id = inbound if _REQUEST_ID.match(inbound) else str(uuid.uuid4())

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Request-Id"] = getattr(g, "request_id", "") or str(uuid.uuid4())
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        if response.mimetype == "application/json":
            headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        if (
            request.path.startswith("/api/v1/auth")
            or "Cache-Control" not in headers
            and request.headers.get("Authorization")
        ):
            headers["Cache-Control"] = "no-store"
        if hsts and request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
