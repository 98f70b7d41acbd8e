"""PlanContext (what a plan may consult) and ScopedResolver (filter_grammar's Resolver over the catalog).

Every table the filter compiler reaches (navigation joins, any/all collections) is obtained through
`table_ref`, so it carries its row scope; unknown and denied names raise the same error.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from filter_grammar import CompileOptions, FilterError, Limits, Slot
from filter_grammar.resolve import Kind, ResolvedCollection, ResolvedColumn
from gateway.actor import Actor
from gateway.catalog import Catalog, child_relations
from gateway.catalog.model import ColumnInfo, EntitySet
from gateway.dialects import DialectTraits
from gateway.errors import UnknownColumn
from gateway.meta.valrules import ValRule
from gateway.pipeline.plan.access import Purpose, require_column, table_ref
from gateway.pipeline.types import Position
from gateway.settings import Settings


def limits_of(s: Settings) -> Limits:
    """The query-language limits of the runtime settings (filter-grammar.md §14)."""
    return Limits(
        max_length=s.rest_max_filter_length,
        max_nodes=s.rest_max_filter_nodes,
        max_depth=s.rest_max_filter_depth,
        max_in_items=s.rest_max_in_items,
        max_path_depth=s.rest_max_path_depth,
        max_expand_depth=s.rest_max_expand_depth,
    )


@dataclass(slots=True)
class PlanContext:
    """Per-request planning inputs. `counter` names aliases and bind parameters uniquely."""

    catalog: Catalog
    actor: Actor
    settings: Settings  # effective for the actor's client
    traits: DialectTraits
    now: datetime
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    valrule: ValRule | None = None  # loaded by the pipeline before planning ($valrule)
    position: Position | None = None  # keyset paging: read from $skiptoken by the pipeline before planning
    bindings: list[tuple[tuple[Any, ...], tuple[Slot, ...], str]] = field(default_factory=list)
    cacheable: bool = True

    def next_name(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    @property
    def limits(self) -> Limits:
        return limits_of(self.settings)

    def compile_options(self, prefix: str, context: dict[str, object] | None = None) -> CompileOptions:
        return CompileOptions(
            db_timezone=self.settings.db_timezone,
            regex_enabled=self.settings.rest_filter_regex,
            param_prefix=prefix,
            now=self.now,
            context=context or {},
            limits=self.limits,
        )


@dataclass(frozen=True, slots=True)
class Source:
    entity: EntitySet
    alias: FromClause


class ScopedResolver:
    """Resolver for one root table; collects the LEFT JOINs that navigation paths need."""

    def __init__(self, ctx: PlanContext, entity: EntitySet, alias: FromClause) -> None:
        self.ctx = ctx
        self._root = Source(entity, alias)
        self.joins: list[tuple[FromClause, ColumnElement[bool]]] = []
        self._hops: dict[tuple[int, str], Source] = {}

    def root(self) -> object:
        return self._root

    def column(self, source: object, name: str, position: int) -> ResolvedColumn:
        src = _source(source)
        info = self._column_info(src, name, position)
        column = src.alias.c[info.name]
        return ResolvedColumn(column, info.kind, info.column.type, info.name)

    def _column_info(self, src: Source, name: str, position: int) -> ColumnInfo:
        entity = src.entity
        lowered = name.lower()
        if lowered in ("id", "uid"):
            target = entity.key if lowered == "id" else entity.uid
            if target is None:
                raise UnknownColumn(f"unknown column '{name}' in {entity.model_name}", position=position)
            return entity.column_named(target)
        info = entity.column(name)
        if info is None and child_relations(self.ctx.catalog, entity, name, None):
            raise FilterError(
                f"{name} is a collection; use {name}/any(...) or all(...)", position, type="FILTER-PATH"
            )
        return require_column(self.ctx.actor, entity, name, position)

    def navigate(self, source: object, name: str, position: int) -> object:
        src = _source(source)
        info = self._column_info(src, name, position)
        if info.parent is None:
            raise FilterError(
                f"{name} is not a foreign key of {src.entity.model_name}", position, type="FILTER-PATH"
            )
        cache_key = (id(src.alias), info.name)
        if cache_key in self._hops:
            return self._hops[cache_key]
        parent = self.ctx.catalog.entity_sets[info.parent.parent]
        ref = table_ref(self.ctx.catalog, self.ctx.actor, parent, Purpose.READ, name=self.ctx.next_name("n"))
        on = ref.alias.c[info.parent.parent_column] == src.alias.c[info.name]
        self.joins.append((ref.alias, on if ref.scope is None else sa.and_(on, ref.scope)))
        hop = Source(parent, ref.alias)
        self._hops[cache_key] = hop
        return hop

    def collection(self, source: object, name: str, via: str | None, position: int) -> ResolvedCollection:
        src = _source(source)
        if src.entity.key is None:
            raise FilterError(f"{src.entity.model_name} has no key for {name}", position, type="FILTER-PATH")
        relation = pick_child(self.ctx.catalog, src.entity, name, via, position)
        child = self.ctx.catalog.entity_sets[relation.child]
        ref = table_ref(self.ctx.catalog, self.ctx.actor, child, Purpose.READ, name=self.ctx.next_name("c"))
        link = ref.alias.c[relation.child_column] == src.alias.c[relation.parent_column]
        where = link if ref.scope is None else sa.and_(link, ref.scope)
        return ResolvedCollection(Source(child, ref.alias), ref.alias, where)

    def joined(self, base: FromClause) -> FromClause:
        """`base` with every navigation join of this resolver attached."""
        result = base
        for alias, on in self.joins:
            result = result.outerjoin(alias, on)
        return result


def pick_child(catalog: Catalog, parent: EntitySet, name: str, via: str | None, position: int) -> Any:
    """The one child relation called `name` (through `via`), or FILTER-PATH naming the candidates."""
    candidates = child_relations(catalog, parent, name, via)
    if not candidates:
        raise FilterError(f"{name} is not a child table of {parent.model_name}", position, type="FILTER-PATH")
    if len(candidates) > 1:
        columns = ", ".join(r.child_column for r in candidates)
        raise FilterError(
            f"{parent.model_name} has several references from {name}: {columns}; use {name}.<FKColumn>",
            position,
            type="FILTER-PATH",
        )
    return candidates[0]


def _source(source: object) -> Source:
    assert isinstance(source, Source)
    return source


__all__ = ["Kind", "PlanContext", "ScopedResolver", "Source", "pick_child"]
