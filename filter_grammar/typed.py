"""Typed SQL values passed between compiler handlers: a clause, its kind, its bind type, its position.

Families group kinds that may meet in a comparison (filter-grammar.md §6.2). Nothing here builds SQL
beyond wrapping a boolean-ish value into a predicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import literal_column, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import JSON as JSONType
from sqlalchemy.types import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Time,
    TypeEngine,
    Uuid,
)

from filter_grammar.errors import FilterTypeError
from filter_grammar.resolve import Kind

NUMERIC = frozenset({Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT})
STRINGS = frozenset({Kind.STRING, Kind.GUID})
BOOLEANS = frozenset({Kind.BOOLEAN, Kind.YESNO})
TIMESTAMPS = frozenset({Kind.DATETIME, Kind.DATETIME_TZ})
DATES = frozenset({Kind.DATE}) | TIMESTAMPS
CLOCKS = frozenset({Kind.TIME}) | TIMESTAMPS
OPAQUE = frozenset({Kind.BINARY, Kind.JSON})
_FAMILIES = (NUMERIC, STRINGS, BOOLEANS, TIMESTAMPS, frozenset({Kind.DATE}), frozenset({Kind.TIME}))

KIND_TYPES: MappingProxyType[Kind, TypeEngine[Any]] = MappingProxyType(
    {
        Kind.STRING: String(),
        Kind.INTEGER: Integer(),
        Kind.DECIMAL: Numeric(),
        Kind.FLOAT: Float(),
        Kind.BOOLEAN: Boolean(),
        Kind.YESNO: String(1),
        Kind.DATE: Date(),
        Kind.DATETIME: DateTime(),
        Kind.DATETIME_TZ: DateTime(timezone=True),
        Kind.TIME: Time(),
        Kind.GUID: Uuid(),
        Kind.BINARY: LargeBinary(),
        Kind.JSON: JSONType(),
    }
)


@dataclass(frozen=True, slots=True)
class Typed:
    """A compiled value. `predicate` marks SQL conditions (comparisons, lambdas, and/or/not)."""

    clause: ColumnElement[Any]
    kind: Kind
    type_: TypeEngine[Any]
    position: int
    predicate: bool = False


def family(kind: Kind) -> frozenset[Kind]:
    return next((f for f in _FAMILIES if kind in f), frozenset({kind}))


def same_family(a: Kind, b: Kind) -> bool:
    return b in family(a)


def as_predicate(value: Typed, message: str) -> ColumnElement[bool]:
    """The value as a SQL condition: Y/N columns compare with 'Y', native booleans with TRUE."""
    if value.predicate:
        return value.clause
    if value.kind is Kind.YESNO:
        return value.clause == literal_column("'Y'")
    if value.kind is Kind.BOOLEAN:
        return value.clause == true()
    raise FilterTypeError(message, value.position)


def result_kind(op: str, left: Kind, right: Kind) -> Kind:
    """Arithmetic result: integer only for integer operands (and never for divby)."""
    if op == "divby":
        return Kind.DECIMAL
    if Kind.FLOAT in (left, right):
        return Kind.FLOAT
    return Kind.INTEGER if left is right is Kind.INTEGER else Kind.DECIMAL
