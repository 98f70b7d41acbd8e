"""Streamed list bodies: the envelope head, records chunk by chunk, then the tail (constant memory).

All validation and the count happen before the first byte; the generator only encodes what the executor's
chunks hold, and its `finally` releases the connection even when the client goes away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import orjson

from gateway.pipeline.execute import Level
from gateway.pipeline.render.encoder import RenderOptions, RowEncoder
from gateway.pipeline.render.envelope import page_count
from gateway.pipeline.types import HttpResult, ReadPlan

log = logging.getLogger("gateway.stream")


def stream_list(
    plan: ReadPlan,
    total: int,
    open_levels: Callable[[], AbstractContextManager[Iterator[Level]]]
    | Callable[[], AbstractContextManager[Iterator[list[str]]]],
    options: RenderOptions,
    sql: str | None = None,
    *,
    estimated: bool = False,
) -> HttpResult:
    """An HttpResult whose body is produced lazily from `open_levels()` (a context holding the connection)."""
    head: dict[str, Any] = {
        "page-count": page_count(total, 0),
        "records-size": 0,
        "skip-records": plan.page.skip,
        "row-count": total,
    }
    if sql is not None:
        head["sql-command"] = sql
    headers = {
        "X-Page-Count": str(head["page-count"]),
        "X-Records-Size": "0",
        "X-Skip-Records": str(plan.page.skip),
        "X-Row-Count": str(total),
        "Cache-Control": "private, no-cache",
    }
    if estimated:
        head["row-count-estimated"] = True
        headers["X-Row-Count-Estimated"] = "true"
    elif total >= 0:
        headers["X-Array-Count"] = str(max(total - plan.page.skip, 0))

    def body() -> Iterator[bytes]:
        yield orjson.dumps(head)[:-1] + b',"records":['
        count = 0
        try:
            with open_levels() as chunks:
                for chunk in chunks:  # one write per chunk: a write per record costs a system call each
                    records = _encoded(plan, chunk, options)
                    if records:
                        yield (b"," if count else b"") + b",".join(records)
                        count += len(records)
        except Exception:
            log.exception("streamed response failed after %d records; closing the connection", count)
            raise
        yield b'],"array-count":' + str(count).encode() + b"}"

    return HttpResult(200, None, headers, stream=body)


def _encoded(plan: ReadPlan, chunk: Level | list[str], options: RenderOptions) -> list[bytes]:
    """The records of one chunk as JSON: encoded here, or as the database wrote them."""
    if isinstance(chunk, list):
        return [text.encode() for text in chunk]
    encoder = RowEncoder(plan, chunk, options)
    return [orjson.dumps(encoder.encode(row)) for row in chunk.rows]
