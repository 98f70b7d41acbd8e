"""Stage 5 for reads: the list envelope with its X-* headers and Link, single records with ETag.

Key order is the one of api.md §2.5; `sql-command` (admins) goes after `row-count`. Render never touches
the database: it only encodes what execute fetched.
"""

from __future__ import annotations

import functools
import math
from typing import Any
from urllib.parse import quote_plus, urlencode

import orjson

from gateway.pipeline.execute import ReadResult
from gateway.pipeline.render.encoder import EncoderSpec, RenderOptions, RowEncoder
from gateway.pipeline.types import HttpResult, Page, RawRequest, ReadPlan


def render_list(
    plan: ReadPlan,
    result: ReadResult,
    options: RenderOptions,
    raw: RawRequest,
    sql: str | None = None,
    *,
    next_token: str | None = None,
    spec: EncoderSpec | None = None,
) -> HttpResult:
    records: Any
    if result.records_json is not None:  # built by the database, spliced in as it is
        records = orjson.Fragment(result.records_json)
    else:
        encoder = RowEncoder(plan, result.level, options, spec)
        records = [encoder.encode(row) for row in result.level.rows]
    fetched = result.array_count
    page, total = plan.page, result.row_count
    body: dict[str, Any] = {
        "page-count": page_count(total, page.size),
        "records-size": page.size,
        "skip-records": page.skip,
        "row-count": total,
    }
    if sql is not None:
        body["sql-command"] = sql
    body["records"] = records
    body["array-count"] = fetched
    headers = {
        "X-Page-Count": str(body["page-count"]),
        "X-Records-Size": str(page.size),
        "X-Skip-Records": str(page.skip),
        "X-Row-Count": str(total),
        "X-Array-Count": str(fetched),
        "Cache-Control": "private, no-cache",
    }
    if result.estimated:
        body["row-count-estimated"] = True
        headers["X-Row-Count-Estimated"] = "true"
    link = keyset_link(raw, page, next_token) if plan.keyset else paging_links(raw, page, total, fetched)
    if link:
        headers["Link"] = link
    return HttpResult(200, body, headers)


def page_count(total: int, size: int) -> int:
    if total < 0:
        return -1
    if size == 0 or total <= size:
        return 1
    return math.ceil(total / size)


def paging_links(raw: RawRequest, page: Page, total: int, fetched: int) -> str | None:
    """Relative next/prev links that repeat the request's other options (api.md §2.5)."""
    if page.size == 0:
        return None
    has_next = fetched == page.size and (total < 0 or page.skip + page.size < total)
    links = []
    if has_next:
        links.append(f'<{_with_page(raw, page.skip + page.size, page.size)}>; rel="next"')
    if page.skip > 0:
        links.append(f'<{_with_page(raw, max(page.skip - page.size, 0), page.size)}>; rel="prev"')
    return ", ".join(links) or None


def keyset_link(raw: RawRequest, page: Page, token: str | None) -> str | None:
    """Keyset paging links forward only: the next page starts after this one's last row."""
    if token is None:
        return None
    paging = f"$skiptoken={quote_plus(token, safe=_LINK_SAFE)}&$top={page.size}"
    return f'<{raw.script_root}{raw.path}?{_query(raw.args, _KEYSET_PAGING, paging)}>; rel="next"'


def _with_page(raw: RawRequest, skip: int, size: int) -> str:
    return f"{raw.script_root}{raw.path}?{_query(raw.args, _PAGING, f'$skip={skip}&$top={size}')}"


_LINK_SAFE = "$,()';:/"
_PAGING = ("$skip", "$top")
_KEYSET_PAGING = ("$skip", "$top", "$skiptoken")


def _query(args: tuple[tuple[str, str], ...], dropped: tuple[str, ...], paging: str) -> str:
    """The request's query without its `dropped` arguments, then `paging` (encoded by the caller: numbers
    and option names need no escaping, so only a skip token goes through `quote_plus`, as urlencode would)."""
    kept = _kept_query(args, dropped)
    return f"{kept}&{paging}" if kept else paging


@functools.lru_cache(maxsize=1024)
def _kept_query(args: tuple[tuple[str, str], ...], dropped: tuple[str, ...]) -> str:
    """The request's other arguments, encoded; remembered per argument tuple (clients repeat the same
    queries, and encoding a filtered page's arguments costs more than the rest of its links)."""
    return urlencode([(k, v) for k, v in args if k.lower() not in dropped], safe=_LINK_SAFE)


def render_record(
    plan: ReadPlan,
    result: ReadResult,
    options: RenderOptions,
    *,
    sql: str | None = None,
    spec: EncoderSpec | None = None,
) -> tuple[dict[str, Any], str]:
    """The bare record of a single-record read and its ETag (the caller checks emptiness first)."""
    encoder = RowEncoder(plan, result.level, options, spec)
    row = result.level.rows[0]
    record = encoder.encode(row)
    if sql is not None:
        record["sql-command"] = sql
    return record, encoder.etag(row)
