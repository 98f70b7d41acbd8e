"""HTTP hardening of the edge: trusted proxy hops, CORS, body size and JSON depth, per-token request rate.

`init_security` and `init_proxy_fix` wire everything once per app (security.md §7, §9.1–§9.3). Checks run
before any view and raise gateway errors for the one error handler; nothing here reads tokens beyond
hashing the bearer text.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.errors import BodyError, PayloadTooLarge, RateLimited
from gateway.state import GatewayState
from gateway.web.edge import mirrored_by_read_lane

MAX_JSON_DEPTH = 64
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-Id")
CORS_EXPOSE_HEADERS = (
    "X-Page-Count", "X-Records-Size", "X-Skip-Records", "X-Row-Count", "X-Array-Count", "ETag", "Location",
    "Link", "Retry-After", "X-Request-Id",
)  # fmt: skip
CORS_MAX_AGE = 600
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def init_security(app: Flask, state: GatewayState) -> None:
    """CORS and the request limits of this app."""
    limiter = rate_limiter_of(state)

    @app.before_request
    @mirrored_by_read_lane
    def check_request_limits() -> None:
        check_request(state, limiter)

    # registered before flask-cors so that it runs after it (Flask runs after_request hooks in reverse)
    app.after_request(mirrored_by_read_lane(_preflight_no_content))
    if state.settings.cors_origins:
        _init_cors(app, state.settings.cors_origins)


def init_proxy_fix(app: Flask, hops: int) -> None:
    """Trust `hops` proxies' X-Forwarded-* headers; the outermost WSGI layer, so every door sees them."""
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def rate_limiter_of(state: GatewayState) -> TokenRateLimiter:
    """The app's one per-token limiter, shared by Flask's hook and the read lane."""
    return state.extras.setdefault("security.limiter", TokenRateLimiter())  # type: ignore[no-any-return]


def _init_cors(app: Flask, origins: tuple[str, ...]) -> None:
    wildcard = "*" in origins
    CORS(
        app,
        origins="*" if wildcard else list(origins),
        send_wildcard=wildcard,
        supports_credentials=False,
        methods=list(CORS_METHODS),
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
        max_age=CORS_MAX_AGE,
        vary_header=True,
    )


def _preflight_no_content(response: Response) -> Response:
    """A CORS preflight answers 204 with no body (no authentication); echoed origins vary by Origin."""
    origins = response.headers.getlist("Access-Control-Allow-Origin")  # get() raises inside when absent
    origin = origins[0] if origins else None
    if origin and origin != "*":
        vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
        response.headers["Vary"] = ", ".join(sorted(vary | {"Origin"}))
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight and response.status_code < 300:
        response.status_code = 204
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


def check_request(state: GatewayState, limiter: TokenRateLimiter) -> None:
    """Refuse oversized bodies, too deeply nested JSON and tokens over their request rate."""
    if request.method == "OPTIONS":
        return
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The request body exceeds {limit} bytes")
    if request.content_length and request.is_json:
        check_json_depth(request.get_data(cache=True))
    admit(state, limiter, request.headers.get("Authorization", ""), request.path)


def admit(state: GatewayState, limiter: TokenRateLimiter, bearer: str, path: str) -> None:
    """Count a request against its token's rate; 429 RATE-LIMITED over it (login is never counted)."""
    per_minute = state.runtime.for_client(0).rest_rate_limit_per_minute
    if per_minute > 0 and bearer and not path.startswith("/api/v1/auth"):
        limiter.hit(
            hashlib.sha256(bearer.encode()).hexdigest(), int(state.clock.now().timestamp()), per_minute
        )


def json_depth(body: bytes) -> int:
    """Deepest array/object nesting of a JSON text, without parsing it (strings are skipped)."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(_DEPTH_STEP[b] for b in brackets), default=0)


def check_json_depth(body: bytes) -> None:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise BodyError(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", parameter="body")


@dataclass(slots=True)
class TokenRateLimiter:
    """Requests per token per minute, in this worker's memory (approximate by design, security.md §7)."""

    minute: int = -1
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, now_seconds: int, per_minute: int) -> None:
        minute = now_seconds // 60
        with self.lock:
            if minute != self.minute:
                self.minute, self.counts = minute, {}
            count = self.counts.get(key, 0) + 1
            self.counts[key] = count
        if count > per_minute:
            retry = max(1, 60 - now_seconds % 60)
            raise RateLimited("Too many requests for this token", retry_after=retry)
