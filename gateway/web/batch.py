"""Blueprint /api/v1/batch: several /api/v1/models requests in one call, in one transaction or each alone.

Items are validated as a whole before any runs (BATCH-ERROR), then dispatched to the same `read`/`write`
pipeline functions as the models blueprint, with the caller's session. With `transaction=true` every item
runs on the one connection of a single `source.begin()`; the first failing item rolls everything back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson
from flask import Blueprint, Response

from gateway.actor import Actor
from gateway.auth import current_actor
from gateway.db import ConnectionSource, SavepointSource
from gateway.errors import BatchError, MethodNotAllowed, RouteNotFound, UnsupportedMediaType
from gateway.hooks.writes import PluginWriteHooks, write_hooks
from gateway.meta.valrules import find_rule
from gateway.pipeline import ReadTarget, read
from gateway.pipeline.types import Action, HttpResult, RawRequest
from gateway.pipeline.writes import WriteTarget, write
from gateway.state import GatewayState
from gateway.web.edge import json_response, raw_request, state
from gateway.web.errors import to_gateway_error
from gateway.web.models_list import list_models

bp = Blueprint("batch", __name__, url_prefix="/api/v1/batch")

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_PATH = re.compile(r"^/?(?:api/)?v1/models(?P<rest>(?:/[^/?]+)*)/?$")
_ITEM_HEADERS = {"if-match": "If-Match", "if-none-match": "If-None-Match"}


@dataclass(frozen=True, slots=True)
class Item:
    method: str
    segments: tuple[str, ...]  # after /api/v1/models, URL-decoded
    raw: RawRequest


class _RolledBack(Exception):
    """Raised inside the batch transaction to roll it back after a failing item."""


@bp.post("")
def run_batch() -> Response:
    st = state()
    actor = current_actor()
    raw = raw_request()
    settings = st.runtime.for_client(actor.client_id)
    items, transaction = parse_batch(raw, settings.rest_max_batch_size)
    source = st.databases.data
    hooks = write_hooks(st.plugins, st.clock, "api")
    if not transaction:
        return json_response(
            [_outcome(_dispatch(st, actor, item, source, hooks, alone=True)) for item in items]
        )
    results: list[dict[str, Any]] = []
    try:
        with source.begin() as conn:
            shared = SavepointSource(conn)
            for item in items:
                results.append(_outcome(_dispatch(st, actor, item, shared, hooks, alone=False)))
                if results[-1]["statusCode"] >= 400:
                    raise _RolledBack
    except _RolledBack:
        for result in results[:-1]:
            result["rolledBack"] = True
        return json_response(results, 400)
    if hooks is not None:
        hooks.committed()
    return json_response(results)


def parse_batch(raw: RawRequest, max_items: int) -> tuple[list[Item], bool]:
    """The validated items and the transaction mode; BATCH-ERROR before anything runs."""
    media = (raw.header("Content-Type") or "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType("The body must be JSON (application/json)")
    try:
        body = orjson.loads(raw.body)
    except orjson.JSONDecodeError:
        raise BatchError("The batch is not valid JSON") from None
    transaction = _flag(dict(raw.args).get("transaction", "true"))
    if isinstance(body, dict):
        requests = body.get("requests")
        transaction = body.get("transaction", transaction)
        if not isinstance(transaction, bool):
            raise BatchError("'transaction' must be true or false")
    else:
        requests = body
    if not isinstance(requests, list) or not requests:
        raise BatchError("The batch needs a non-empty array of requests")
    if len(requests) > max_items:
        raise BatchError(f"A batch holds at most {max_items} requests")
    return [_item(n, spec) for n, spec in enumerate(requests)], transaction


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise BatchError("?transaction must be true or false")
    return lowered == "true"


def _item(n: int, spec: Any) -> Item:
    if not isinstance(spec, dict):
        raise BatchError(f"requests[{n}] must be an object")
    method, path, headers = spec.get("method"), spec.get("path"), spec.get("headers") or {}
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise BatchError(f"requests[{n}]: method must be one of {', '.join(sorted(_METHODS))}")
    if not isinstance(path, str):
        raise BatchError(f"requests[{n}]: path is required")
    route, _, query = path.partition("?")
    match = _PATH.match(route)
    if match is None:
        raise BatchError(f"requests[{n}]: only /api/v1/models paths may be batched")
    if not isinstance(headers, dict) or any(str(k).lower() not in _ITEM_HEADERS for k in headers):
        raise BatchError(f"requests[{n}]: headers may carry If-Match and If-None-Match only")
    segments = tuple(unquote(s) for s in match["rest"].split("/")[1:])
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    body = spec.get("body")
    raw = RawRequest(
        method=method.upper(),
        path="/api/v1/models" + "".join(f"/{s}" for s in match["rest"].split("/")[1:]),
        args=tuple(parse_qsl(query, keep_blank_values=True)),
        headers={"content-type": "application/json", **lowered},
        body=b"" if body is None else orjson.dumps(body),
    )
    return Item(method.upper(), segments, raw)


def _dispatch(
    st: GatewayState,
    actor: Actor,
    item: Item,
    source: ConnectionSource,
    hooks: PluginWriteHooks | None,
    *,
    alone: bool,
) -> HttpResult | Exception:
    """One item through the models pipeline; errors are returned (they become that item's body). Outside
    a batch transaction each item commits on its own, and its after-commit work runs right after it."""
    try:
        result = _route(item)(st, actor, item, source, hooks)
    except Exception as exc:  # every item failure becomes its own error object, as the models views do
        if alone and hooks is not None:
            hooks.discard()
        return exc
    if alone and hooks is not None:
        hooks.committed()
    return result


Handler = Callable[[GatewayState, Actor, Item, ConnectionSource, "PluginWriteHooks | None"], HttpResult]


def _route(item: Item) -> Handler:
    count, method = len(item.segments), item.method
    if count == 0 and method == "GET":
        return lambda st, actor, it, _source, _hooks: list_models(it.raw, actor, st)
    if count in (1, 2, 3) and method == "GET":
        return _read
    if (count, method) in ((1, "POST"), (2, "PUT"), (2, "PATCH"), (2, "DELETE")):
        return _write
    if count > 3:
        raise RouteNotFound("No such resource")
    raise MethodNotAllowed(f"{method} is not allowed on {item.raw.path}")


def _read(
    st: GatewayState, actor: Actor, item: Item, source: ConnectionSource, _hooks: Any = None
) -> HttpResult:
    return read(
        item.raw,
        ReadTarget(*item.segments),
        actor=actor,
        catalog=st.catalog.current(),
        settings=st.runtime.for_client(actor.client_id),
        source=source,
        now=st.clock.now(),
        find_valrule=lambda ident: find_rule(st.databases.meta, st.meta.val_rule, ident, actor.client_id),
    )


_WRITE_ACTIONS = {
    "POST": Action.INSERT,
    "PUT": Action.UPDATE,
    "PATCH": Action.UPDATE,
    "DELETE": Action.DELETE,
}


def _write(
    st: GatewayState, actor: Actor, item: Item, source: ConnectionSource, hooks: PluginWriteHooks | None
) -> HttpResult:
    return write(
        item.raw,
        WriteTarget(*item.segments),
        _WRITE_ACTIONS[item.method],
        actor=actor,
        catalog=st.catalog.current(),
        settings=st.runtime.for_client(actor.client_id),
        source=source,
        now=st.clock.now(),
        hooks=hooks,
    )


def _outcome(result: HttpResult | Exception) -> dict[str, Any]:
    """{statusCode, status, headers, body} of one item (api.md §6)."""
    if isinstance(result, Exception):
        error = to_gateway_error(result)
        headers = dict(error.headers)
        status, body = error.status, error.to_problem()
    else:
        headers, status, body = dict(result.headers), result.status, result.body
        if result.stream is not None:
            body = orjson.loads(b"".join(result.stream()))
    return {"statusCode": status, "status": HTTPStatus(status).phrase, "headers": headers, "body": body}
