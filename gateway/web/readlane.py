"""The read lane: GET /api/v1/models/<table>[/<key>] answered straight from WSGI, beside Flask.

Plain reads are the hot path of a reporting gateway, and on them Flask's request context, routing and hook
chain cost about as much CPU as the pipeline itself. The lane answers exactly those requests by the steps
the app's hooks take (request id, rate limit, authentication, the pipeline, edge headers, metrics) and hands
every other request to Flask untouched. It takes part only while every app-wide hook is one it reproduces
(`mirrored_by_read_lane`) and no blueprint hook covers the models routes: a plugin's app-wide hook or
flask-cors turns it off, so no hook is ever skipped. Tests compare both doors response by response.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from gateway.actor import Actor
from gateway.auth import authenticate, tokens
from gateway.auth.routes import bearer_of
from gateway.observability import REQUEST_ID
from gateway.pipeline import NATIVE_TIMES_JSON, ReadTarget
from gateway.pipeline.types import HttpResult, RawRequest
from gateway.state import GatewayState
from gateway.web.edge import edge_headers, needs_no_store, raw_request_of, request_id_of
from gateway.web.errors import problem_parts, to_gateway_error
from gateway.web.metrics import observe_request
from gateway.web.models import read_records
from gateway.web.security import admit, rate_limiter_of

log = logging.getLogger("gateway.readlane")
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
_PREFIX = "/api/v1/models/"
_PATH = re.compile(r"^/api/v1/models/([^/]+)(?:/([^/]+))?$")
_RULES = ("/api/v1/models/<table>", "/api/v1/models/<table>/<key>")
_ENDPOINTS = {"models.list_records", "models.get_record"}
_HOOK_TABLES = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")
_JSON = ("Content-Type", "application/json")


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: list[tuple[str, str]]
    body: Iterable[bytes]


def install_read_lane(app: Flask, state: GatewayState) -> bool:
    """Put the lane in front of `app.wsgi_app` when the setting allows it and the app's hooks are known."""
    if not state.settings.read_lane:
        return False
    obstacle = lane_obstacle(app)
    if obstacle is not None:
        log.info("read lane off: %s", obstacle)
        return False
    app.wsgi_app = ReadLane(app, state, app.wsgi_app)  # type: ignore[method-assign]
    return True


def lane_obstacle(app: Flask) -> str | None:
    """Why the lane cannot stand in for Flask on this app's models reads, or None."""
    for table in _HOOK_TABLES:
        for scope, hooks in getattr(app, table).items():
            if scope not in (None, "models") and not scope.startswith("models."):
                continue
            for hook in hooks:
                if scope is not None or not getattr(hook, "mirrored_by_read_lane", False):
                    return f"{table} has {getattr(hook, '__qualname__', hook)!r}"
    if app.url_value_preprocessors or app.url_default_functions:
        return "URL value preprocessors are registered"
    for rule in app.url_map.iter_rules():
        if rule.rule in _RULES and "GET" in (rule.methods or ()) and rule.endpoint not in _ENDPOINTS:
            return f"{rule.endpoint} also serves GET {rule.rule}"
    return None


class ReadLane:
    """WSGI middleware: plain models reads here, everything else to the Flask app behind."""

    def __init__(self, app: Flask, state: GatewayState, flask_app: WsgiApp) -> None:
        self._app = app
        self._state = state
        self._flask = flask_app
        self._limiter = rate_limiter_of(state)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not _in_lane(environ):
            return self._flask(environ, start_response)
        raw = raw_request_of(environ, b"")
        match = _PATH.match(raw.path)
        if match is None:
            return self._flask(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_of(raw.headers.get("x-request-id", ""))
        token = REQUEST_ID.set(request_id)
        try:
            answer = self._answer(raw, ReadTarget(match[1], match[2]))
            timing = observe_request(self._state, "GET", _RULES[match[2] is not None], answer.status, started)
        finally:
            REQUEST_ID.reset(token)
        headers = answer.headers + self._edge(raw, environ, answer, request_id)
        if timing is not None:
            headers.append(("Server-Timing", timing))
        phrase = HTTP_STATUS_CODES.get(answer.status, "unknown").upper()  # werkzeug's status line
        start_response(f"{answer.status} {phrase}", headers)
        return answer.body

    def _answer(self, raw: RawRequest, target: ReadTarget) -> _Answer:
        try:
            authorization = raw.headers.get("authorization", "")
            admit(self._state, self._limiter, authorization, raw.path)
            actor = self._actor(authorization)
            return _result_answer(read_records(self._state, raw, target, actor))
        except Exception as exc:  # the one error shape, as Flask's error handler renders it
            status, headers, body = problem_parts(to_gateway_error(exc))
            return _Answer(status, [_JSON, *headers.items(), _length(body)], [body])

    def _actor(self, authorization: str) -> Actor:
        return authenticate(self._state, bearer_of(authorization), self._decode)

    def _decode(self, token: str) -> dict[str, Any]:
        with self._app.app_context():  # flask-jwt-extended reads its keys from the app
            return tokens.decode(token)

    def _edge(
        self, raw: RawRequest, environ: Environ, answer: _Answer, request_id: str
    ) -> list[tuple[str, str]]:
        names = {name.lower() for name, _ in answer.headers}
        return edge_headers(
            request_id,
            is_json=any(n == "Content-Type" and v.split(";")[0] == _JSON[1] for n, v in answer.headers),
            no_store=needs_no_store(raw.path, raw.headers.get("authorization"), "cache-control" in names),
            hsts=self._state.settings.hsts and environ.get("wsgi.url_scheme") == "https",
        )


def _in_lane(environ: Environ) -> bool:
    """A GET without a body (anything with a body keeps Flask's size and JSON-depth checks)."""
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and environ.get("PATH_INFO", "").startswith(_PREFIX)
        and environ.get("CONTENT_LENGTH", "") in ("", "0")
        and "HTTP_TRANSFER_ENCODING" not in environ
    )


def _result_answer(result: HttpResult) -> _Answer:
    if result.status == 304:
        return _Answer(304, list(result.headers.items()), [])
    headers = (
        [_JSON, *result.headers.items()]
        if "Content-Type" not in result.headers
        else [*result.headers.items()]
    )
    if result.stream is not None:
        return _Answer(result.status, headers, result.stream())  # the server closes an abandoned stream
    body = orjson.dumps(result.body, option=NATIVE_TIMES_JSON)
    return _Answer(result.status, [*headers, _length(body)], [body])


def _length(body: bytes) -> tuple[str, str]:
    return ("Content-Length", str(len(body)))
