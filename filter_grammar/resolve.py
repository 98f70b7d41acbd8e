"""The contract between the filter compiler and whoever owns the schema.

The compiler never sees tables or permissions: it asks a Resolver for columns, FK hops and child
collections, and the Resolver (implemented by the gateway's planner) hands back SQLAlchemy objects that
already carry row scoping. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import TypeEngine


class Kind(enum.Enum):
    """Value kind of a column or expression, decided once per column by reflection."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"  # native boolean column
    YESNO = "yesno"  # CHAR(1) holding 'Y'/'N'
    DATE = "date"
    DATETIME = "datetime"  # naive timestamp, local to the database time zone
    DATETIME_TZ = "datetime_tz"  # timestamp with time zone
    TIME = "time"
    GUID = "guid"  # native UUID column
    BINARY = "binary"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class ResolvedColumn:
    """A column reached by a name: its SQL expression (from a scoped alias), kind and bind type."""

    clause: ColumnElement[Any]
    kind: Kind
    type_: TypeEngine[Any]
    name: str


@dataclass(frozen=True, slots=True)
class ResolvedCollection:
    """A child collection seen from one row: the child alias and its correlation + scope predicate."""

    source: object
    from_clause: FromClause
    where: ColumnElement[bool]


class Resolver(Protocol):
    """Schema access for the compiler. `source` values are opaque handles owned by the resolver.

    Implementations raise their own errors for unknown or denied names (carrying `position`), and
    `FilterError` subclasses (FILTER-PATH) for misuse of FKs and collections.
    """

    def root(self) -> object:
        """The source of the row being filtered (the outermost table)."""
        ...

    def column(self, source: object, name: str, position: int) -> ResolvedColumn:
        """Resolve a column name (or the aliases `id`/`uid`) in `source`."""
        ...

    def navigate(self, source: object, name: str, position: int) -> object:
        """Follow the FK column `name` of `source`; returns the referenced table's source (a scoped join)."""
        ...

    def collection(self, source: object, name: str, via: str | None, position: int) -> ResolvedCollection:
        """Resolve the child table `name` (optionally through its FK column `via`) of `source`."""
        ...
