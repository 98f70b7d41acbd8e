"""The outline of a lazy catalog: what startup needs of every table before any table is reflected.

Per table: its column names with their nullability, its primary-key columns and its FKs (shaped like the
inspector's dicts). That decides keys, uid/tenant/org/identifier columns, the FK graph and tenant paths;
column types, defaults and comments are reflected per table on first use (reflect.py).

PostgreSQL and MariaDB read it in two or three catalog queries. The inspector is no use there: its bulk
column reflection parses every type (PostgreSQL) and MariaDB's reflects table by table with SHOW CREATE
TABLE, which for 2,000 tables took 0.8 to 5 s. Other databases (SQLite) give `None`, and reflect.py
reads their outline with the ordinary bulk inspector calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.reflection import Inspector, ObjectKind

from gateway.catalog.model import Relation

__all__ = ["Outline", "declared_edges", "read_outline"]

# PostgreSQL: ordinary, partitioned and foreign tables, views and materialized views.
_PG_COLUMNS = sa.text(
    "SELECT c.relname, a.attname, NOT a.attnotnull FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = :schema AND a.attnum > 0 AND NOT a.attisdropped"
    " AND c.relkind IN ('r', 'p', 'f', 'v', 'm') ORDER BY c.relname, a.attnum"
)
_MY_COLUMNS = sa.text(
    "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE = 'YES' FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = :schema ORDER BY TABLE_NAME, ORDINAL_POSITION"
)
# Alone, not joined with TABLE_CONSTRAINTS: MariaDB answers that join for 2,000 tables in ~30 s.
_MY_KEYS = sa.text(
    "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME,"
    " REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = :schema"
    " AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL)"
    " ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
)


@dataclass(frozen=True, slots=True)
class Outline:
    """Per served table: (column name, nullable) in column order, primary-key columns, FK dicts."""

    columns: Mapping[str, tuple[tuple[str, bool], ...]]
    keys: Mapping[str, tuple[str, ...]]
    foreign_keys: Mapping[str, Sequence[Mapping[str, Any]]]

    @classmethod
    def of(
        cls,
        columns: Mapping[str, Iterable[Mapping[str, Any]]],
        keys: Mapping[str, Sequence[str]],
        foreign_keys: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> Outline:
        """From the inspector's reflected dicts."""
        return cls(
            {
                n: tuple((str(c["name"]), bool(c.get("nullable", True))) for c in cs)
                for n, cs in columns.items()
            },
            {n: tuple(k) for n, k in keys.items()},
            foreign_keys,
        )


def read_outline(
    conn: sa.Connection, inspector: Inspector, schema: str | None, names: Sequence[str]
) -> Outline | None:
    """The outline of the served tables `names` in catalog queries; None when the dialect has none."""
    owner = schema or inspector.default_schema_name
    if conn.dialect.name == "postgresql":
        return _pg_outline(conn, inspector, schema, owner, names)
    if conn.dialect.name in ("mysql", "mariadb"):
        served = frozenset(names)
        columns = _grouped(conn.execute(_MY_COLUMNS, {"schema": owner}), served)
        keys, fks = _mysql_keys(conn.execute(_MY_KEYS, {"schema": owner}), served, owner)
        return Outline(columns, keys, fks)
    return None


def _pg_outline(
    conn: sa.Connection, inspector: Inspector, schema: str | None, owner: str | None, names: Sequence[str]
) -> Outline:
    """Columns from pg_attribute; keys and FKs from the inspector, whose bulk calls are one query each."""
    columns = _grouped(conn.execute(_PG_COLUMNS, {"schema": owner}), frozenset(names))
    options: dict[str, Any] = {"schema": schema, "filter_names": list(names), "kind": ObjectKind.ANY}
    pks = {
        str(n): pk.get("constrained_columns") or ()
        for (_s, n), pk in inspector.get_multi_pk_constraint(**options).items()
    }
    fks: dict[str, Sequence[Mapping[str, Any]]] = {
        str(n): fk for (_s, n), fk in inspector.get_multi_foreign_keys(**options).items()
    }
    return Outline(columns, {n: tuple(pks.get(n, ())) for n in names}, fks)


def _grouped(rows: Iterable[Any], served: frozenset[str]) -> dict[str, tuple[tuple[str, bool], ...]]:
    grouped: dict[str, list[tuple[str, bool]]] = {}
    for table, column, nullable in rows:
        if table in served:
            grouped.setdefault(str(table), []).append((str(column), bool(nullable)))
    return {table: tuple(columns) for table, columns in grouped.items()}


def _mysql_keys(
    rows: Iterable[Any], served: frozenset[str], owner: str | None
) -> tuple[dict[str, tuple[str, ...]], dict[str, list[dict[str, Any]]]]:
    """Primary keys and FK dicts like the inspector's (same-schema targets with referred_schema None)."""
    keys: dict[str, tuple[str, ...]] = {}
    constraints: dict[tuple[str, str], dict[str, Any]] = {}
    for table, name, column, ref_schema, ref_table, ref_column in rows:
        if table not in served:
            continue
        if name == "PRIMARY":
            keys[table] = (*keys.get(table, ()), str(column))
            continue
        fk = constraints.setdefault((table, name), {
            "name": str(name), "constrained_columns": [], "referred_columns": [],
            "referred_table": str(ref_table), "referred_schema": None if ref_schema == owner else ref_schema,
        })  # fmt: skip
        fk["constrained_columns"].append(str(column))
        fk["referred_columns"].append(str(ref_column))
    fks: dict[str, list[dict[str, Any]]] = {}
    for (table, _name), fk in constraints.items():
        fks.setdefault(table, []).append(fk)
    return keys, fks


def declared_edges(
    outline: Outline, keys: Mapping[str, str | None], schema: str | None
) -> Iterable[Relation]:
    """Every single-column FK to the key of a served table (`keys`) of the same schema: the edges that
    `graph.relations` finds on built tables."""
    nullable = {name: dict(columns) for name, columns in outline.columns.items()}
    for name, fks in outline.foreign_keys.items():
        for fk in fks:
            local, referred = fk["constrained_columns"], fk["referred_columns"]
            parent = str(fk.get("referred_table"))
            if (
                len(local) == 1 == len(referred)
                and (fk.get("referred_schema") or schema) == schema
                and local[0] in nullable.get(name, {}) and keys.get(parent) == referred[0]
            ):  # fmt: skip
                yield Relation(name, local[0], parent, referred[0], not nullable[name][local[0]])
