"""The floor with the duties the specification gives every gateway request, done by the gateway's own code.

`perf_floor:app` answers the benchmark URLs and does nothing more. A gateway request must also, by the
specification: take or make its X-Request-Id (security.md §9.5), authenticate the bearer token (from a
cache of verified tokens, §6), count it against the token's rate limit (§7), count and time it in the
Prometheus metrics of its worker (multiprocess mode under gunicorn), and send the security headers
(§9.5). This middleware does exactly those around the floor, each with the function or class the gateway
uses for it, so that the benchmark can tell what the duties themselves cost and what the gateway's
pipeline adds on top of them. The session check, which the gateway makes once every 2 s per worker
(README, design choices), is left out.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt
from perf_floor import app as floor_app

from gateway.auth.verified import VerifiedTokens
from gateway.errors import RateLimited
from gateway.observability import make_metrics
from gateway.web.edge import edge_headers, needs_no_store, request_id_of
from gateway.web.security import TokenRateLimiter

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
_JSON = ("Content-Type", "application/json")
_UNAUTHORIZED = b'{"title":"Unauthorized","status":401}'
_TOO_MANY = b'{"title":"Too Many Requests","status":429}'
_ENDPOINT = "/api/v1/models/<table>/<key>"
RATE_PER_MINUTE = 10_000_000  # counted, never reached by a benchmark run


class FloorWithDuties:
    """WSGI middleware: the duties around the wrapped app (its one worker's state, like the gateway's)."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], secret: str) -> None:
        self._app = app
        self._secret = secret
        self._verified = VerifiedTokens()
        self._limiter = TokenRateLimiter()
        self.metrics = make_metrics()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = request_id_of(environ.get("HTTP_X_REQUEST_ID", ""))
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        status = 0

        def respond(line: str, headers: list[tuple[str, str]]) -> Any:
            nonlocal status
            status = int(line[:3])
            cache_control_set = any(name == "Cache-Control" for name, _ in headers)
            no_store = needs_no_store(environ.get("PATH_INFO", ""), authorization, cache_control_set)
            edge = edge_headers(request_id, is_json=_JSON in headers, no_store=no_store, hsts=False)
            return start_response(line, [*headers, *edge])

        token = authorization.removeprefix("Bearer ")
        if not self._authenticated(token):
            body = [_UNAUTHORIZED]
            respond("401 UNAUTHORIZED", [_JSON])
        elif not self._admitted(token):
            body = [_TOO_MANY]
            respond("429 TOO MANY REQUESTS", [_JSON])
        else:
            body = self._app(environ, respond)
        self.metrics.observe_request("GET", _ENDPOINT, status, time.perf_counter() - started)
        return body

    def _authenticated(self, token: str) -> bool:
        try:
            self._verified.claims(token, self._decode)
        except jwt.PyJWTError:
            return False
        return True

    def _decode(self, token: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token, self._secret, algorithms=["HS512"], options={"require": ["exp"]}, leeway=10
        )
        return claims

    def _admitted(self, token: str) -> bool:
        try:
            self._limiter.hit(hashlib.sha256(token.encode()).hexdigest(), int(time.time()), RATE_PER_MINUTE)
        except RateLimited:
            return False
        return True


app = FloorWithDuties(floor_app, os.environ.get("PERF_FLOOR_SECRET", ""))
