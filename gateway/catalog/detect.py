"""Column and entity-set facts decided once per table: value kinds, key, uid, tenant/org and identifier.

Everything here reads `sa.Table` objects and settings only: no I/O, no SQL. Configured overrides
(`uid_columns`, `view_keys`, `identifier_columns`) win over the naming conventions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.sqltypes import _Binary

from gateway.catalog.model import ColumnInfo, ColumnKind, Relation
from gateway.catalog.names import fold_index, lookup, setting_for
from gateway.settings import Settings

__all__ = ["TableFacts", "column_info", "column_kind", "table_facts"]

IDENTIFIER_CANDIDATES = ("Name", "Value", "DocumentNo", "Title", "Code", "Description")

# Checked in order: Float before Numeric (a Float is a Numeric in SQLAlchemy 2.0), Boolean before Integer.
_SIMPLE_KINDS: tuple[tuple[type[Any], ColumnKind], ...] = (
    (sa.Boolean, ColumnKind.BOOLEAN),
    (sa.Float, ColumnKind.FLOAT),
    (sa.Numeric, ColumnKind.DECIMAL),
    (sa.Date, ColumnKind.DATE),
    (sa.Time, ColumnKind.TIME),
    (sa.Uuid, ColumnKind.GUID),
    (sa.JSON, ColumnKind.JSON),
    (_Binary, ColumnKind.BINARY),
)


@dataclass(frozen=True, slots=True)
class TableFacts:
    """The per-table conventions, resolved to reflected column names."""

    key: str | None
    uid: str | None
    tenant: str | None
    org: str | None
    identifier: tuple[str, ...]


def column_kind(column: sa.Column[Any], yesno: re.Pattern[str]) -> ColumnKind:
    """The value kind of a reflected column (api.md §4.4)."""
    type_ = column.type
    if isinstance(type_, sa.DateTime):
        return ColumnKind.DATETIME_TZ if type_.timezone else ColumnKind.DATETIME
    if isinstance(type_, sa.Integer) and not isinstance(type_, sa.Boolean):
        # MariaDB reports BOOL as TINYINT(1): only a yes/no-named one is read as a boolean.
        width = getattr(type_, "display_width", None)
        return ColumnKind.BOOLEAN if width == 1 and yesno.search(column.name) else ColumnKind.INTEGER
    for base, kind in _SIMPLE_KINDS:
        if isinstance(type_, base):
            return kind
    if isinstance(type_, sa.String) and getattr(type_, "length", None) == 1 and yesno.search(column.name):
        return ColumnKind.YESNO
    return ColumnKind.STRING


def column_info(column: sa.Column[Any], yesno: re.Pattern[str], parent: Relation | None) -> ColumnInfo:
    """The ColumnInfo of one column of a built table."""
    type_ = column.type
    is_float = isinstance(type_, sa.Float)
    return ColumnInfo(
        name=str(column.name),
        kind=column_kind(column, yesno),
        column=column,
        nullable=bool(column.nullable),
        has_default=_has_default(column),
        label=column.comment or str(column.name),
        length=getattr(type_, "length", None) if isinstance(type_, sa.String | _Binary) else None,
        precision=None if is_float or not isinstance(type_, sa.Numeric) else type_.precision,
        scale=None if is_float or not isinstance(type_, sa.Numeric) else type_.scale,
        parent=parent,
    )


def _has_default(column: sa.Column[Any]) -> bool:
    if column.server_default is not None or column.identity is not None or column.computed is not None:
        return True
    return column.table is not None and column.table.autoincrement_column is column


def table_facts(table: sa.Table, settings: Settings, *, is_view: bool) -> TableFacts:
    """Key, uid, tenant, org and identifier columns of `table` (settings maps matched case-insensitively)."""
    names = tuple(str(c.name) for c in table.columns)
    primary = tuple(str(c.name) for c in table.primary_key.columns)
    return facts_of(str(table.name), names, primary, settings, is_view=is_view)


def facts_of(
    table: str, names: tuple[str, ...], primary: tuple[str, ...], settings: Settings, *, is_view: bool
) -> TableFacts:
    """`table_facts` from the column and primary-key names alone (lazy reflection has no sa.Table yet)."""
    index = NameIndex(names)
    return TableFacts(
        key=primary[0]
        if len(primary) == 1 and not is_view
        else _configured(index, setting_for(settings.view_keys, table)),
        uid=_configured(index, setting_for(settings.uid_columns, table)) or index.pick(f"{table}_UU"),
        tenant=index.pick(settings.tenant_column) if settings.tenant_column else None,
        org=index.pick(settings.org_column) if settings.org_column else None,
        identifier=_identifier(table, index, settings),
    )


class NameIndex:
    """`pick_name` over one fixed list of names, folded once instead of on every pick."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._exact = {n: n for n in names}
        self._folded = fold_index((n, n) for n in names)

    def pick(self, wanted: str) -> str | None:
        return lookup(self._exact, self._folded, wanted, "names")


def _identifier(table: str, names: NameIndex, settings: Settings) -> tuple[str, ...]:
    configured = setting_for(settings.identifier_columns, table)
    if configured:
        chosen = tuple(n for n in (_configured(names, part) for part in configured.split("+")) if n)
        if chosen:
            return chosen
    for candidate in IDENTIFIER_CANDIDATES:
        found = names.pick(candidate)
        if found:
            return (found,)
    return ()


def _configured(names: NameIndex, wanted: str | None) -> str | None:
    return names.pick(wanted.strip()) if wanted and wanted.strip() else None
