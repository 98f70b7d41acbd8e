"""Per-kind converters from raw driver values to JSON values (api.md §4.4), chosen once per column.

Decimals become orjson Fragments so they stay exact JSON numbers with the column's scale; timestamps get
the database zone's offset; SQLite's text dates are parsed. Never float() on a Decimal.
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from gateway.catalog.model import ColumnInfo, ColumnKind

Converter = Callable[[Any], Any]


def converter_for(info: ColumnInfo, db_timezone: str) -> Converter:
    kind = info.kind
    if kind is ColumnKind.DECIMAL:
        return decimal_converter(info.scale)
    if kind in (ColumnKind.DATETIME, ColumnKind.DATETIME_TZ):
        return datetime_converter(kind is ColumnKind.DATETIME_TZ, db_timezone)
    return _SIMPLE.get(kind, identity)


def identity(value: Any) -> Any:
    """The converter of values that are already JSON-ready (the encoder skips it)."""
    return value


def decimal_converter(scale: int | None) -> Converter:
    quantum = Decimal(1).scaleb(-scale) if scale is not None and scale >= 0 else None

    def convert(value: Any) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else _to_decimal(value)
        if number is None or not number.is_finite():
            return None
        if quantum is not None:
            number = number.quantize(quantum)
        return orjson.Fragment(format(number, "f").encode())

    return convert


def _to_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None


def _float(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def yesno(value: Any) -> Any:
    return True if value == "Y" else False if value == "N" else value


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _date(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _time(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, timedelta):  # PyMySQL returns TIME as timedelta
        value = (datetime.min + value).time()
    if isinstance(value, time):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return str(value)


def datetime_converter(aware: bool, db_timezone: str) -> Converter:
    zone: tzinfo | None = None if db_timezone.upper() == "UTC" else ZoneInfo(db_timezone)

    def convert(value: Any) -> Any:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else _parse_datetime(value)
        if moment is None:
            return str(value)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
        if aware or zone is None:  # naive UTC, the common case: no zone arithmetic at all
            return moment.isoformat() + "Z"
        return format_datetime(moment.replace(tzinfo=zone))

    return convert


def format_datetime(moment: datetime) -> str:
    """ISO 8601 with seconds, microseconds only when present, and `Z` for a zero offset."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _parse_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except ValueError:
        return None


def _binary(value: Any) -> Any:
    return None if value is None else base64.b64encode(bytes(value)).decode("ascii")


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        return orjson.Fragment(value.encode() if isinstance(value, str) else value)
    return value


def _guid(value: Any) -> Any:
    if value is None:
        return None
    return str(value).lower() if not isinstance(value, uuid.UUID) else str(value)


def string(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_SIMPLE: dict[ColumnKind, Converter] = {
    ColumnKind.STRING: string,
    ColumnKind.INTEGER: identity,
    ColumnKind.FLOAT: _float,
    ColumnKind.BOOLEAN: _bool,
    ColumnKind.YESNO: yesno,
    ColumnKind.DATE: _date,
    ColumnKind.TIME: _time,
    ColumnKind.BINARY: _binary,
    ColumnKind.JSON: _json,
    ColumnKind.GUID: _guid,
}
