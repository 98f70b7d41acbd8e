"""The edge: Flask request -> RawRequest, HttpResult -> Flask response, and per-request headers.

Only this module and the blueprints touch `flask.request`; everything below works on RawRequest.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler raw_request_of uses
from flask import Flask, Response, current_app, g, request

from gateway.pipeline.types import HttpResult, RawRequest
from gateway.state import GatewayState

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_Hook = TypeVar("_Hook", bound=Callable[..., Any])


def state() -> GatewayState:
    return current_app.extensions["gateway"]  # type: ignore[no-any-return]


def raw_request() -> RawRequest:
    return raw_request_of(request.environ, request.get_data(cache=True) or b"")


def raw_request_of(environ: Mapping[str, Any], body: bytes) -> RawRequest:
    """The RawRequest of a WSGI environ (Flask's request, or the read lane's), decoded as werkzeug's Request
    decodes it: path and script root from WSGI's latin-1 to UTF-8, query arguments in order with invalid
    bytes left percent-encoded, and the headers werkzeug's EnvironHeaders lists. Straight from the environ:
    werkzeug's header view walks and title-cases every key on each lookup."""
    query = environ.get("QUERY_STRING", "").encode("latin1").decode()
    return RawRequest(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path="/" + _wsgi_text(environ.get("PATH_INFO") or "").lstrip("/"),
        args=_query_args(query),
        headers=EnvironHeaders(environ),
        body=body,
        script_root=_wsgi_text(environ.get("SCRIPT_NAME") or "").rstrip("/"),
    )


@functools.lru_cache(maxsize=1024)
def _query_args(query: str) -> tuple[tuple[str, str], ...]:
    """The query's arguments in order; remembered per query text (clients repeat the same queries, and
    parsing a filtered page's query costs about 8 us)."""
    return tuple(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))


def _wsgi_text(value: str) -> str:
    return value.encode("latin1").decode(errors="replace")


class EnvironHeaders(Mapping[str, str]):
    """The request headers of a WSGI environ by lower-case name, as werkzeug lists them, read from the
    environ on lookup: a request looks up a few headers, and copying all of them cost more."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        """Without Mapping.get's KeyError: most looked-up headers are absent (X-Request-Id, If-None-Match)."""
        key = _environ_key(name)
        value = self._environ.get(key) if key is not None else None
        if value is None or (not value and key in _CONTENT):
            return default
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(_copied_headers(self._environ))

    def __len__(self) -> int:
        return len(_copied_headers(self._environ))


_CONTENT = ("CONTENT_TYPE", "CONTENT_LENGTH")


@functools.lru_cache(maxsize=256)
def _environ_key(name: str) -> str | None:
    """The environ key of a header name (None for names no environ key maps back to)."""
    if "_" in name or name != name.lower():
        return None
    key = name.upper().replace("-", "_")
    if key in _CONTENT:
        return key
    return None if "HTTP_" + key in _HTTP_CONTENT else "HTTP_" + key


_HTTP_CONTENT = ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")


def _copied_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in _HTTP_CONTENT:
                headers[key[5:].replace("_", "-").lower()] = value
        elif key in _CONTENT and value:
            headers[key.replace("_", "-").lower()] = value
    return headers


def to_response(result: HttpResult, json_option: int = 0) -> Response:
    """`json_option`: orjson's options for the body (NATIVE_TIMES_JSON for read_records' results)."""
    if result.status == 304:
        response = Response(status=304)
    elif result.stream is not None:
        response = Response(result.stream(), status=result.status, mimetype="application/json")
    else:
        response = json_response(result.body, result.status, json_option)
    for name, value in result.headers.items():
        response.headers[name] = value
    return response


def json_response(body: Any, status: int = 200, option: int = 0) -> Response:
    return Response(orjson.dumps(body, option=option), status=status, mimetype="application/json")


def mirrored_by_read_lane(hook: _Hook) -> _Hook:
    """Mark an app-wide hook whose effect the read lane reproduces (gateway.web.readlane)."""
    hook.mirrored_by_read_lane = True  # type: ignore[attr-defined]
    return hook


def request_id_of(inbound: str) -> str:
    """The caller's X-Request-Id when it is a safe token, else a fresh one."""
    return inbound if _REQUEST_ID.match(inbound) else new_request_id()


def new_request_id() -> str:
    """A random (version 4) UUID's text, written from 16 random bytes: `str(uuid.uuid4())` builds a UUID
    object only to format it, at twice the cost, on every request that brings no id."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 4122 variant bits


def needs_no_store(path: str, authorization: str | None, cache_control_set: bool) -> bool:
    """Login answers and authenticated answers that chose no caching of their own are never stored."""
    return path.startswith("/api/v1/auth") or (not cache_control_set and bool(authorization))


def edge_headers(request_id: str, *, is_json: bool, no_store: bool, hsts: bool) -> list[tuple[str, str]]:
    """The headers every response carries (security.md §9.5)."""
    headers = [
        ("X-Request-Id", request_id),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    if is_json:
        headers.append(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
    if no_store:
        headers.append(("Cache-Control", "no-store"))
    if hsts:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def init_edge(app: Flask, hsts: bool) -> None:
    """Request ids and the security headers every response carries."""

    @app.before_request
    @mirrored_by_read_lane
    def assign_request_id() -> None:
        g.request_id = request_id_of(request.headers.get("X-Request-Id", ""))

    @app.after_request
    @mirrored_by_read_lane
    def security_headers(response: Response) -> Response:
        headers = response.headers
        no_store = needs_no_store(
            request.path, request.headers.get("Authorization"), "Cache-Control" in headers
        )
        for name, value in edge_headers(
            getattr(g, "request_id", "") or new_request_id(),
            is_json=response.mimetype == "application/json",
            no_store=no_store,
            hsts=hsts and request.is_secure,
        ):
            headers[name] = value
        return response
