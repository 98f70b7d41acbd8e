"""ModelReport and ModelExport (processes.md §8): any /models query rendered as a report or export file.

Rows are read as the caller through the core facade's model query (role rights, denied columns, tenant and
org scope apply) and consumed as a stream, so the renderer never needs the whole result at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from gateway.plugins.processes.api import Param, ParameterError, ProcessError, process_handler
from gateway.plugins.processes.render import render_csv

_NO_TABLE = "unknown table or not readable"
_QUERY = [
    Param("TableName", "String", label="Table", mandatory=True),
    Param("Filter", "Text", description="$filter expression"),
    Param("Select", "String", description="comma list of columns"),
    Param("OrderBy", "String", description="$orderby expression"),
    Param("MaxRows", "Integer", default=10000),
]
_FORMATS = (
    {"value": "CSV", "name": "CSV"},
    {"value": "JSON", "name": "JSON"},
    {"value": "JSONL", "name": "JSONL"},
)


def _options(p: dict[str, Any], limit: int) -> dict[str, str]:
    options = {"$top": str(limit)}
    for param, option in (("Filter", "$filter"), ("Select", "$select"), ("OrderBy", "$orderby")):
        if p.get(param):
            options[option] = p[param]
    return options


def _query(ctx: Any, p: dict[str, Any]) -> tuple[int, int, Iterator[dict[str, Any]]]:
    """(total matched, rows returned, record iterator) through the facade's `query_models`."""
    query = getattr(ctx.gateway, "query_models", None)  # core facade: streamed /models read as the actor
    if query is None:
        raise ProcessError("model queries are not available in this gateway")
    cap = int(ctx.setting("report_max_rows", 100_000))
    limit = max(0, min(int(p.get("MaxRows") or 10000), cap))
    total, rows = query(p["TableName"], _options(p, limit))
    return int(total), limit, iter(rows)


def _check_query(ctx: Any, p: dict[str, Any]) -> None:
    check = getattr(ctx.gateway, "check_model_query", None)  # core facade: plan without executing
    if check is None:
        return
    try:
        check(p["TableName"], _options(p, 1))
    except Exception as exc:  # the core's 400/403/404 for the query -> the parameter it came from
        field = {"$filter": "Filter", "$select": "Select", "$orderby": "OrderBy"}.get(
            getattr(exc, "parameter", None) or "", "TableName"
        )
        # one message for a missing and an unreadable table: no existence oracle (processes.md §5.2)
        message = _NO_TABLE if field == "TableName" else getattr(exc, "detail", str(exc))
        raise ParameterError(field, message) from None


def _columns(first: dict[str, Any] | None) -> list[str]:
    return [k for k in (first or {}) if k != "model-name"]


@process_handler(
    value="ModelReport", name="Model Report", description="Any table of /models as HTML, CSV, XLS or PDF",
    params=[*_QUERY, Param("Title", "String")], is_report=True, reusable=True, validator=_check_query,
)  # fmt: skip
def model_report(ctx: Any, p: dict[str, Any]) -> str:
    total, limit, rows = _query(ctx, p)
    first = next(rows, None)
    columns = _columns(first)
    stream = (([r.get(c) for c in columns]) for r in _chain(first, rows))
    name, content, ctype = ctx.render_table(
        p.get("Title") or p["TableName"], columns, stream, summary=ctx.is_summary
    )
    ctx.report_file(name, content, ctype)
    if total > limit:
        ctx.log(f"{limit} of {total} rows (truncated)", number=limit)
        return f"{limit} of {total} rows (truncated)"
    return f"{total} rows"


@process_handler(
    value="ModelExport", name="Model Export", description="Any table of /models as CSV, JSON or JSONL",
    params=[*_QUERY, Param("Format", "List", default="CSV", values=_FORMATS)], reusable=True,
    validator=_check_query,
)  # fmt: skip
def model_export(ctx: Any, p: dict[str, Any]) -> str:
    _, _, rows = _query(ctx, p)
    fmt, table = p["Format"], p["TableName"].lower()
    records = list(rows)
    if fmt == "CSV":
        columns = _columns(records[0] if records else None)
        content = render_csv(columns, ([r.get(c) for c in columns] for r in records), raw=True)
        ctx.export_file(f"{table}.csv", content, "text/csv; charset=utf-8")
    elif fmt == "JSON":
        ctx.export_file(f"{table}.json", json.dumps(records, default=str).encode(), "application/json")
    else:
        lines = "".join(json.dumps(r, default=str) + "\n" for r in records)
        ctx.export_file(f"{table}.jsonl", lines.encode(), "application/x-ndjson")
    return f"{len(records)} rows exported"


def _chain(first: dict[str, Any] | None, rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    if first is not None:
        yield first
        yield from rest
