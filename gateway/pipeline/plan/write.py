"""Write planning: a JSON body -> a tree of RowPlans (columns, coerced values, FK forms, stamps, children).

Checks everything that needs no database: grants, unknown/denied/ambiguous keys, value kinds, read-only
columns on insert, mandatory columns, the tenant value, row and depth limits; errors of one request are
collected and raised together. FK lookups, locks and comparisons with stored rows are the executor's.
"""

from __future__ import annotations

import enum
import fnmatch
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.catalog import child_relations
from gateway.catalog.model import ColumnInfo, ColumnKind, EntitySet, Relation
from gateway.errors import (
    AmbiguousName,
    AuthorizationError,
    BodyError,
    FieldError,
    MethodNotAllowed,
)
from gateway.pipeline.plan.access import Purpose, check_table
from gateway.pipeline.plan.context import PlanContext
from gateway.pipeline.plan.values import (
    BadValue,
    Problems,
    integer_of,
    is_uuid,
    parse_fk,
    to_column_time,
    zone_of,
)
from gateway.pipeline.plan.values import coerce as coerce_value

_IGNORED = frozenset({"model-name", "tablename", "identifier", "propertylabel"})
_ADDRESS = frozenset({"id", "uid", "(delete)"})
_AUDIT_TIMES = frozenset({"created", "updated"})
_AUDIT_USERS = frozenset({"createdby", "updatedby"})
_TIMES = (ColumnKind.DATETIME, ColumnKind.DATETIME_TZ)


