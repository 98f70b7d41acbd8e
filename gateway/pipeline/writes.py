"""The write pipeline: body -> RowPlan tree -> one transaction of lookups, locks, writes -> re-read records.

`write` serves POST/PUT/PATCH/DELETE of /api/v1/models and batch items. Every statement of a request runs
on the one connection of `source.begin()` (the batch's connection inside /api/v1/batch), so a failure
anywhere writes nothing. Permissions and scope come from the planner; statements from query/write.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.actor import Actor
from gateway.catalog import Catalog
from gateway.catalog.model import EntitySet
from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.errors import (
    AuthorizationError,
    ConcurrentUpdate,
    FieldError,
    PreconditionFailed,
    PreconditionRequired,
    ReadonlyColumn,
    RecordNotFound,
    ReferenceAmbiguous,
    ReferencedRow,
    ReferenceNotFound,
    ValidationError,
)
from gateway.pipeline.execute import Level, execute_read, guarded, translate
from gateway.pipeline.plan.access import Purpose, scope_clause, table_ref
from gateway.pipeline.plan.context import PlanContext, ScopedResolver
from gateway.pipeline.plan.read import LevelDraft, key_clause, plan_read
from gateway.pipeline.plan.values import BadValue, FkRef, coerce, decode_body, zone_of
from gateway.pipeline.plan.write import FromParent, Op, RowPlan, check_writable, plan_write
from gateway.pipeline.query.select import Layout
from gateway.pipeline.query.write import (
    delete_statement,
    exists_select,
    insert_statement,
    lock_select,
    lookup_select,
    update_statement,
)
from gateway.pipeline.render.encoder import RenderOptions, RowEncoder
from gateway.pipeline.render.envelope import render_record
from gateway.pipeline.render.values import converter_for
from gateway.pipeline.types import Action, ApiRequest, CountMode, HttpResult, Page, RawRequest, ReadPlan
from gateway.pipeline.write_events import WriteHooks, write_event
from gateway.settings import Settings

_OPS = {Action.INSERT: Op.INSERT, Action.UPDATE: Op.UPDATE, Action.DELETE: Op.DELETE}
_DEADLOCK_RETRIES = 2


@dataclass(frozen=True, slots=True)
class WriteTarget:
    table: str
    key: str | None = None


@dataclass(slots=True)
class Written:
    """A row as this request left it: its key and final column values, and the child rows written."""

    entity: EntitySet
    key: Any
    values: dict[str, Any]
    children: list[tuple[str, list[Written]]] = field(default_factory=list)


def write(
    raw: RawRequest,
    target: WriteTarget,
    action: Action,
    *,
    actor: Actor,
    catalog: Catalog,
    settings: Settings,
    source: ConnectionSource,
    now: datetime,
    hooks: WriteHooks | None = None,
) -> HttpResult:
    """Insert (201 + Location), update (200) or delete (200) one record and its child collections;
    `hooks` see every row write (the caller runs what must wait for the commit)."""
    ctx = PlanContext(catalog, actor, settings, traits_for(source.dialect), now)
    entity = catalog.get(target.table)
    op = _OPS[action]
    check_writable(ctx, entity)
    if_match = raw.header("If-Match")
    body = decode_body(raw.body, raw.header("Content-Type")) if op is not Op.DELETE else {}
    plan = plan_write(ctx, entity, op, body, target.key)
    if op is not Op.INSERT and settings.rest_require_if_match and not if_match:
        raise PreconditionRequired("This gateway requires If-Match on updates and deletes")
    for attempt in range(_DEADLOCK_RETRIES + 1):
        try:
            with source.begin() as conn, guarded(conn, ctx.traits, settings.rest_statement_timeout_ms):
                return _Runner(conn, ctx, hooks).run(plan, if_match)
        except ConcurrentUpdate:
            if attempt == _DEADLOCK_RETRIES:
                raise
    raise AssertionError("unreachable")


class _Runner:
    """Executes one RowPlan tree on one connection (inside the caller's transaction)."""

    def __init__(self, conn: Connection, ctx: PlanContext, hooks: WriteHooks | None = None) -> None:
        self.conn = conn
        self.ctx = ctx
        self.hooks = hooks
        self.zone = zone_of(ctx.settings.db_timezone)
        self.options = RenderOptions(ctx.settings.db_timezone, ctx.settings.rest_omit_nulls)
        self.lookups: dict[tuple[str, str, str, Any], Any] = {}

    def run(self, plan: RowPlan, if_match: str | None) -> HttpResult:
        entity = plan.entity
        if plan.op is Op.DELETE:
            self.delete(plan, None, if_match)
            return HttpResult(200, {"msg": "Deleted"})
        if plan.op is Op.UPDATE:
            record, etag = self.reread(self.update(plan, None, if_match))
            return HttpResult(200, record, {"ETag": etag})
        written = self.insert(plan, None)
        record, etag = self.reread(written)
        location = f"/api/v1/models/{entity.model_name}/{written.key}"
        return HttpResult(201, record, {"Location": location, "ETag": etag})

    # --- rows ---------------------------------------------------------------------------------------

    def insert(self, row: RowPlan, parent: Written | None) -> Written:
        entity = row.entity
        values = self.resolve(row, parent)
        self.check_scope(row, values)
        self.before(entity, "insert", None, values)
        returning = self.ctx.traits.supports_returning and entity.key is not None
        result = self.conn.execute(insert_statement(entity, values, returning=returning))
        if entity.key is None:
            key = values.get(entity.uid or "")
        elif returning:
            key = result.scalar_one()
        else:
            key = result.inserted_primary_key[0]  # type: ignore[index]
        final = dict(values)
        if entity.key is not None:
            final[entity.key] = key
        self.after(entity, "insert", key, final)
        return self.children(row, Written(entity, key, final))

    def update(self, row: RowPlan, parent: Written | None, if_match: str | None) -> Written:
        entity = row.entity
        current = self.lock(row, parent)
        if parent is None:
            self.check_etag(entity, current, if_match)
        stored = dict(zip((c.name for c in entity.columns), current, strict=True))
        key = stored[entity.key or entity.uid or ""]
        self.check_unchanged(row, stored, key)
        values = self.resolve(row, parent)
        self.check_scope(row, values)
        if values:
            values.update(row.touch)
            self.before(entity, "update", key, values, stored)
            scope = scope_clause(self.ctx.catalog, self.ctx.actor, entity, entity.table, write=True)
            self.conn.execute(update_statement(entity, key, values, scope))
            self.after(entity, "update", key, {**stored, **values}, stored)
        return self.children(row, Written(entity, key, {**stored, **values}))

    def delete(self, row: RowPlan, parent: Written | None, if_match: str | None) -> None:
        entity = row.entity
        current = self.lock(row, parent)
        if parent is None:
            self.check_etag(entity, current, if_match)
        stored = dict(zip((c.name for c in entity.columns), current, strict=True))
        key = stored[entity.key or entity.uid or ""]
        self.before(entity, "delete", key, {}, stored)
        scope = scope_clause(self.ctx.catalog, self.ctx.actor, entity, entity.table, write=True)
        try:
            self.conn.execute(delete_statement(entity, key, scope))
        except sa.exc.DBAPIError as exc:
            error = translate(exc, self.ctx.traits)
            # SQLite reports every FK failure alike; on a DELETE it can only mean a referencing row.
            if isinstance(error, ReferenceNotFound):
                raise ReferencedRow("The record is referenced by other records") from None
            raise error from None
        self.after(entity, "delete", key, {}, stored)

    def before(self, entity: EntitySet, action: str, key: Any, values: Any, old: Any = None) -> None:
        if self.hooks is not None:
            self.hooks.before(write_event(entity, action, key, values, self.ctx.actor, old))

    def after(self, entity: EntitySet, action: str, key: Any, values: Any, old: Any = None) -> None:
        if self.hooks is not None:
            self.hooks.after(write_event(entity, action, key, values, self.ctx.actor, old), self.conn)

    def children(self, row: RowPlan, written: Written) -> Written:
        for child in row.children:
            results: list[Written] = []
            for item in child.rows:
                if item.op is Op.INSERT:
                    results.append(self.insert(item, written))
                elif item.op is Op.UPDATE:
                    results.append(self.update(item, written, None))
                else:
                    self.delete(item, written, None)
            written.children.append((child.prop, results))
        return written

    # --- checks -------------------------------------------------------------------------------------

    def lock(self, row: RowPlan, parent: Written | None) -> tuple[Any, ...]:
        """The addressed row, locked: 404 when invisible (or not this parent's child), 403 when read-only."""
        ctx, entity = self.ctx, row.entity
        ref = table_ref(ctx.catalog, ctx.actor, entity, Purpose.WRITE, name=ctx.next_name("w"))
        where = [key_clause(LevelDraft(ref, ScopedResolver(ctx, entity, ref.alias)), row.target or "")]
        read_scope = scope_clause(ctx.catalog, ctx.actor, entity, ref.alias)
        if read_scope is not None:
            where.append(read_scope)
        if parent is not None and row.link is not None:
            where.append(ref.alias.c[row.link.child_column] == parent.values[row.link.parent_column])
        stmt = lock_select(
            entity, ref.alias, tuple(where), ref.scope, for_update=ctx.traits.supports_for_update
        )
        found = self.conn.execute(stmt).first()
        if found is None or (parent is not None and not found[-1]):
            raise RecordNotFound(f"No record found matching id: {row.target}", errors=_field(row, "id"))
        if not found[-1]:
            raise AuthorizationError(f"The record is outside the write scope of this session: {row.target}")
        return tuple(found[:-1])

    def check_etag(self, entity: EntitySet, current: tuple[Any, ...], if_match: str | None) -> None:
        if if_match is None:
            return
        tags = {part.strip().removeprefix("W/") for part in if_match.split(",")}
        if "*" not in tags and etag_of(entity, current, self.options) not in tags:
            raise PreconditionFailed("The record was changed since it was read (ETag mismatch)")

    def check_unchanged(self, row: RowPlan, stored: dict[str, Any], key: Any) -> None:
        """Body `id` = the key; read-only columns keep their values; the tenant never changes (403)."""
        entity = row.entity
        if row.body_id is not None and str(row.body_id) != str(key):
            raise ValidationError("The body id differs from the path id", errors=_field(row, "id"))
        changed: list[FieldError] = []
        for name, sent in row.compare.items():
            if not _same(entity, name, stored[name], sent, self.ctx.settings.db_timezone, self.zone):
                if name == entity.tenant:
                    raise AuthorizationError("The client of a record cannot be changed")
                changed.append(FieldError(row.prefix + name, "is read-only"))
        if changed:
            raise ReadonlyColumn(f"Read-only columns: {', '.join(e.field for e in changed)}", errors=changed)

    def check_scope(self, row: RowPlan, values: dict[str, Any]) -> None:
        """Org values inside the role's orgs; parents of inherited tables inside the write scope (403)."""
        ctx, entity = self.ctx, row.entity
        orgs = ctx.actor.policy.orgs
        if entity.org and entity.org in values and orgs and values[entity.org] not in orgs:
            raise AuthorizationError(f"Organization {values[entity.org]} is not allowed for this role")
        link = row.link.child_column if row.link else None
        for relation in ctx.catalog.tenant_path(entity):
            if relation.child_column == link or relation.child_column not in values:
                continue
            parent = ctx.catalog.entity_sets[relation.parent]
            ref = table_ref(ctx.catalog, ctx.actor, parent, Purpose.IDENTIFIER, name=ctx.next_name("p"))
            scope = scope_clause(ctx.catalog, ctx.actor, parent, ref.alias, write=True)
            where = (ref.alias.c[relation.parent_column] == values[relation.child_column],)
            if self.conn.execute(
                exists_select(ref.alias, where + ((scope,) if scope is not None else ()))
            ).first():
                continue
            raise AuthorizationError(
                f"The {parent.model_name} record is outside the write scope of this session"
            )

    # --- values -------------------------------------------------------------------------------------

    def resolve(self, row: RowPlan, parent: Written | None) -> dict[str, Any]:
        """Bound values of a row: FK forms looked up, parent values copied, the link set."""
        values: dict[str, Any] = {}
        missing: list[FieldError] = []
        for name, value in row.values.items():
            if isinstance(value, FkRef):
                found = self.lookup(value, row.prefix + name)
                if found is _MISSING:
                    missing.append(
                        FieldError(row.prefix + name, f"no visible {value.parent.model_name} matches")
                    )
                    continue
                value = found
            elif isinstance(value, FromParent):
                value = parent.values.get(value.column) if parent is not None else None
            values[name] = value
        if missing:
            raise ReferenceNotFound(
                f"References not found: {', '.join(e.field for e in missing)}", errors=missing
            )
        if parent is not None and row.link is not None:
            target = parent.values[row.link.parent_column]
            if row.link_value is not None and str(_link_number(row.link_value)) != str(target):
                raise ValidationError(
                    "A child refers to another parent", errors=_field(row, row.link.child_column)
                )
            if row.op is Op.INSERT:
                values[row.link.child_column] = target
        return values

    def lookup(self, fk: FkRef, name: str) -> Any:
        memo = (fk.parent.name, fk.match, fk.stores, str(fk.value))
        if memo not in self.lookups:
            ctx = self.ctx
            ref = table_ref(ctx.catalog, ctx.actor, fk.parent, Purpose.IDENTIFIER, name=ctx.next_name("l"))
            rows = self.conn.execute(lookup_select(ref, fk)).all()
            if len(rows) > 1:
                message = f"{fk.form} '{fk.value}' matches several {fk.parent.model_name} records"
                raise ReferenceAmbiguous(message, errors=[FieldError(name, message)])
            self.lookups[memo] = rows[0][0] if rows else (None if fk.zero_clears else _MISSING)
        return self.lookups[memo]

    # --- re-read ------------------------------------------------------------------------------------

    def reread(self, written: Written) -> tuple[dict[str, Any], str]:
        req = ApiRequest(Action.GET, written.entity.name, key=str(written.key))
        plan = plan_read(req, self.ctx)
        result = execute_read(
            self.conn, plan, etag=True, max_expand_rows=self.ctx.settings.rest_max_expand_rows
        )
        if not result.level.rows:
            raise RecordNotFound(f"No record found matching id: {written.key}")
        record, etag = render_record(plan, result, self.options)
        self.attach(record, written)
        return record, etag

    def attach(self, record: dict[str, Any], written: Written) -> None:
        for prop, items in written.children:
            record[prop] = self.records(items)

    def records(self, items: list[Written]) -> list[dict[str, Any]]:
        """The written child rows re-read in one statement per collection, in request order."""
        if not items:
            return []
        entity = items[0].entity
        plan = plan_read(ApiRequest(Action.LIST, entity.name), self.ctx)
        column = plan.alias.c[entity.key or entity.uid or ""]
        where = (*plan.where, column.in_([w.key for w in items]))
        plan = replace(plan, where=where, page=Page(0, 0), count=CountMode.SKIP)
        result = execute_read(self.conn, plan)
        at = next(i for i, o in enumerate(plan.outputs) if o.info.name == column.name)
        by_key = {row[at]: row for row in result.level.rows}
        encoder = RowEncoder(plan, result.level, self.options)
        out = []
        for item in items:
            row = by_key.get(item.key)
            if row is not None:
                record = encoder.encode(row)
                self.attach(record, item)
                out.append(record)
        return out


_MISSING = object()


def etag_of(entity: EntitySet, row: tuple[Any, ...], options: RenderOptions) -> str:
    """The ETag of a row given as all columns in ordinal order, computed exactly as reads compute it."""
    alias = entity.table
    plan = ReadPlan(entity, alias, alias, (), (), (), {}, Page(0, 0), CountMode.SKIP)
    level = Level([], Layout((), (), None, tuple(range(len(entity.columns)))))
    return RowEncoder(plan, level, options).etag(row)


def _same(entity: EntitySet, name: str, stored: Any, sent: Any, db_timezone: str, zone: Any) -> bool:
    """Whether a sent read-only value equals the stored one, compared in their JSON output forms."""
    info = entity.column_named(name)
    if name == entity.tenant:
        return str(_link_number(sent)) == str(stored)
    try:
        value = coerce(info, sent, zone) if sent is not None else None
    except BadValue:
        return False
    if name == entity.uid and isinstance(value, str) and isinstance(stored, str):
        return value.lower() == stored.lower()
    convert = converter_for(info, db_timezone)
    return orjson.dumps(convert(stored), default=str) == orjson.dumps(convert(value), default=str)


def _link_number(value: Any) -> Any:
    return value.get("id", value.get("Id")) if isinstance(value, dict) else value


def _field(row: RowPlan, name: str) -> list[FieldError]:
    return [FieldError(row.prefix + name, "does not match")]
