"""The FK graph: single-column relations between entity sets, inherited tenant paths, child lookups.

Edges come from declared constraints (single column, referencing the parent's key) plus
`extra_foreign_keys`. An FK to a table outside the catalog is ignored. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

from gateway.catalog.model import EntitySet, Relation
from gateway.catalog.names import fold_index, lookup, pick_name, split_qualified
from gateway.errors import SettingError
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.catalog import Catalog

__all__ = ["child_relations", "edge_maps", "merged_relations", "relations", "tenant_paths"]

MAX_TENANT_HOPS = 3


def relations(
    tables: Mapping[str, sa.Table], keys: Mapping[str, str | None], settings: Settings
) -> tuple[Relation, ...]:
    """Every FK edge between the given tables: declared ones first, then the configured ones."""
    columns = {name: {str(c.name): bool(c.nullable) for c in t.columns} for name, t in tables.items()}
    return merged_relations(_declared(tables, keys), columns, keys, settings)


def merged_relations(
    declared: Iterable[Relation],
    columns: Mapping[str, Mapping[str, bool]],
    keys: Mapping[str, str | None],
    settings: Settings,
) -> tuple[Relation, ...]:
    """`declared` edges, then the configured ones (`columns`: per table, column name -> nullable); the
    first edge of a column wins."""
    found: dict[tuple[str, str], Relation] = {}
    for relation in (*declared, *_configured(columns, keys, settings.extra_foreign_keys)):
        found.setdefault((relation.child, relation.child_column), relation)
    return tuple(found.values())


def _declared(tables: Mapping[str, sa.Table], keys: Mapping[str, str | None]) -> Iterable[Relation]:
    for name, table in tables.items():
        for constraint in table.foreign_key_constraints:
            if len(constraint.elements) != 1:
                continue
            parent, parent_column = _target(constraint.elements[0], tables)
            if parent is not None and keys.get(parent) == parent_column:
                column = constraint.elements[0].parent
                yield Relation(name, str(column.name), parent, parent_column, not column.nullable)


def _target(fk: sa.ForeignKey, tables: Mapping[str, sa.Table]) -> tuple[str | None, str]:
    """The referenced entity set and column, or (None, "") when the target is not in the catalog."""
    try:
        column = fk.column
    except (sa.exc.NoReferencedTableError, sa.exc.NoReferencedColumnError):
        return None, ""
    table = column.table
    same = isinstance(table, sa.Table) and tables.get(str(table.name)) is table
    return (str(table.name), str(column.name)) if same else (None, "")


def _configured(
    columns: Mapping[str, Mapping[str, bool]], keys: Mapping[str, str | None], extra: Mapping[str, str]
) -> Iterable[Relation]:
    names = {name: name for name in columns}
    folded = fold_index(names.items())
    for qualified, target in extra.items():
        table_name, column_name = split_qualified(qualified)
        child = lookup(names, folded, table_name, "tables")
        parent = lookup(names, folded, target.strip(), "tables")
        column = pick_name(columns[child], column_name) if child is not None else None
        if child is None or parent is None or column is None or not keys.get(parent):
            continue  # a configured FK to a table outside the catalog is ignored, like a declared one
        yield Relation(child, column, parent, str(keys[parent]), not columns[child][column])


class Scoped(Protocol):
    """What tenant paths read of a table: an EntitySet, or a Skeleton before it is built."""

    @property
    def name(self) -> str: ...
    @property
    def tenant(self) -> str | None: ...
    @property
    def parents(self) -> tuple[Relation, ...]: ...


def tenant_paths(
    entity_sets: Mapping[str, Scoped], configured_paths: Mapping[str, str]
) -> dict[str, tuple[Relation, ...]]:
    """For each entity set without a tenant column: the NOT NULL FK relations it inherits its scope through.

    Configured paths (setting `tenant_paths`) win; an unknown FK column there is a startup error, as scope
    must fail closed.
    Otherwise a table inherits through every NOT NULL FK to a parent that is scoped closer to a tenant
    column, up to three hops; an entity set absent from the result is global.
    """
    depth = {name: 0 for name, es in entity_sets.items() if es.tenant}
    configured = _configured_paths(entity_sets, configured_paths)
    paths = {name: via for name, via in configured.items() if name not in depth}
    for hop in range(1, MAX_TENANT_HOPS + 1):
        reached = dict(depth)
        for name, es in entity_sets.items():
            if name in depth:
                continue
            via = paths.get(name) or tuple(r for r in es.parents if r.not_null and r.parent in depth)
            if name not in configured and via:
                paths[name] = via
            if via and all(r.parent in depth for r in via):
                reached[name] = hop
        depth = reached
    return paths


def _configured_paths(
    entity_sets: Mapping[str, Scoped], configured: Mapping[str, str]
) -> dict[str, tuple[Relation, ...]]:
    folded = fold_index(entity_sets.items())
    paths: dict[str, tuple[Relation, ...]] = {}
    for table_name, columns in configured.items():
        es = lookup(entity_sets, folded, table_name.strip(), "tables")
        if es is None:
            continue
        by_column = {r.child_column: r for r in es.parents}
        chosen = tuple(by_column.get(pick_name(by_column, c) or "") for c in columns.split(",") if c.strip())
        if not chosen or any(r is None for r in chosen):
            raise SettingError(
                f"GATEWAY_TENANT_PATHS: {table_name}={columns} names a column that is not an FK"
            )
        paths[es.name] = tuple(r for r in chosen if r is not None)
    return paths


def child_relations(
    catalog: Catalog, parent: EntitySet, child_name: str, via: str | None
) -> tuple[Relation, ...]:
    """The FK relations by which the child table `child_name` points at `parent` (optionally only FK `via`).

    Several results mean the bare child name is ambiguous, none that it is no child: the caller decides
    which error that is. `Table.FKColumn` in `child_name` stands for `via` when no such table exists.
    """
    child = catalog.find(child_name)
    if child is None and via is None and "." in child_name:
        table_name, via = split_qualified(child_name)
        child = catalog.find(table_name)
    if child is None:
        return ()
    edges = tuple(r for r in parent.children if r.child == child.name)
    if via is None:
        return edges
    column = pick_name((r.child_column for r in edges), via)
    return tuple(r for r in edges if r.child_column == column)


def edge_maps(
    all_relations: Iterable[Relation],
) -> tuple[dict[str, tuple[Relation, ...]], dict[str, tuple[Relation, ...]]]:
    """Relations grouped by child (the parents of each table) and by parent (its children)."""
    parents: dict[str, tuple[Relation, ...]] = {}
    children: dict[str, tuple[Relation, ...]] = {}
    for r in sorted(all_relations, key=lambda r: (r.child, r.child_column, r.parent)):
        parents[r.child] = (*parents.get(r.child, ()), r)
        children[r.parent] = (*children.get(r.parent, ()), r)
    return parents, children
