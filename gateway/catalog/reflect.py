"""Reflection of the data database into `sa.Table` objects, then into a Catalog.

With outline.py the only catalog modules that do I/O. Up to `reflect_eager_max_tables` served tables and
views of `db_schema`: a handful of bulk inspector calls (columns, keys, FKs, comments), tables built in a
private MetaData that holds only FK constraints between served tables. Above that the catalog is lazy:
startup reads only the outline (column names, keys, FKs: outline.py), and a table is reflected and built
alone the first time a request needs it, or every missing one in one bulk read when a request walks all
tables (lazy.py). Detection rules live in `detect.py`/`graph.py`, not here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine.reflection import Inspector, ObjectKind

from gateway.catalog import Catalog, build_catalog, build_lazy_catalog
from gateway.catalog.detect import facts_of
from gateway.catalog.graph import merged_relations
from gateway.catalog.names import served
from gateway.catalog.outline import Outline, declared_edges, read_outline
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


def reflect_catalog(source: _Connectable, settings: Settings, *, version: int = 1) -> Catalog:
    """Reflect the served tables and views of the data database and build a Catalog from them: all at
    once up to `reflect_eager_max_tables` tables, above that lazily (each table on first use)."""
    schema = settings.db_schema or None
    with _inspecting(source) as (conn, inspector):
        names, views = _served_names(inspector, schema, settings)
        if len(names) <= settings.reflect_eager_max_tables:
            tables = _build_tables(_read(conn, inspector, schema, names, views), schema)
            return build_catalog(tables, settings, version=version, views=views)
        outline = read_outline(conn, inspector, schema, names)
        if outline is None:  # no catalog queries for this dialect: the bulk inspector calls
            reflected = _read(conn, inspector, schema, names, views)
            outline = Outline.of(reflected.columns, reflected.keys, reflected.foreign_keys)
    return _lazy_catalog(source, settings, outline, names, views, version)


def reflect_tables(source: _Connectable, settings: Settings) -> tuple[tuple[sa.Table, ...], frozenset[str]]:
    """The served tables (built in a private MetaData) and the names of those that are views."""
    schema = settings.db_schema or None
    with _inspecting(source) as (conn, inspector):
        names, views = _served_names(inspector, schema, settings)
        return _build_tables(_read(conn, inspector, schema, names, views), schema), views


def _lazy_catalog(
    source: _Connectable,
    settings: Settings,
    outline: Outline,
    names: Sequence[str],
    views: frozenset[str],
    version: int,
) -> Catalog:
    """Facts and FK graph from the outline now; each table reflected (types, defaults, comments) later."""
    schema = settings.db_schema or None
    facts = {
        n: facts_of(n, tuple(c for c, _ in outline.columns.get(n, ())), outline.keys.get(n, ()), settings,
                    is_view=n in views)
        for n in names
    }  # fmt: skip
    keys = {n: f.key for n, f in facts.items()}
    nullable = {n: dict(outline.columns.get(n, ())) for n in names}
    edges = merged_relations(declared_edges(outline, keys, schema), nullable, keys, settings)

    def tables(wanted: Sequence[str]) -> dict[str, sa.Table]:
        with _inspecting(source) as (conn, inspector):
            reflected = _read(conn, inspector, schema, wanted, views)
        metadata = sa.MetaData(schema=schema)  # FK constraints only ever served the graph: none here
        return {n: _table(reflected, n, metadata) for n in reflected.names if reflected.columns.get(n)}

    return build_lazy_catalog(facts, edges, tables, settings, version=version, views=views)


@contextmanager
def _inspecting(source: _Connectable) -> Iterator[tuple[sa.Connection, Inspector]]:
    with source.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_UNKNOWN_TYPE, category=sa.exc.SAWarning)
        yield conn, sa.inspect(conn)


def _served_names(
    inspector: Inspector, schema: str | None, settings: Settings
) -> tuple[tuple[str, ...], frozenset[str]]:
    views = set(inspector.get_view_names(schema))
    names = tuple(
        n
        for n in (*inspector.get_table_names(schema), *sorted(views))
        if served(n, settings.tables, settings.exclude_tables)
    )
    return names, frozenset(views.intersection(names))


def _read(
    conn: sa.Connection, inspector: Inspector, schema: str | None, names: Sequence[str], views: frozenset[str]
) -> Reflected:
    """Everything about the tables `names` in bulk inspector calls (MariaDB: plus its JSON columns)."""
    if not names:
        return Reflected((), frozenset(), {}, {}, {}, {})
    options: dict[str, Any] = {"schema": schema, "filter_names": list(names), "kind": ObjectKind.ANY}
    keys = inspector.get_multi_pk_constraint(**options)
    is_mariadb = getattr(conn.dialect, "is_mariadb", False)
    return Reflected(
        names=tuple(names),
        views=frozenset(views.intersection(names)),
        columns=_by_name(inspector.get_multi_columns(**options)),
        keys={name: pk.get("constrained_columns") or () for name, pk in _by_name(keys).items()},
        foreign_keys=_by_name(inspector.get_multi_foreign_keys(**options)),
        comments=_comments(inspector, options),
        json_columns=_json_columns(conn, schema, names) if is_mariadb else frozenset(),
    )


def _comments(inspector: Inspector, options: dict[str, Any]) -> Mapping[str, str | None]:
    if not inspector.dialect.supports_comments:
        return {}
    return {name: c.get("text") for name, c in _by_name(inspector.get_multi_table_comment(**options)).items()}


def _json_columns(
    conn: sa.Connection, schema: str | None, names: Sequence[str]
) -> frozenset[tuple[str, str]]:
    owner = sa.literal(schema) if schema else sa.func.database()
    query = sa.select(_CHECKS.c.TABLE_NAME, _CHECKS.c.CHECK_CLAUSE).where(
        _CHECKS.c.CONSTRAINT_SCHEMA == owner,  # noqa: SIM300 - a column, not a constant
        _CHECKS.c.TABLE_NAME.in_(names),
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
