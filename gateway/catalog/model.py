"""Immutable catalog values: entity sets, their columns and the FK relations between them.

Built by `reflect.py` (or `Catalog.from_metadata` in unit tests); read by the planner. No I/O here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from filter_grammar.resolve import Kind as ColumnKind
from gateway.errors import AmbiguousName

__all__ = ["ColumnInfo", "ColumnKind", "EntitySet", "Relation", "Source", "index_columns"]


class Source(enum.Enum):
    DATA = "data"
    META = "meta"


@dataclass(frozen=True, slots=True)
class Relation:
    """One single-column FK edge: `child.child_column` references `parent.parent_column`."""

    child: str  # entity set name of the referencing table
    child_column: str  # reflected name of the FK column
    parent: str  # entity set name of the referenced table
    parent_column: str  # reflected name of the referenced key column
    not_null: bool  # the FK column is NOT NULL (used for inherited tenant scope)


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """A reflected column with the facts the planner and renderer need, decided once."""

    name: str  # reflected name, a plain str (orjson rejects quoted_name keys)
    kind: ColumnKind
    column: sa.Column[Any]
    nullable: bool
    has_default: bool  # server default, identity or autoincrement key: may be left out on insert
    label: str  # column comment, else the name
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    parent: Relation | None = None  # set when this column is a single-column FK


@dataclass(frozen=True, slots=True)
class EntitySet:
    """A reflected table or view as the API sees it."""

    name: str  # reflected table name
    model_name: str  # lower-case public name
    table: sa.Table
    columns: tuple[ColumnInfo, ...]  # ordinal order
    key: str | None  # single-column primary key, or a configured view key
    uid: str | None  # UUID column
    tenant: str | None  # tenant column (AD_Client_ID by default)
    org: str | None  # org column (AD_Org_ID by default)
    identifier: tuple[str, ...]  # identifier columns, in order of preference (empty: key as text)
    parents: tuple[Relation, ...] = ()  # FK edges where this table is the child
    children: tuple[Relation, ...] = ()  # FK edges where this table is the parent
    is_view: bool = False
    comment: str | None = None
    source: Source = Source.DATA
    model_id: int | None = None
    by_name: Mapping[str, ColumnInfo] = field(default_factory=dict, compare=False, repr=False)
    by_lower: Mapping[str, tuple[ColumnInfo, ...]] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> ColumnInfo | None:
        """Exact spelling first, then a unique case-insensitive match; None when unknown.

        Raises `AmbiguousName` (gateway.errors) when several columns match case-insensitively.
        """
        exact = self.by_name.get(name)
        if exact is not None:
            return exact
        matches = self.by_lower.get(name.lower(), ())
        if len(matches) > 1:
            raise AmbiguousName(f"'{name}' matches several columns of {self.model_name}")
        return matches[0] if matches else None

    def column_named(self, name: str) -> ColumnInfo:
        """The column of this exact reflected name (names that came from the catalog itself)."""
        return self.by_name[name]

    @property
    def key_column(self) -> ColumnInfo | None:
        return self.by_name[self.key] if self.key else None


def index_columns(
    columns: tuple[ColumnInfo, ...],
) -> tuple[dict[str, ColumnInfo], dict[str, tuple[ColumnInfo, ...]]]:
    """The two lookup maps of an entity set: by exact name and by lower-case name."""
    by_lower: dict[str, tuple[ColumnInfo, ...]] = {}
    for info in columns:
        by_lower[info.name.lower()] = (*by_lower.get(info.name.lower(), ()), info)
    return {info.name: info for info in columns}, by_lower
