"""The catalog: an immutable snapshot of the served entity sets, and the holder that swaps snapshots.

A `Catalog` is built once (from reflection or, in unit tests, from a `MetaData`) and never changes;
a reload builds a new one to the side and `CatalogHolder` swaps it in. Lookups here do no I/O, except
in a lazy catalog (above `reflect_eager_max_tables`), whose tables are reflected on first use (lazy.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import sqlalchemy as sa

from gateway.catalog.detect import TableFacts, column_info, table_facts
from gateway.catalog.graph import child_relations, edge_maps, relations, tenant_paths
from gateway.catalog.lazy import LazyEntitySets, Skeleton
from gateway.catalog.model import ColumnInfo, ColumnKind, EntitySet, Relation, Source, index_columns
from gateway.catalog.names import META_PREFIX, fold_index, lookup, served
from gateway.errors import TableNotFound
from gateway.settings import Settings

__all__ = [
    "Catalog",
    "CatalogHolder",
    "ColumnInfo",
    "ColumnKind",
    "EntitySet",
    "Relation",
    "Source",
    "build_catalog",
    "build_lazy_catalog",
    "child_relations",
    "reflect_catalog",
]


@dataclass(frozen=True, slots=True)
class Catalog:
    """The entity sets of one catalog version, keyed by reflected name, with their tenant paths."""

    version: int
    entity_sets: Mapping[str, EntitySet]  # a LazyEntitySets above reflect_eager_max_tables
    paths: Mapping[str, tuple[Relation, ...]] | None = None  # None: derived without configured overrides
    _names: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _folded: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.entity_sets, LazyEntitySets):
            object.__setattr__(self, "entity_sets", MappingProxyType(dict(self.entity_sets)))
        names = tuple(self.entity_sets)  # names only: looking a table up never builds another one
        object.__setattr__(self, "_names", MappingProxyType({n: n for n in names}))
        object.__setattr__(self, "_folded", MappingProxyType(fold_index((n, n) for n in names)))
        if self.paths is None:
            object.__setattr__(self, "paths", MappingProxyType(_default_paths(self.entity_sets)))

    def find(self, name: str) -> EntitySet | None:
        """The entity set `name` (exact, else unique case-insensitive match); AmbiguousName when several."""
        found = lookup(self._names, self._folded, name, "tables")
        return None if found is None else self.entity_sets[found]

    def get(self, name: str) -> EntitySet:
        """Like `find`, but an unknown name raises TableNotFound."""
        found = self.find(name)
        if found is None:
            raise TableNotFound(f"Table {name} not found")
        return found

    def listed(self) -> tuple[EntitySet, ...]:
        """The data entity sets in model-name order (meta and gw_* tables are never listed)."""
        data = (es for es in self.entity_sets.values() if es.source is Source.DATA)
        return tuple(sorted((es for es in data if not _is_meta_name(es.name)), key=lambda es: es.model_name))

    def tenant_path(self, es: EntitySet) -> tuple[Relation, ...]:
        """The FK relations through which a table without tenant column inherits scope; () = global."""
        if es.tenant is not None or self.paths is None:
            return ()
        return self.paths.get(es.name, ())

    def extended(self, entity_sets: Iterable[EntitySet]) -> Catalog:
        """A catalog of the same version with more entity sets (the plugins' meta tables)."""
        merged: Mapping[str, EntitySet]
        if isinstance(self.entity_sets, LazyEntitySets):
            merged = self.entity_sets.merged(entity_sets)
        else:
            merged = {**self.entity_sets, **{es.name: es for es in entity_sets}}
        return Catalog(self.version, merged, self.paths)

    @classmethod
    def from_metadata(
        cls,
        metadata: sa.MetaData,
        settings: Settings,
        *,
        version: int = 1,
        views: frozenset[str] = frozenset(),
    ) -> Catalog:
        """A catalog of the tables in `metadata`, without a database (unit tests); rules as in reflection."""
        declared_views = {t.name for t in metadata.tables.values() if getattr(t, "is_view", False)}
        return build_catalog(
            metadata.tables.values(), settings, version=version, views=views | declared_views
        )


def build_catalog(
    tables: Iterable[sa.Table], settings: Settings, *, version: int = 1, views: Iterable[str] = ()
) -> Catalog:
    """Detect keys, kinds, FK graph and tenant paths of `tables` and freeze them into a Catalog."""
    view_names = frozenset(views)
    chosen = {str(t.name): t for t in tables if served(str(t.name), settings.tables, settings.exclude_tables)}
    facts = {name: table_facts(t, settings, is_view=name in view_names) for name, t in chosen.items()}
    parents, children = edge_maps(relations(chosen, {n: f.key for n, f in facts.items()}, settings))
    yesno = re.compile(settings.yesno_pattern, re.IGNORECASE)
    entity_sets = {
        name: _entity_set(
            table, facts[name], parents.get(name, ()), children.get(name, ()), yesno, view_names
        )
        for name, table in chosen.items()
    }
    return Catalog(version, entity_sets, MappingProxyType(tenant_paths(entity_sets, settings.tenant_paths)))


def build_lazy_catalog(
    facts: Mapping[str, TableFacts],
    edges: Iterable[Relation],
    tables: Callable[[Sequence[str]], Mapping[str, sa.Table]],
    settings: Settings,
    *,
    version: int = 1,
    views: Iterable[str] = (),
) -> Catalog:
    """Like `build_catalog`, from the facts and FK edges of every served table (decided from the outline,
    in `facts` order); `tables` reflects the named tables, and runs only when a request needs them."""
    view_names = frozenset(views)
    parents, children = edge_maps(edges)
    yesno = re.compile(settings.yesno_pattern, re.IGNORECASE)

    def build(names: Sequence[str]) -> dict[str, EntitySet]:
        return {
            name: _entity_set(
                table, facts[name], parents.get(name, ()), children.get(name, ()), yesno, view_names
            )
            for name, table in tables(names).items()
        }

    skeletons = {n: Skeleton(n, f.tenant, parents.get(n, ())) for n, f in facts.items()}
    paths = tenant_paths(skeletons, settings.tenant_paths)
    return Catalog(version, LazyEntitySets(facts, build), MappingProxyType(paths))


def _entity_set(
    table: sa.Table,
    facts: TableFacts,
    parents: tuple[Relation, ...],
    children: tuple[Relation, ...],
    yesno: re.Pattern[str],
    views: frozenset[str],
) -> EntitySet:
    by_column = {r.child_column: r for r in parents}
    columns = tuple(column_info(c, yesno, by_column.get(str(c.name))) for c in table.columns)
    by_name, by_lower = index_columns(columns)
    name = str(table.name)
    return EntitySet(
        name=name,
        model_name=name.lower(),
        table=table,
        columns=columns,
        key=facts.key,
        uid=facts.uid,
        tenant=facts.tenant,
        org=facts.org,
        identifier=facts.identifier,
        parents=parents,
        children=children,
        is_view=name in views,
        comment=table.comment,
        by_name=MappingProxyType(by_name),
        by_lower=MappingProxyType(by_lower),
    )


def _default_paths(entity_sets: Mapping[str, EntitySet]) -> dict[str, tuple[Relation, ...]]:
    return tenant_paths(entity_sets, {})


def _is_meta_name(name: str) -> bool:
    return name.lower().startswith(META_PREFIX)


class CatalogHolder:
    """The current catalog of one app: reads never wait, a reload builds to the side and swaps."""

    __slots__ = ("_build", "_current", "_lock")

    def __init__(self, build: Callable[[int], Catalog]) -> None:
        self._build = build
        self._current: Catalog | None = None
        self._lock = threading.Lock()

    def current(self) -> Catalog:
        current = self._current
        if current is not None:
            return current
        with self._lock:
            if self._current is None:
                self._current = self._build(1)
            return self._current

    def reload(self) -> Catalog:
        """Build version+1 and swap it in; concurrent reloads are serialised, readers keep the old one."""
        with self._lock:
            version = self._current.version + 1 if self._current is not None else 1
            fresh = self._build(version)
            self._current = fresh
            return fresh


# Last: reflect.py builds through `build_catalog` above, and is re-exported from here.
from gateway.catalog.reflect import reflect_catalog  # noqa: E402