class Op(enum.Enum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class FromParent:
    """A child column that takes the final value of the parent's column (tenant and org of children)."""

    column: str


@dataclass(frozen=True, slots=True)
class ChildPlan:
    prop: str  # the body key as sent (also the response key)
    relation: Relation
    rows: tuple[RowPlan, ...]


@dataclass(frozen=True, slots=True)
class RowPlan:
    op: Op
    entity: EntitySet
    prefix: str  # field prefix in error messages: "" or "C_OrderLine[1]."
    values: Mapping[str, Any]  # column -> bound value, FkRef or FromParent
    compare: Mapping[str, Any] = field(default_factory=dict)  # update: sent read-only values
    touch: Mapping[str, Any] = field(default_factory=dict)  # update: audit values when something changes
    target: str | None = None  # update/delete: id or uid of the row
    body_id: Any = None  # update: `id` of the body (must equal the row's key)
    link: Relation | None = None  # child rows: the FK to their parent
    link_value: Any = None  # the link column as sent in a child body (must equal the parent key)
    children: tuple[ChildPlan, ...] = ()


def check_writable(ctx: PlanContext, entity: EntitySet) -> None:
    """405 for views, 403 without a write grant or for global tables written by a tenant session."""
    if entity.is_view:
        raise MethodNotAllowed(f"{entity.model_name} is a view and cannot be written")
    check_table(ctx.actor, entity, Purpose.WRITE)
    if entity.tenant is None and not ctx.catalog.tenant_path(entity) and not ctx.actor.is_system:
        raise AuthorizationError(f"Only System sessions may write {entity.model_name}")


def plan_write(
    ctx: PlanContext, entity: EntitySet, op: Op, body: Mapping[str, Any], target: str | None
) -> RowPlan:
    """The RowPlan tree of one POST/PUT/PATCH/DELETE (DELETE has no body), or the collected 400s."""
    check_writable(ctx, entity)
    planner = _Planner(ctx)
    row = planner.row(body, entity, op, "", 0, None, target)
    planner.problems.raise_any()
    return row


class _Planner:
    def __init__(self, ctx: PlanContext) -> None:
        self.ctx = ctx
        self.zone = zone_of(ctx.settings.db_timezone)
        self.problems = Problems()
        self.rows = 0
        self.patterns = tuple(p.lower() for p in ctx.settings.readonly_columns)

    def row(
        self,
        body: Mapping[str, Any],
        entity: EntitySet,
        op: Op,
        prefix: str,
        depth: int,
        parent: tuple[EntitySet, Relation] | None,
        target: str | None,
    ) -> RowPlan:
        self.rows += 1
        if self.rows > self.ctx.settings.rest_max_write_rows:
            raise BodyError(f"More than {self.ctx.settings.rest_max_write_rows} rows in one request")
        if op is Op.DELETE:
            return RowPlan(op, entity, prefix, {}, target=target, link=parent[1] if parent else None)
        columns, collections, address = self.classify(body, entity, prefix)
        link_value = None
        if parent is not None:
            link_value = columns.pop(parent[1].child_column, None)
        values, compare = self.values(entity, op, prefix, columns, parent)
        children = tuple(self.child(entity, op, prefix, depth, c) for c in collections)
        touch = self.audit(entity, Op.UPDATE) if op is Op.UPDATE else {}
        body_id = address.get("id") if op is Op.UPDATE and parent is None else None
        return RowPlan(
            op, entity, prefix, values, compare, touch, target, body_id,
            parent[1] if parent else None, link_value, children,
        )  # fmt: skip

    def classify(
        self, body: Mapping[str, Any], entity: EntitySet, prefix: str
    ) -> tuple[dict[str, tuple[ColumnInfo, Any]], list[tuple[str, Relation, Any]], dict[str, Any]]:
        """Body keys -> columns, child collections and the addressing keys (id, uid, (delete))."""
        columns: dict[str, tuple[ColumnInfo, Any]] = {}
        collections: list[tuple[str, Relation, Any]] = []
        address: dict[str, Any] = {}
        for key, value in body.items():
            lowered = key.lower()
            if lowered in _IGNORED:
                continue
            if lowered in _ADDRESS:
                address[lowered] = value
                if lowered == "uid" and entity.uid:
                    self._put(columns, entity.column_named(entity.uid), value, prefix + key)
                continue
            info = self._column(entity, key, prefix)
            if info is not None and (info.kind is ColumnKind.JSON or not isinstance(value, list)):
                self._put(columns, info, value, prefix + key)
            elif isinstance(value, list):
                relation = self._relation(entity, key, prefix)
                if relation is not None:
                    collections.append((key, relation, value))
            elif self.ctx.settings.rest_error_on_non_existing_column:
                self.problems.unknown.append(
                    FieldError(prefix + key, f"is not a column of {entity.model_name}")
                )
        return columns, collections, address

    def _put(
        self, columns: dict[str, tuple[ColumnInfo, Any]], info: ColumnInfo, value: Any, name: str
    ) -> None:
        if info.name in columns:
            self.problems.ambiguous.append(FieldError(name, f"{info.name} is given more than once"))
        columns[info.name] = (info, value)

    def _column(self, entity: EntitySet, key: str, prefix: str) -> ColumnInfo | None:
        try:
            info = entity.column(key)
        except AmbiguousName:
            self.problems.ambiguous.append(FieldError(prefix + key, "matches several columns"))
            return None
        policy = self.ctx.actor.policy
        if info is None or not policy.is_denied(entity.name, info.name):
            return info
        # Admin roles may write hidden columns (security.md §4.3); denied ones stay unknown.
        return info if policy.is_admin and policy.is_hidden(entity.name, info.name) else None

    def _relation(self, entity: EntitySet, key: str, prefix: str) -> Relation | None:
        try:
            found = child_relations(self.ctx.catalog, entity, key, None)
        except AmbiguousName:
            found = ()
        if len(found) > 1:
            self.problems.ambiguous.append(FieldError(prefix + key, "several references; use Table.FKColumn"))
            return None
        if not found:
            message = f"{key} is not a column or child table of {entity.model_name}"
            self.problems.unknown.append(FieldError(prefix + key, message))
            return None
        return found[0]

    def values(
        self,
        entity: EntitySet,
        op: Op,
        prefix: str,
        columns: dict[str, tuple[ColumnInfo, Any]],
        parent: tuple[EntitySet, Relation] | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        values: dict[str, Any] = {}
        compare: dict[str, Any] = {}
        tenant_given = columns.pop(entity.tenant, None) if entity.tenant else None
        if entity.org and entity.org in columns:
            self._check_org(columns[entity.org][1])
        for info, value in columns.values():
            if self._readonly(entity, info, op):
                self._readonly_value(entity, op, prefix, info, value, values, compare)
                continue
            converted = self.convert(info, value, prefix)
            if converted is not _SKIP:
                values[info.name] = converted
        if entity.tenant:
            self._tenant(entity, op, prefix, tenant_given, values, compare, parent)
        if op is Op.INSERT:
            self._stamp(entity, values, parent)
            self._mandatory(entity, prefix, {**values, **dict.fromkeys(columns)}, parent)
        return values, compare

    def _check_org(self, value: Any) -> None:
        """403 for an org outside the role's orgs (before the lookup, which would only say "not found")."""
        orgs = self.ctx.actor.policy.orgs
        number = _tenant_number(value)
        if orgs and number is not None and number not in orgs:
            raise AuthorizationError(f"Organization {number} is not allowed for this role")

    def _readonly_value(
        self, entity: EntitySet, op: Op, prefix: str, info: ColumnInfo, value: Any, values: dict[str, Any],
        compare: dict[str, Any],
    ) -> None:  # fmt: skip
        if op is Op.INSERT:
            if info.name == entity.uid:
                values[info.name] = str(uuid.UUID(value)) if is_uuid(value) else str(uuid.uuid4())
            elif info.name != entity.key and self.ctx.settings.rest_error_on_non_updatable_column:
                self.problems.readonly.append(FieldError(prefix + info.name, "is read-only"))
            return
        if self.ctx.settings.rest_error_on_non_updatable_column:
            compare[info.name] = value

    def _readonly(self, entity: EntitySet, info: ColumnInfo, op: Op) -> bool:
        if info.name in (entity.key, entity.uid) or info.column.computed is not None:
            return True
        if op is Op.UPDATE and info.name.lower() == "created":
            return True
        qualified = f"{entity.name}.{info.name}".lower()
        return any(fnmatch.fnmatchcase(qualified, p) for p in self.patterns)

    def convert(self, info: ColumnInfo, value: Any, prefix: str) -> Any:
        """The bound value (or FkRef) of one body value; problems are recorded and _SKIP returned."""
        name = prefix + info.name
        if value is None:
            if info.nullable:
                return None
            self.problems.missing.append(FieldError(name, "is mandatory"))
            return _SKIP
        parent = self.ctx.catalog.entity_sets.get(info.parent.parent) if info.parent else None
        try:
            if parent is not None and info.kind is not ColumnKind.JSON:
                converted = parse_fk(self.ctx.actor, info, parent, value, self.zone)
                if converted is None and not info.nullable:
                    self.problems.missing.append(FieldError(name, "is mandatory"))
                    return _SKIP
                return converted
            return coerce_value(info, value, self.zone)
        except BadValue as exc:
            self.problems.invalid.append(FieldError(name, str(exc)))
        except LookupError as exc:
            self.problems.references.append(FieldError(name, str(exc.args[0])))
        return _SKIP

    def _tenant(
        self, entity: EntitySet, op: Op, prefix: str, given: tuple[ColumnInfo, Any] | None,
        values: dict[str, Any], compare: dict[str, Any], parent: tuple[EntitySet, Relation] | None,
    ) -> None:  # fmt: skip
        """Tenant sessions write their own client only (403 otherwise); System sessions choose it."""
        assert entity.tenant is not None
        actor = self.ctx.actor
        if given is not None and not actor.is_system and _tenant_number(given[1]) != actor.client_id:
            raise AuthorizationError(f"Records of client {given[1]!r} cannot be written by this session")
        if op is Op.UPDATE:
            if given is not None:
                compare[entity.tenant] = given[1]
        elif given is not None and actor.is_system:
            converted = self.convert(given[0], given[1], prefix)
            if converted is not _SKIP:
                values[entity.tenant] = converted
        elif not actor.is_system:
            values[entity.tenant] = actor.client_id
        elif parent is not None and parent[0].tenant:
            values[entity.tenant] = FromParent(parent[0].tenant)

    def _stamp(
        self, entity: EntitySet, values: dict[str, Any], parent: tuple[EntitySet, Relation] | None
    ) -> None:
        if entity.org and entity.org not in values:
            parent_org = parent[0].org if parent is not None else None
            values[entity.org] = FromParent(parent_org) if parent_org else self.ctx.actor.org_id
        if entity.uid and entity.uid not in values:
            values[entity.uid] = str(uuid.uuid4())
        for name, value in self.audit(entity, Op.INSERT).items():
            values.setdefault(name, value)

    def audit(self, entity: EntitySet, op: Op) -> dict[str, Any]:
        """Created/Updated = now and CreatedBy/UpdatedBy = the actor's user id (integer columns only)."""
        stamps: dict[str, Any] = {}
        for info in entity.columns:
            lowered = info.name.lower()
            if op is Op.UPDATE and not lowered.startswith("updated"):
                continue
            if lowered in _AUDIT_TIMES and info.kind in _TIMES:
                stamps[info.name] = to_column_time(info, self.ctx.now, self.zone)
            elif lowered in _AUDIT_USERS and info.kind is ColumnKind.INTEGER:
                stamps[info.name] = self.ctx.actor.user_id
        return stamps

    def _mandatory(
        self,
        entity: EntitySet,
        prefix: str,
        values: dict[str, Any],
        parent: tuple[EntitySet, Relation] | None,
    ) -> None:
        """NOT NULL columns without default that are neither sent (even invalid) nor filled by the gateway."""
        link = parent[1].child_column if parent else None
        for info in entity.columns:
            if info.nullable or info.has_default or info.name in values or info.name == link:
                continue
            if not any(e.field == prefix + info.name for e in self.problems.missing):
                self.problems.missing.append(FieldError(prefix + info.name, "is mandatory"))

    def child(
        self, entity: EntitySet, op: Op, prefix: str, depth: int, collection: tuple[str, Relation, Any]
    ) -> ChildPlan:
        key, relation, items = collection
        if depth + 1 > self.ctx.settings.rest_max_expand_depth:
            raise BodyError(
                f"Child collections nest deeper than {self.ctx.settings.rest_max_expand_depth} levels"
            )
        child = self.ctx.catalog.entity_sets[relation.child]
        check_writable(self.ctx, child)
        rows = []
        for n, item in enumerate(items):
            item_prefix = f"{prefix}{key}[{n}]."
            if not isinstance(item, dict):
                raise BodyError(f"{item_prefix[:-1]} must be a JSON object")
            child_op, target = self._child_op(item, op, item_prefix)
            rows.append(self.row(item, child, child_op, item_prefix, depth + 1, (entity, relation), target))
        return ChildPlan(key, relation, tuple(rows))

    def _child_op(self, item: Mapping[str, Any], op: Op, prefix: str) -> tuple[Op, str | None]:
        """Insert, or (PUT only) update/delete of the child addressed by `id`/`uid`."""
        lowered = {k.lower(): v for k, v in item.items() if k.lower() in _ADDRESS}
        delete = lowered.get("(delete)", False)
        if not isinstance(delete, bool) or (delete and op is not Op.UPDATE):
            self.problems.invalid.append(FieldError(prefix + "(delete)", "is allowed as true in PUT only"))
            return Op.INSERT, None
        ident = lowered.get("id", lowered.get("uid")) if op is Op.UPDATE else None
        if delete and ident is None:
            self.problems.invalid.append(FieldError(prefix + "(delete)", "needs the id or uid of the child"))
        if ident is None:
            return Op.INSERT, None
        return (Op.DELETE if delete else Op.UPDATE), str(ident)


_SKIP = object()


def _tenant_number(value: Any) -> int | None:
    raw = value.get("id", value.get("Id")) if isinstance(value, dict) else value
    try:
        return integer_of(raw)
    except BadValue:
        return None
