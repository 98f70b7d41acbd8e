"""The OData entity model of one actor: entity sets, Edm-typed properties and FK navigation properties.

Derived from the reflected catalog and the role's policy (readable tables only, denied columns left out),
cached per catalog version and policy fingerprint. No I/O and no Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from gateway.actor import RolePolicy
from gateway.catalog import Catalog
from gateway.catalog.model import ColumnInfo, ColumnKind, EntitySet, Relation

NAMESPACE = "Gateway"
CONTAINER = "Container"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_CACHE_SIZE = 64
_EDM_BY_KIND = MappingProxyType(
    {
        ColumnKind.STRING: "Edm.String",
        ColumnKind.DECIMAL: "Edm.Decimal",
        ColumnKind.FLOAT: "Edm.Double",
        ColumnKind.BOOLEAN: "Edm.Boolean",
        ColumnKind.YESNO: "Edm.Boolean",
        ColumnKind.DATE: "Edm.Date",
        ColumnKind.DATETIME: "Edm.DateTimeOffset",
        ColumnKind.DATETIME_TZ: "Edm.DateTimeOffset",
        ColumnKind.TIME: "Edm.TimeOfDay",
        ColumnKind.GUID: "Edm.Guid",
        ColumnKind.BINARY: "Edm.Binary",
        ColumnKind.JSON: "Edm.String",
    }
)


@dataclass(frozen=True, slots=True)
class Prop:
    name: str
    edm: str
    info: ColumnInfo


@dataclass(frozen=True, slots=True)
class Nav:
    """A navigation property: a master record through an FK column, or a child collection."""

    name: str
    target: str  # entity set name
    is_child: bool
    column: str  # the FK column: of this table (master) or of the child table (child)
    nullable: bool
    expand_token: str  # how the pipeline's $expand names it
    referenced: str | None = None  # master: the referenced key property, when visible


@dataclass(frozen=True, slots=True)
class ODataSet:
    name: str
    entity: EntitySet
    key: tuple[str, ...]
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]

    @property
    def addressable(self) -> bool:
        """Single entities are served by `Set(key)` when the table has a single key or a UUID column."""
        return self.entity.key is not None or self.entity.uid is not None

    def nav(self, name: str) -> Nav | None:
        lowered = name.lower()
        return next((n for n in self.navs if n.name.lower() == lowered), None)

    def nav_of(self, is_child: bool, column: str, target: str) -> Nav | None:
        return next(
            (n for n in self.navs if (n.is_child, n.column, n.target) == (is_child, column, target)), None
        )


@dataclass(frozen=True, slots=True)
class ODataModel:
    sets: Mapping[str, ODataSet]

    def find(self, name: str) -> ODataSet | None:
        found = self.sets.get(name)
        if found is not None:
            return found
        lowered = [s for n, s in self.sets.items() if n.lower() == name.lower()]
        return lowered[0] if len(lowered) == 1 else None


def model_for(catalog: Catalog, policy: RolePolicy, cache: dict[Any, ODataModel]) -> ODataModel:
    """The model of this catalog version and policy, from `cache` (a per-app dict) when built before."""
    key = (catalog.version, policy.fingerprint)
    model = cache.get(key)
    if model is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        model = cache[key] = build_model(catalog, policy)
    return model


def build_model(catalog: Catalog, policy: RolePolicy) -> ODataModel:
    candidates = {es.name: es for es in catalog.listed() if _servable(es, policy)}
    sets: dict[str, ODataSet] = {}
    for es in candidates.values():
        props = tuple(
            Prop(c.name, edm_type(c), c) for c in es.columns if not policy.is_denied(es.name, c.name)
        )
        key = _key_of(es, {p.name for p in props})
        if key:
            sets[es.name] = ODataSet(es.name, es, key, props, ())
    for name, oset in sets.items():
        navs = _navs(oset, sets)
        sets[name] = ODataSet(oset.name, oset.entity, oset.key, oset.props, navs)
    return ODataModel(MappingProxyType(sets))


def _servable(es: EntitySet, policy: RolePolicy) -> bool:
    """OData names must be SimpleIdentifiers; tables or columns named otherwise are not served."""
    return (
        policy.can_read(es.name)
        and bool(_IDENTIFIER.match(es.name))
        and all(_IDENTIFIER.match(c.name) for c in es.columns)
    )


def _key_of(es: EntitySet, visible: set[str]) -> tuple[str, ...]:
    if es.key is not None:
        return (es.key,) if es.key in visible else ()
    primary = tuple(str(c.name) for c in es.table.primary_key.columns)
    if primary and all(p in visible for p in primary):
        return primary
    return (es.uid,) if es.uid is not None and es.uid in visible else ()


def _navs(oset: ODataSet, sets: Mapping[str, ODataSet]) -> tuple[Nav, ...]:
    taken = {p.name.lower() for p in oset.props}
    navs: list[Nav] = []
    visible = {p.name for p in oset.props}
    for info in oset.entity.columns:
        rel = info.parent
        if rel is None or info.name not in visible or rel.parent not in sets:
            continue
        target = sets[rel.parent]
        base = info.name[:-3] if info.name.lower().endswith("_id") and len(info.name) > 3 else info.name
        referenced = rel.parent_column if rel.parent_column in target.key else None
        name = _unique(base, taken)
        navs.append(Nav(name, rel.parent, False, info.name, info.nullable, info.name, referenced))
    for rel in oset.entity.children:
        if rel.child not in sets or rel.child_column not in {p.name for p in sets[rel.child].props}:
            continue
        navs.append(_child_nav(oset, rel, taken))
    return tuple(navs)


def _child_nav(oset: ODataSet, rel: Relation, taken: set[str]) -> Nav:
    several = sum(1 for r in oset.entity.children if r.child == rel.child) > 1
    base = f"{rel.child}_{rel.child_column}" if several else rel.child
    token = f"{rel.child}.{rel.child_column}" if several else rel.child
    return Nav(_unique(base, taken), rel.child, True, rel.child_column, True, token)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.lower())
    return name


def edm_type(info: ColumnInfo) -> str:
    if info.kind is ColumnKind.INTEGER:
        return _integer_type(info.column.type)
    return _EDM_BY_KIND.get(info.kind, "Edm.String")


def _integer_type(type_: sa.types.TypeEngine[Any]) -> str:
    if isinstance(type_, sa.SmallInteger):
        return "Edm.Int16"
    if isinstance(type_, sa.Integer) and not isinstance(type_, sa.BigInteger):
        return "Edm.Int32"
    return "Edm.Int64"  # BIGINT and NUMERIC(n, 0) keys (iDempiere ids are NUMERIC(10))
