"""CSV and XLSX renderings of a planned list (`$format=csv|xlsx` or the matching `Accept`), streamed.

Flat tables for spreadsheets: one header row of property names, FK columns as their raw ids, yes/no as
booleans, exact decimals, no expands. Render only: rows come from execute; nothing here does I/O or
imports Flask.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import enum
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import orjson

from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.errors import InvalidOption, NotAcceptable
from gateway.pipeline.execute import Level, ReadResult
from gateway.pipeline.render.encoder import RenderOptions
from gateway.pipeline.render.values import converter_for
from gateway.pipeline.types import Action, HttpResult, RawRequest, ReadPlan

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_CHUNK_ROWS = 500
_CHUNK_BYTES = 64 * 1024


class Format(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"


_BY_NAME = {"csv": Format.CSV, "text/csv": Format.CSV, "xlsx": Format.XLSX, XLSX_TYPE: Format.XLSX}
_JSON_NAMES = frozenset({"json", "application/json"})


def negotiate(raw: RawRequest, action: Action) -> tuple[Format | None, RawRequest]:
    """The list format asked for by `$format` (wins) or `Accept`, and the request without `$format`."""
    if action is not Action.LIST:
        return None, raw
    given = [v for k, v in raw.args if k.lower() == "$format"]
    if not given:
        return _from_accept(raw.header("Accept") or ""), raw
    value = given[-1].split(";")[0].strip().lower()
    if len(given) > 1:
        raise InvalidOption("query option '$format' given more than once", parameter="$format")
    if value not in _BY_NAME and value not in _JSON_NAMES:
        raise NotAcceptable(f"$format must be json, csv or xlsx, not '{given[-1]}'")
    stripped = tuple((k, v) for k, v in raw.args if k.lower() != "$format")
    return _BY_NAME.get(value), dataclasses.replace(raw, args=stripped)


def _from_accept(accept: str) -> Format | None:
    """The best of csv/xlsx/json by q-value; JSON wins ties and wildcards."""
    best: tuple[float, int, Format | None] = (0.0, 0, None)
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = next((_q(p) for p in params if p.startswith("q=")), 1.0)
        media = media.lower()
        candidate: tuple[float, int, Format | None]
        if media in _BY_NAME and media not in ("csv", "xlsx"):
            candidate = (quality, 0, _BY_NAME[media])
        elif media in ("application/json", "*/*", "application/*"):
            candidate = (quality, 1, None)
        else:
            continue
        best = max(best, candidate, key=lambda c: (c[0], c[1]))
    return best[2]


def _q(param: str) -> float:
    try:
        return float(param[2:])
    except ValueError:
        return 0.0


def render_formatted(fmt: Format, plan: ReadPlan, result: ReadResult, options: RenderOptions) -> HttpResult:
    """A buffered page (the page size is bounded) as CSV or XLSX."""
    rows = result.level.rows
    return _formatted(fmt, plan, lambda: iter(rows), result.row_count, len(rows), options)


def stream_formatted(
    fmt: Format,
    plan: ReadPlan,
    total: int,
    open_levels: Callable[[], AbstractContextManager[Iterator[Level]]],
    options: RenderOptions,
) -> HttpResult:
    """An unlimited list as CSV or XLSX, read chunk by chunk while the body is written (cf. stream_list)."""

    def rows() -> Iterator[tuple[Any, ...]]:
        with open_levels() as levels:
            for level in levels:
                yield from level.rows

    return _formatted(fmt, plan, rows, total, None, options)


def _formatted(
    fmt: Format,
    plan: ReadPlan,
    rows_of: Callable[[], Iterator[tuple[Any, ...]]],
    total: int,
    fetched: int | None,
    options: RenderOptions,
) -> HttpResult:
    if plan.expands:
        raise InvalidOption("$expand is not available with CSV or XLSX output", parameter="$expand")
    names = [o.prop for o in plan.outputs]
    name = plan.entity.model_name
    if fmt is Format.CSV:
        converters = [csv_converter(o.info, options.db_timezone) for o in plan.outputs]
        stream: Callable[[], Iterator[bytes]] = lambda: csv_chunks(names, converters, rows_of())  # noqa: E731
        headers = {"Content-Type": CSV_TYPE, "Content-Disposition": f'attachment; filename="{name}.csv"'}
    else:
        converters = [xlsx_converter(o.info, options.db_timezone) for o in plan.outputs]
        stream = lambda: xlsx_chunks(name, names, converters, rows_of())  # noqa: E731
        headers = {"Content-Type": XLSX_TYPE, "Content-Disposition": f'attachment; filename="{name}.xlsx"'}
    headers["X-Row-Count"] = str(total)
    if fetched is not None:
        headers["X-Array-Count"] = str(fetched)
    headers["Cache-Control"] = "private, no-cache"
    return HttpResult(200, None, headers, stream)


def csv_chunks(
    names: list[str], converters: list[Callable[[Any], Any]], rows: Iterable[tuple[Any, ...]]
) -> Iterator[bytes]:
    """RFC 4180 with CRLF, UTF-8 without BOM; yields about every _CHUNK_ROWS rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for n, row in enumerate(rows, 1):
        writer.writerow([convert(value) for convert, value in zip(converters, row, strict=False)])
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_chunks(
    title: str, names: list[str], converters: list[Callable[[Any], Any]], rows: Iterable[tuple[Any, ...]]
) -> Iterator[bytes]:
    """A write-only workbook (rows spill to disk, not memory), sent in chunks once it is zipped."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([convert(value) for convert, value in zip(converters, row, strict=False)])
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        while chunk := spool.read(_CHUNK_BYTES):
            yield chunk


def csv_converter(info: ColumnInfo, db_timezone: str) -> Callable[[Any], Any]:
    base = _plain(info, db_timezone)

    def convert(value: Any) -> Any:
        out = base(value)
        if out is None:
            return ""
        if isinstance(out, bool):
            return "true" if out else "false"
        return out

    return convert


def xlsx_converter(info: ColumnInfo, db_timezone: str) -> Callable[[Any], Any]:
    """Native cells: numbers, booleans, dates; Excel has no zones, so timestamps are written naive."""
    kind = info.kind
    if kind in (ColumnKind.DATE, ColumnKind.DATETIME, ColumnKind.DATETIME_TZ, ColumnKind.TIME):
        text = converter_for(info, db_timezone)
        return lambda value: _native_time(kind, value, text)
    return _plain(info, db_timezone)


def _native_time(kind: ColumnKind, value: Any, text: Callable[[Any], Any]) -> Any:
    if value is None:
        return None
    if kind is ColumnKind.TIME:
        return value if isinstance(value, time) else text(value)
    moment = value if isinstance(value, date) else _parse(value)
    if moment is None:
        return text(value)
    if kind is ColumnKind.DATE:
        return moment.date() if isinstance(moment, datetime) else moment
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if isinstance(moment, datetime) else moment


def _parse(value: Any) -> datetime | None:
    """SQLite keeps dates as text."""
    try:
        return datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except ValueError:
        return None


def _plain(info: ColumnInfo, db_timezone: str) -> Callable[[Any], Any]:
    """Flat values: FK ids as they are, exact decimals as text-safe Decimals, JSON and binary as text."""
    kind = info.kind
    if kind is ColumnKind.DECIMAL:
        return _decimal(info.scale)
    if kind is ColumnKind.JSON:
        return lambda v: v if v is None or isinstance(v, str) else orjson.dumps(v).decode()
    if kind is ColumnKind.BINARY:
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode("ascii")
    return converter_for(info, db_timezone)


def _decimal(scale: int | None) -> Callable[[Any], Any]:
    quantum = Decimal(1).scaleb(-scale) if scale is not None and scale >= 0 else None

    def convert(value: Any) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return number.quantize(quantum) if quantum is not None and number.is_finite() else number

    return convert
