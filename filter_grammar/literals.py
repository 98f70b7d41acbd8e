"""Literal values: from token text to Python values, and from there to the kind of the column they meet.

`coerce` implements the table of filter-grammar.md §6.1 and is shared by the compiler and by
`bind_values` (cache hits), so both give identical bind values. No SQL is built here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from zoneinfo import ZoneInfo

from filter_grammar.ast import Literal, LitKind
from filter_grammar.errors import FilterSyntaxError, FilterTypeError, TooComplexError
from filter_grammar.resolve import Kind

INT64 = (-(2**63), 2**63 - 1)
MAX_PATTERN = 200
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?"
)
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")
_YESNO = MappingProxyType({"y": True, "n": False, "true": True, "false": False})


def literal_from_token(kind: str, text: str, position: int) -> Literal:
    """The Literal for a token type (STRING, INT, DECIMAL, DATE, DATETIME, TIME, GUID, BOOL, NULL)."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise FilterSyntaxError(f"unexpected {text!r} at position {position}", position)
    lit_kind, value = builder(text, position)
    return Literal(lit_kind, value, position)


def _int(text: str, position: int) -> tuple[LitKind, object]:
    value = int(text)
    if not INT64[0] <= value <= INT64[1]:
        raise FilterTypeError(f"integer literal {text} is outside the 64-bit range", position)
    return LitKind.INT, value


def _date(text: str, position: int) -> tuple[LitKind, object]:
    try:
        return LitKind.DATE, date.fromisoformat(text)
    except ValueError:
        raise FilterTypeError(f"'{text}' is not a valid date", position) from None


def _datetime(text: str, position: int) -> tuple[LitKind, object]:
    value = parse_datetime(text)
    if value is None:
        raise FilterTypeError(f"'{text}' is not a valid date-time", position)
    return LitKind.DATETIME, value


def _time(text: str, position: int) -> tuple[LitKind, object]:
    value = parse_time(text)
    if value is None:
        raise FilterTypeError(f"'{text}' is not a valid time", position)
    return LitKind.TIME, value


_BUILDERS: MappingProxyType[str, Callable[[str, int], tuple[LitKind, object]]] = MappingProxyType(
    {
        "STRING": lambda text, pos: (LitKind.STRING, text),
        "INT": _int,
        "DECIMAL": lambda text, pos: (LitKind.DECIMAL, Decimal(text)),
        "DATE": _date,
        "DATETIME": _datetime,
        "TIME": _time,
        "GUID": lambda text, pos: (LitKind.GUID, uuid.UUID(text)),
        "BOOL": lambda text, pos: (LitKind.BOOL, text.lower() == "true"),
        "NULL": lambda text, pos: (LitKind.NULL, None),
    }
)


def _fraction(text: str | None) -> int:
    return int((text or "0")[:6].ljust(6, "0"))


def parse_datetime(text: str) -> datetime | None:
    """ISO date-time (with `T` or a space, optional fraction and offset); None when it is not one."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    y, mo, d, h, mi, s, frac, offset = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), _fraction(frac))
    except ValueError:
        return None
    if offset is None:
        return value
    if offset in "Zz":
        return value.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign

    return value.replace(tzinfo=timezone(delta))


def parse_time(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    h, mi, s, frac = match.groups()
    try:
        return time(int(h), int(mi), int(s or 0), _fraction(frac))
    except ValueError:
        return None


def own_kind(value: object) -> Kind:
    """The kind of a literal value typed by itself (no column on the other side)."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int):
        return Kind.INTEGER
    if isinstance(value, Decimal | float):
        return Kind.DECIMAL
    if isinstance(value, datetime):
        return Kind.DATETIME_TZ if value.tzinfo is not None else Kind.DATETIME
    if isinstance(value, date):
        return Kind.DATE
    if isinstance(value, time):
        return Kind.TIME
    return Kind.STRING


def coerce(value: object, kind: Kind, position: int, db_timezone: str) -> object:
    """`value` converted to `kind` per §6.1; FilterTypeError at `position` when the table says ✗."""
    if value is None:
        return None
    result = _COERCERS[kind](value, db_timezone)
    if result is _FAIL:
        raise FilterTypeError(_mismatch(value, kind), position)
    return result


_FAIL = object()


def _mismatch(value: object, kind: Kind) -> str:
    shown = f"'{value}'" if isinstance(value, str) else str(value)
    if isinstance(value, str):
        return f"{shown} is not a valid {kind.value} value"
    return f"cannot compare a {kind.value} with {shown} (literal of type {own_kind(value).value})"


