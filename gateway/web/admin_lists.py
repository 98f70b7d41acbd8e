"""The list envelope (api.md §2.5) over small in-memory record lists of the management endpoints.

`$filter`, `$orderby`, `$top` and `$skip` mean what they mean on /models (same grammar, same compiler,
evaluated by `pipeline.listing`); this module only pages and wraps. No I/O on the data database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, request

from filter_grammar import FilterError
from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.errors import PagingError
from gateway.pipeline.listing import list_store
from gateway.pipeline.plan.context import limits_of
from gateway.pipeline.request import collect_options
from gateway.state import GatewayState
from gateway.web.edge import json_response

_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip"})


def list_response(
    state: GatewayState, actor: Actor, rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, Kind]
) -> Response:
    """Filtered, ordered and paged `rows` in the standard envelope, with the X-* headers."""
    args = collect_options(tuple(request.args.items(multi=True)), _OPTIONS)
    for name in ("$top", "$skip"):
        if name in args and not args[name].strip().isdigit():
            raise PagingError(f"{name} must be a non-negative integer", parameter=name)
    settings = state.runtime.for_client(actor.client_id)
    cap = settings.rest_max_records_size
    top = int(args.get("$top") or 0)
    size = min(top, cap) if top and cap else (top or cap)
    skip = int(args.get("$skip") or 0)
    query = dict(args) | {"$top": str(size), "$skip": str(skip)}
    lowered = {name.lower(): kind for name, kind in kinds.items()}
    flat = [{name.lower(): _flat(value) for name, value in row.items()} for row in rows]
    try:
        page, total = list_store(state.extras).query(
            flat, lowered, query, limits=_limits(state, actor), now=state.clock.now()
        )
    except FilterError as exc:
        exc.parameter = "$filter"  # type: ignore[attr-defined]
        raise
    return _envelope([_restore(record, kinds) for record in page], total, size, skip)


def _flat(value: Any) -> Any:
    """Booleans travel through the private table as 1/0 (its columns are integers or text)."""
    return int(value) if isinstance(value, bool) else value


def _restore(record: Mapping[str, Any], kinds: Mapping[str, Kind]) -> dict[str, Any]:
    """The record with the fields' own spelling and booleans back as booleans."""
    out: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = record.get(name.lower())
        out[name] = value in (1, "1") if kind is Kind.BOOLEAN and value is not None else value
    return out


def _limits(state: GatewayState, actor: Actor) -> Any:
    return limits_of(state.runtime.for_client(actor.client_id))


def _envelope(page: list[dict[str, Any]], total: int, size: int, skip: int) -> Response:
    pages = 1 if size == 0 or total <= size else math.ceil(total / size)
    body = {"page-count": pages, "records-size": size, "skip-records": skip, "row-count": total,
            "records": page, "array-count": len(page)}  # fmt: skip
    response = json_response(body)
    headers = {"X-Page-Count": pages, "X-Records-Size": size, "X-Skip-Records": skip, "X-Row-Count": total,
               "X-Array-Count": len(page)}  # fmt: skip
    for name, value in headers.items():
        response.headers[name] = str(value)
    return response
