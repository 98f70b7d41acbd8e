"""Reflection of the data database into `sa.Table` objects, then into a Catalog.

The only catalog module that does I/O: a handful of bulk inspector calls (columns, keys, FKs, comments)
over the served tables and views of `db_schema`. Tables are built in a private MetaData that holds only
FK constraints between served tables. Detection rules live in `detect.py`/`graph.py`, not here.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine.reflection import Inspector, ObjectKind

from gateway.catalog import Catalog, build_catalog, build_lazy_catalog
from gateway.catalog.detect import facts_of
from gateway.catalog.graph import merged_relations
from gateway.catalog.model import Relation
from gateway.catalog.names import served
from gateway.settings import Settings

__all__ = ["reflect_catalog", "reflect_tables"]

# Columns of unknown types reflect as NullType (kind STRING); the warning must not stop startup.
_UNKNOWN_TYPE = r"Did not recognize type"
# MariaDB stores JSON as LONGTEXT with a column CHECK that SQLAlchemy does not report.
_JSON_CHECK = re.compile(r"^json_valid\(`([^`]+)`\)$", re.IGNORECASE)
_CHECKS = sa.table(
    "CHECK_CONSTRAINTS",
    sa.column("CONSTRAINT_SCHEMA"),
    sa.column("TABLE_NAME"),
    sa.column("CHECK_CLAUSE"),
    schema="information_schema",
)


class _Connectable(Protocol):
    def connect(self) -> AbstractContextManager[sa.Connection]: ...


@dataclass(frozen=True, slots=True)
class Reflected:
    """What the database said, keyed by table name."""

    names: tuple[str, ...]
    views: frozenset[str]
    columns: Mapping[str, list[Any]]
    keys: Mapping[str, Sequence[str]]
    foreign_keys: Mapping[str, list[Any]]
    comments: Mapping[str, str | None]
    json_columns: frozenset[tuple[str, str]] = frozenset()


def reflect_catalog(engine_or_source: _Connectable, settings: Settings, *, version: int = 1) -> Catalog:
    """Reflect the served tables and views of the data database and build a Catalog from them: at once
    up to `reflect_eager_max_tables` tables, above that each table's entity set on first use (lazy.py)."""
    schema = settings.db_schema or None
    reflected = _reflect(engine_or_source, settings)
    if len(reflected.names) <= settings.reflect_eager_max_tables:
        return build_catalog(
            _build_tables(reflected, schema), settings, version=version, views=reflected.views
        )
    names = {n: tuple(str(c["name"]) for c in reflected.columns.get(n, [])) for n in reflected.names}
    facts = {
        n: facts_of(n, names[n], tuple(reflected.keys.get(n, ())), settings, is_view=n in reflected.views)
        for n in reflected.names
    }
    edges = _lazy_edges(reflected, {n: f.key for n, f in facts.items()}, settings, schema)
    return build_lazy_catalog(
        facts, edges, lambda name: _full_table(reflected, name, schema), settings, version=version,
        views=reflected.views,
    )  # fmt: skip


def reflect_tables(
    engine_or_source: _Connectable, settings: Settings
) -> tuple[tuple[sa.Table, ...], frozenset[str]]:
    """The served tables (built in a private MetaData) and the names of those that are views."""
    reflected = _reflect(engine_or_source, settings)
    return _build_tables(reflected, settings.db_schema or None), reflected.views


def _reflect(engine_or_source: _Connectable, settings: Settings) -> Reflected:
    schema = settings.db_schema or None
    with engine_or_source.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_UNKNOWN_TYPE, category=sa.exc.SAWarning)
        reflected = _read(sa.inspect(conn), schema, settings)
        if getattr(conn.dialect, "is_mariadb", False):
            reflected = dataclasses.replace(reflected, json_columns=_json_columns(conn, schema))
    return reflected


def _read(inspector: Inspector, schema: str | None, settings: Settings) -> Reflected:
    views = set(inspector.get_view_names(schema))
    names = [
        n
        for n in (*inspector.get_table_names(schema), *sorted(views))
        if served(n, settings.tables, settings.exclude_tables)
    ]
    if not names:
        return Reflected((), frozenset(), {}, {}, {}, {})
    options: dict[str, Any] = {"schema": schema, "filter_names": names, "kind": ObjectKind.ANY}
    keys = inspector.get_multi_pk_constraint(**options)
    return Reflected(
        names=tuple(names),
        views=frozenset(views.intersection(names)),
        columns=_by_name(inspector.get_multi_columns(**options)),
        keys={name: pk.get("constrained_columns") or () for name, pk in _by_name(keys).items()},
        foreign_keys=_by_name(inspector.get_multi_foreign_keys(**options)),
        comments=_comments(inspector, options),
    )


