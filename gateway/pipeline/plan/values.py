"""Input converters: the write body decoded (exact decimals), each value -> the bound value of its column,
and the FK value forms (api.md §5.2).

Converters raise `BadValue` with a client-facing message; the write planner collects them into
VALIDATION-ERROR field errors. Pure functions: no statements, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from gateway.actor import Actor
from gateway.catalog.model import ColumnInfo, ColumnKind, EntitySet
from gateway.errors import (
    AmbiguousName,
    BodyError,
    FieldError,
    MandatoryMissing,
    ReadonlyColumn,
    ReferenceNotFound,
    UnknownColumn,
    UnsupportedMediaType,
    ValidationError,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}:?\d{2})?)?$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_JSON_DEPTH = 64
_YES = frozenset({"y", "true"})
_NO = frozenset({"n", "false"})


class BadValue(ValueError):
    """A body value that does not fit its column; the message is shown to the client."""


Coerce = Callable[[ColumnInfo, Any, tzinfo], Any]


def zone_of(db_timezone: str) -> tzinfo:
    return UTC if db_timezone.upper() == "UTC" else ZoneInfo(db_timezone)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def coerce(info: ColumnInfo, value: Any, zone: tzinfo) -> Any:
    """The bound value of `value` for `info` (not None: nulls are the caller's business)."""
    return _BY_KIND[info.kind](info, value, zone)


def _string(info: ColumnInfo, value: Any, _zone: tzinfo) -> str:
    if not isinstance(value, str):
        raise BadValue("must be a string")
    if info.length is not None and len(value) > info.length:
        raise BadValue(f"is longer than {info.length} characters")
    return value


def integer_of(value: Any) -> int:
    """An integer from a JSON number or a string of digits (bools and fractions are refused)."""
    if isinstance(value, bool):
        raise BadValue("must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.match(value.strip()):
        return int(value.strip())
    raise BadValue("must be an integer")


def _integer(info: ColumnInfo, value: Any, _zone: tzinfo) -> int:
    number = integer_of(value)
    bits = 16 if isinstance(info.column.type, sa.SmallInteger) else 64
    if isinstance(info.column.type, sa.Integer) and not isinstance(info.column.type, sa.BigInteger):
        bits = min(bits, 32)
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise BadValue("is out of range")
    return number


def _decimal(info: ColumnInfo, value: Any, _zone: tzinfo) -> Decimal:
    number = _number(value)
    if not number.is_finite():
        raise BadValue("must be a finite number")
    exponent = number.normalize().as_tuple().exponent
    fraction = max(0, -exponent) if isinstance(exponent, int) else 0
    if info.scale is not None and fraction > info.scale:
        raise BadValue(f"has more than {info.scale} fractional digits")
    if info.precision is not None:
        whole = len(str(abs(int(number)))) if abs(number) >= 1 else 0
        if whole > info.precision - (info.scale or 0):
            raise BadValue(f"has more than {info.precision - (info.scale or 0)} integer digits")
    return number


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BadValue("must be a number")
    try:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int | str):
            return Decimal(str(value).strip())
        if isinstance(value, float):
            return Decimal(repr(value))
    except InvalidOperation:
        pass
    raise BadValue("must be a number")


def _float(_info: ColumnInfo, value: Any, _zone: tzinfo) -> float:
    number = _number(value)
    if not number.is_finite():
        raise BadValue("must be a finite number")
    return float(number)


def yes_no_of(value: Any) -> bool:
    """True/False from `true`/`false`, "Y"/"N", "true"/"false" (any case); anything else is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise BadValue("must be true, false, 'Y' or 'N'")


def _yesno(_info: ColumnInfo, value: Any, _zone: tzinfo) -> str:
    return "Y" if yes_no_of(value) else "N"


def _boolean(_info: ColumnInfo, value: Any, _zone: tzinfo) -> bool:
    return yes_no_of(value)


def _date(_info: ColumnInfo, value: Any, _zone: tzinfo) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise BadValue("must be a date 'YYYY-MM-DD'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue("is not a valid date") from None


def _datetime(info: ColumnInfo, value: Any, zone: tzinfo) -> datetime:
    if not isinstance(value, str) or not _DATETIME.match(value.strip()):
        raise BadValue("must be an ISO 8601 timestamp")
    text = value.strip().replace(" ", "T", 1)
    text = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadValue("is not a valid timestamp") from None
    return to_column_time(info, moment, zone)


def to_column_time(info: ColumnInfo, moment: datetime, zone: tzinfo) -> datetime:
    """Aware values go to the database zone (naive columns) or UTC (zoned columns); naive = already local."""
    if info.kind is ColumnKind.DATETIME_TZ:
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _time(_info: ColumnInfo, value: Any, _zone: tzinfo) -> time:
    if not isinstance(value, str) or not _TIME.match(value):
        raise BadValue("must be a time 'HH:MM[:SS[.ffffff]]'")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise BadValue("is not a valid time") from None


def _binary(_info: ColumnInfo, value: Any, _zone: tzinfo) -> bytes:
    if not isinstance(value, str):
        raise BadValue("must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadValue("is not valid base64") from None


def _json(_info: ColumnInfo, value: Any, _zone: tzinfo) -> Any:
    return plain_json(value)


def plain_json(value: Any) -> Any:
    """A JSON value with the body's exact Decimals turned back into ints/floats (for JSON columns)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    return value


def _guid(_info: ColumnInfo, value: Any, _zone: tzinfo) -> uuid.UUID:
    if not is_uuid(value):
        raise BadValue("must be a UUID")
    return uuid.UUID(value)


_BY_KIND: dict[ColumnKind, Coerce] = {
    ColumnKind.STRING: _string,
    ColumnKind.INTEGER: _integer,
    ColumnKind.DECIMAL: _decimal,
    ColumnKind.FLOAT: _float,
    ColumnKind.BOOLEAN: _boolean,
    ColumnKind.YESNO: _yesno,
    ColumnKind.DATE: _date,
    ColumnKind.DATETIME: _datetime,
    ColumnKind.DATETIME_TZ: _datetime,
    ColumnKind.TIME: _time,
    ColumnKind.GUID: _guid,
    ColumnKind.BINARY: _binary,
    ColumnKind.JSON: _json,
}


# --- findings ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Problems:
    """Validation findings of one request by error type, raised in a fixed order."""

    ambiguous: list[FieldError] = field(default_factory=list)
    unknown: list[FieldError] = field(default_factory=list)
    invalid: list[FieldError] = field(default_factory=list)
    missing: list[FieldError] = field(default_factory=list)
    readonly: list[FieldError] = field(default_factory=list)
    references: list[FieldError] = field(default_factory=list)

    def raise_any(self) -> None:
        if self.ambiguous:
            raise AmbiguousName(_detail("Ambiguous names", self.ambiguous), errors=self.ambiguous)
        if self.unknown:
            raise UnknownColumn(_detail("Unknown columns", self.unknown), errors=self.unknown)
        if self.invalid:
            raise ValidationError(_detail("Invalid values", self.invalid), errors=self.invalid)
        if self.missing:
            raise MandatoryMissing(_detail("Fill mandatory fields", self.missing), errors=self.missing)
        if self.readonly:
            raise ReadonlyColumn(_detail("Read-only columns", self.readonly), errors=self.readonly)
        if self.references:
            raise ReferenceNotFound(_detail("References not found", self.references), errors=self.references)


def _detail(title: str, found: list[FieldError]) -> str:
    return f"{title}: {', '.join(dict.fromkeys(e.field for e in found))}"


# --- the body ---------------------------------------------------------------------------------------


def decode_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The JSON object of a write body (415 for other types; 400 BODY-ERROR when malformed or too deep)."""
    if not body.strip():
        raise BodyError("A JSON object body is required", parameter="body")
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType("The body must be JSON (application/json)")
    try:
        decoded = json.loads(body, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        raise BodyError("The body is not valid JSON", parameter="body") from None
    if not isinstance(decoded, dict):
        raise BodyError("The body must be a JSON object", parameter="body")
    if _depth(decoded) > MAX_JSON_DEPTH:
        raise BodyError(f"The body nests deeper than {MAX_JSON_DEPTH} levels", parameter="body")
    return decoded


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise AmbiguousName(f"'{key}' is given more than once", errors=[FieldError(key, "given twice")])
        result[key] = value
    return result


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


# --- foreign-key value forms ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FkRef:
    """An FK value to resolve in the referenced table's read scope: `match` column = `value`."""

    parent: EntitySet
    match: str  # reflected column of `parent` compared with `value`
    value: Any
    form: str  # "id", "uid", "identifier" or "lookup" (for messages)
    zero_clears: bool = False  # a nullable FK given 0: cleared when no row 0 is visible
    stores: str = ""  # the referenced column whose value the FK column stores


def parse_fk(actor: Actor, info: ColumnInfo, parent: EntitySet, value: Any, zone: tzinfo) -> Any:
    """An FkRef, or None for "clear" (negative ids); BadValue for malformed forms, LookupError for
    a lookup column the role cannot see (REFERENCE-NOT-FOUND)."""
    assert info.parent is not None
    ref = _fk_form(actor, info, parent, value, zone)
    return None if ref is None else replace(ref, stores=info.parent.parent_column)


def _fk_form(actor: Actor, info: ColumnInfo, parent: EntitySet, value: Any, zone: tzinfo) -> FkRef | None:
    if not isinstance(value, dict):
        return _by_key(info, parent, value, zone)
    forms = {str(k).lower(): v for k, v in value.items()}
    if "id" in forms:
        return _by_key(info, parent, forms["id"], zone)
    if "uid" in forms:
        if parent.uid is None or not is_uuid(forms["uid"]):
            raise BadValue(f"'uid' must be a UUID of {parent.model_name}")
        return FkRef(parent, parent.uid, str(uuid.UUID(forms["uid"])), "uid")
    if "identifier" in forms:
        return _by_identifier(actor, parent, forms["identifier"], zone)
    if "lookupcolumn" in forms and "lookupvalue" in forms:
        return _by_lookup(actor, parent, forms["lookupcolumn"], forms["lookupvalue"], zone)
    raise BadValue("needs one of id, uid, identifier or lookupColumn with lookupValue")


def _by_key(info: ColumnInfo, parent: EntitySet, value: Any, zone: tzinfo) -> FkRef | None:
    assert info.parent is not None
    key = parent.column_named(info.parent.parent_column)
    if key.kind is not ColumnKind.INTEGER:
        return FkRef(parent, key.name, coerce(key, value, zone), "id")
    number = integer_of(value)
    if number < 0:
        return None  # api.md §5.2: a negative id clears the FK (NOT NULL columns report it as missing)
    return FkRef(parent, key.name, number, "id", zero_clears=number == 0 and info.nullable)


def _by_identifier(actor: Actor, parent: EntitySet, value: Any, zone: tzinfo) -> FkRef:
    # Multi-column identifiers match on their first visible column; the key as text when there is none.
    names = [n for n in parent.identifier if not actor.policy.is_denied(parent.name, n)]
    match = names[0] if names else parent.key
    if match is None:
        raise BadValue(f"{parent.model_name} has no identifier")
    target = parent.column_named(match)
    text = value if isinstance(value, str) else str(value)
    return FkRef(
        parent, match, coerce(target, text if target.kind is ColumnKind.STRING else value, zone), "identifier"
    )


def _by_lookup(actor: Actor, parent: EntitySet, column: Any, value: Any, zone: tzinfo) -> FkRef:
    info = parent.column(column) if isinstance(column, str) else None
    if info is None or actor.policy.is_denied(parent.name, info.name):
        raise LookupError(f"unknown lookupColumn '{column}' in {parent.model_name}")
    return FkRef(parent, info.name, coerce(info, value, zone), "lookup")