def _to_string(value: object, tz: str) -> object:
    if isinstance(value, str):
        return value
    return str(value).lower() if isinstance(value, uuid.UUID) else _FAIL


def _to_guid(value: object, tz: str) -> object:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value) if isinstance(value, str) else _FAIL
    except ValueError:
        return _FAIL


def _to_integer(value: object, tz: str) -> object:
    if isinstance(value, bool):
        return _FAIL
    if isinstance(value, int):
        return value if INT64[0] <= value <= INT64[1] else _FAIL
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return _to_integer(int(value), tz)
    return _FAIL


def _to_decimal(value: object, tz: str) -> object:
    if isinstance(value, bool):
        return _FAIL
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return _FAIL
        return number if number.is_finite() else _FAIL
    return _FAIL


def _to_bool(value: object, tz: str) -> object:
    if isinstance(value, bool):
        return value
    return _YESNO.get(value.lower(), _FAIL) if isinstance(value, str) else _FAIL


def _to_yesno(value: object, tz: str) -> object:
    flag = _to_bool(value, tz)
    return flag if flag is _FAIL else ("Y" if flag else "N")


def _to_date(value: object, tz: str) -> object:
    if isinstance(value, datetime):
        return _FAIL
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return _FAIL
    return _FAIL


def _to_datetime_any(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        found = _to_date(value, "UTC")
        return parse_datetime(value) if found is _FAIL else _to_datetime_any(found)
    return None


def _to_datetime(value: object, tz: str) -> object:
    moment = _to_datetime_any(value)
    if moment is None:
        return _FAIL
    if moment.tzinfo is None:
        return moment
    # Naive timestamp columns hold local times of the database zone (§11).
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _to_datetime_tz(value: object, tz: str) -> object:
    moment = _to_datetime_any(value)
    if moment is None:
        return _FAIL
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(tz))


def _to_time(value: object, tz: str) -> object:
    if isinstance(value, time):
        return value
    parsed = parse_time(value) if isinstance(value, str) else None
    return _FAIL if parsed is None else parsed


def _never(value: object, tz: str) -> object:
    return _FAIL


_COERCERS: MappingProxyType[Kind, Callable[[object, str], object]] = MappingProxyType(
    {
        Kind.STRING: _to_string,
        Kind.GUID: _to_guid,
        Kind.INTEGER: _to_integer,
        Kind.DECIMAL: _to_decimal,
        Kind.FLOAT: _to_decimal,
        Kind.BOOLEAN: _to_bool,
        Kind.YESNO: _to_yesno,
        Kind.DATE: _to_date,
        Kind.DATETIME: _to_datetime,
        Kind.DATETIME_TZ: _to_datetime_tz,
        Kind.TIME: _to_time,
        Kind.BINARY: _never,
        Kind.JSON: _never,
    }
)


def escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def escape_glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _has_text(text: str, position: int) -> str:
    if "," in text:
        raise FilterTypeError("the value tested by has must not contain a comma", position)
    return text


def _regex(text: str, position: int) -> str:
    if len(text) > MAX_PATTERN:
        raise TooComplexError(f"the pattern is longer than {MAX_PATTERN} characters", position)
    try:
        re.compile(text)
    except re.error as exc:
        raise FilterTypeError(f"invalid regular expression: {exc}", position) from None
    return text


TRANSFORMS: MappingProxyType[str, Callable[[str, int], str]] = MappingProxyType(
    {
        "like_contains": lambda t, p: f"%{escape_like(t)}%",
        "like_startswith": lambda t, p: f"{escape_like(t)}%",
        "like_endswith": lambda t, p: f"%{escape_like(t)}",
        "like_has": lambda t, p: f"%,{escape_like(_has_text(t, p))},%",
        "glob_contains": lambda t, p: f"*{escape_glob(t)}*",
        "glob_startswith": lambda t, p: f"{escape_glob(t)}*",
        "glob_endswith": lambda t, p: f"*{escape_glob(t)}",
        "glob_has": lambda t, p: f"*,{escape_glob(_has_text(t, p))},*",
        "regex": _regex,
    }
)


def apply_transform(value: object, transform: str, position: int) -> object:
    """Apply a slot transform ("identity" or one of TRANSFORMS) to an already coerced value."""
    if transform == "identity" or value is None:
        return value
    return TRANSFORMS[transform](str(value), position)