def _comments(inspector: Inspector, options: dict[str, Any]) -> Mapping[str, str | None]:
    if not inspector.dialect.supports_comments:
        return {}
    return {name: c.get("text") for name, c in _by_name(inspector.get_multi_table_comment(**options)).items()}


def _json_columns(conn: sa.Connection, schema: str | None) -> frozenset[tuple[str, str]]:
    owner = sa.literal(schema) if schema else sa.func.database()
    query = sa.select(_CHECKS.c.TABLE_NAME, _CHECKS.c.CHECK_CLAUSE).where(
        _CHECKS.c.CONSTRAINT_SCHEMA == owner  # noqa: SIM300 - a column, not a constant
    )
    found = ((str(table), _JSON_CHECK.match(str(clause).strip())) for table, clause in conn.execute(query))
    return frozenset((table, match.group(1)) for table, match in found if match)


def _by_name(multi: Mapping[tuple[str | None, str], Any]) -> dict[str, Any]:
    return {str(name): value for (_schema, name), value in multi.items()}


def _build_tables(reflected: Reflected, schema: str | None) -> tuple[sa.Table, ...]:
    metadata = sa.MetaData(schema=schema)
    tables = {name: _table(reflected, name, metadata) for name in reflected.names}
    for name, table in tables.items():
        for fk in reflected.foreign_keys.get(name, []):
            _add_foreign_key(table, fk, tables, schema)
    return tuple(tables.values())


def _table(reflected: Reflected, name: str, metadata: sa.MetaData) -> sa.Table:
    key = set(reflected.keys.get(name, ()))
    is_view = name in reflected.views
    columns = [
        _column(info, info["name"] in key, is_view, (name, info["name"]) in reflected.json_columns)
        for info in reflected.columns.get(name, [])
    ]
    return sa.Table(name, metadata, *columns, comment=reflected.comments.get(name))


def _full_table(reflected: Reflected, name: str, schema: str | None) -> sa.Table:
    """One table alone in its MetaData (lazy catalogs): FK constraints only ever served the graph."""
    return _table(reflected, name, sa.MetaData(schema=schema))


def _lazy_edges(
    reflected: Reflected, keys: Mapping[str, str | None], settings: Settings, schema: str | None
) -> tuple[Relation, ...]:
    """The FK edges `relations` finds on built tables, read from the reflected dicts: single-column FKs
    to the key of another served table of the same schema, then the configured ones."""
    columns = {n: {str(c["name"]): bool(c.get("nullable", True)) for c in reflected.columns.get(n, [])}
               for n in reflected.names}  # fmt: skip
    declared = []
    for name in reflected.names:
        for fk in reflected.foreign_keys.get(name, []):
            local, referred = fk["constrained_columns"], fk["referred_columns"]
            parent = str(fk.get("referred_table"))
            if (
                len(local) == 1 == len(referred) and parent in columns
                and (fk.get("referred_schema") or schema) == schema
                and local[0] in columns[name] and keys.get(parent) == referred[0]
            ):  # fmt: skip
                declared.append(Relation(name, local[0], parent, referred[0], not columns[name][local[0]]))
    return merged_relations(declared, columns, keys, settings)


def _column(info: Mapping[str, Any], primary_key: bool, is_view: bool, is_json: bool) -> sa.Column[Any]:
    extras: list[Any] = []
    computed, identity = info.get("computed"), info.get("identity")
    # View columns report their base column's default on some databases; a view is never inserted into.
    default = None if is_view else info.get("default")
    if computed:
        extras.append(sa.Computed(computed["sqltext"], persisted=computed.get("persisted")))
    elif identity:
        extras.append(sa.Identity(**identity))
    elif default is not None:
        extras.append(sa.DefaultClause(sa.text(default) if isinstance(default, str) else default))
    return sa.Column(
        str(info["name"]),
        sa.JSON() if is_json else info["type"],
        *extras,
        primary_key=primary_key,
        nullable=bool(info.get("nullable", True)),
        autoincrement=info.get("autoincrement", "auto"),
        comment=info.get("comment"),
    )


def _add_foreign_key(
    table: sa.Table, fk: Mapping[str, Any], tables: Mapping[str, sa.Table], schema: str | None
) -> None:
    """Keep an FK only when it points at another served table of the same schema."""
    target = tables.get(str(fk.get("referred_table")))
    if target is None or (fk.get("referred_schema") or schema) != schema:
        return
    referred = [target.c[c] for c in fk["referred_columns"] if c in target.c]
    local = [table.c[c] for c in fk["constrained_columns"] if c in table.c]
    if len(referred) == len(local) == len(fk["constrained_columns"]) and local:
        table.append_constraint(sa.ForeignKeyConstraint(local, referred, name=fk.get("name")))
