"""The floor with the duties the specification gives every gateway request, and nothing else.

`perf_floor:app` answers the benchmark URLs and does nothing more. A gateway request must also, by the
specification: take or make its X-Request-Id (security.md §9.5), authenticate the bearer token (from a
cache of verified tokens, §6), count it against the token's rate limit (§7), count and time it in the
Prometheus metrics of its worker (multiprocess mode under gunicorn), and send the security headers
(§9.5). This middleware does exactly those, each in its simplest form, around the floor, so that the
benchmark can tell what the duties themselves cost and what the gateway's pipeline adds on top of them.
Verified tokens are kept as the gateway keeps them; the session check, which the gateway makes once
every 2 s per worker (README, design choices), is left out.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt
from perf_floor import app as floor_app
from prometheus_client import CollectorRegistry, Counter, Histogram

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECURITY = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
]
_UNAUTHORIZED = b'{"title":"Unauthorized","status":401}'
_TOO_MANY = b'{"title":"Too Many Requests","status":429}'
RATE_PER_MINUTE = 10_000_000  # counted, never reached by a benchmark run


class FloorWithDuties:
    """WSGI middleware: the duties around the wrapped app (its one worker's state, like the gateway's)."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], secret: str) -> None:
        self._app = app
        self._secret = secret
        self._verified: dict[str, float] = {}  # token -> expiry, as the gateway's verified-token cache
        self._minute = -1
        self._counts: dict[str, int] = {}
        self.registry = registry = CollectorRegistry()
        self._requests = Counter("floor_requests", "", ("method", "endpoint", "status"), registry=registry)
        self._latency = Histogram("floor_latency_seconds", "", ("method", "endpoint"), registry=registry)
        self._children: dict[str, tuple[Any, Any]] = {}  # per status, looked up once (as the gateway does)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        inbound = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = inbound if _REQUEST_ID.match(inbound) else _new_request_id()
        edge = [("X-Request-Id", request_id), *_SECURITY]
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        status = ""

        def respond(line: str, headers: list[tuple[str, str]]) -> Any:
            nonlocal status
            status = line[:3]
            if not any(name == "Cache-Control" for name, _ in headers):
                edge.append(("Cache-Control", "no-store"))  # authenticated answers are never stored
            return start_response(line, [*headers, *edge])

        if not self._authenticated(token):
            body = [_UNAUTHORIZED]
            respond("401 UNAUTHORIZED", [("Content-Type", "application/json")])
        elif not self._admitted(token):
            body = [_TOO_MANY]
            respond("429 TOO MANY REQUESTS", [("Content-Type", "application/json")])
        else:
            body = self._app(environ, respond)
        self._observe(status, time.perf_counter() - started)
        return body

    def _observe(self, status: str, seconds: float) -> None:
        pair = self._children.get(status)
        if pair is None:
            endpoint = "/api/v1/models/<table>/<key>"
            pair = self._requests.labels("GET", endpoint, status), self._latency.labels("GET", endpoint)
            self._children[status] = pair
        pair[0].inc()
        pair[1].observe(seconds)

    def _authenticated(self, token: str) -> bool:
        expiry = self._verified.get(token)
        if expiry is None:
            try:
                claims = jwt.decode(token, self._secret, algorithms=["HS512"], options={"require": ["exp"]})
            except jwt.PyJWTError:
                return False
            expiry = self._verified[token] = float(claims["exp"])
        return time.time() < expiry

    def _admitted(self, token: str) -> bool:
        minute = int(time.time()) // 60
        if minute != self._minute:
            self._minute, self._counts = minute, {}
        key = hashlib.sha256(token.encode()).hexdigest()
        count = self._counts[key] = self._counts.get(key, 0) + 1
        return count <= RATE_PER_MINUTE


def _new_request_id() -> str:
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


app = FloorWithDuties(floor_app, os.environ.get("PERF_FLOOR_SECRET", ""))
