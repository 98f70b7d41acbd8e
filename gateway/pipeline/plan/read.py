"""Read passes: entity, select list, filter, order, FK identifiers, page and count for one table.

`plan_entity` plans any level (top-level list, single record, expand target); `plan_read` adds what only
the top level has (key lookup, paging rules, count decision). Builds no statements and does no I/O.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from filter_grammar import ast, compile_filter, compile_orderby, unparse
from filter_grammar.errors import FilterTypeError
from gateway.catalog.model import ColumnInfo, ColumnKind, EntitySet
from gateway.errors import InvalidId, InvalidOption, PagingError, ValruleNotFound
from gateway.pipeline.plan.access import Purpose, TableRef, require_column, table_ref, visible_columns
from gateway.pipeline.plan.context import PlanContext, ScopedResolver
from gateway.pipeline.plan.keyset import after_clause, after_params, sort_terms
from gateway.pipeline.plan.values import is_uuid
from gateway.pipeline.types import (
    Action,
    ApiRequest,
    CountMode,
    Output,
    Page,
    Position,
    QueryOptions,
    ReadPlan,
    SortTerm,
)

_INT = re.compile(r"^-?[0-9]{1,19}$")
_PSEUDO = frozenset({"id", "uid", "model-name"})


@dataclass(slots=True)
class LevelDraft:
    """Mutable scratch of one level while its passes run; frozen into a ReadPlan at the end."""

    ref: TableRef
    resolver: ScopedResolver
    outputs: list[Output] = field(default_factory=list)
    where: list[ColumnElement[bool]] = field(default_factory=list)
    order: list[ColumnElement[Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    ident_joins: list[tuple[Any, ColumnElement[bool]]] = field(default_factory=list)
    keyset: tuple[SortTerm, ...] = ()
    after: ColumnElement[bool] | None = None


def prop_name(name: str, ctx: PlanContext) -> str:
    """Property name of a column (api.md §4.3 REST_COLUMNNAME_TOLOWERCASE)."""
    if ctx.settings.rest_columnname_tolowercase and "_" not in name and name:
        return name[0].lower() + name[1:]
    return name


def plan_read(req: ApiRequest, ctx: PlanContext) -> ReadPlan:
    """Plan a list, a single-record read or a single-column read of `req.table`."""
    from gateway.pipeline.plan.expand import plan_expands

    entity = ctx.catalog.get(req.table)
    draft = start_level(ctx, entity, "t")
    opts = req.options
    resolve_select(draft, ctx, opts.select, forced=_column_for(req, ctx, entity))
    if req.key is not None:
        draft.where.append(key_clause(draft, req.key))
    resolve_filter(draft, ctx, opts.filter, "$filter", "w")
    resolve_valrule(draft, ctx, opts)
    add_active_only(draft, ctx, opts.filter)
    resolve_order(draft, ctx, opts.orderby, "o")
    if ctx.position is not None and req.action is Action.LIST:
        add_keyset(draft, ctx.position)
    add_identifiers(draft, ctx)
    expands = plan_expands(ctx, draft, opts.expand, depth=1)
    page = clamp_page(ctx, opts) if req.action is Action.LIST else Page(0, 0)
    count = CountMode.SKIP
    if opts.count and req.action is Action.LIST:
        count = CountMode.ESTIMATE if opts.estimate else CountMode.EXACT
    return finish_level(draft, page, count, expands)


def start_level(ctx: PlanContext, entity: EntitySet, alias_name: str) -> LevelDraft:
    ref = table_ref(ctx.catalog, ctx.actor, entity, Purpose.READ, name=ctx.next_name(alias_name))
    draft = LevelDraft(ref, ScopedResolver(ctx, entity, ref.alias))
    if ref.scope is not None:
        draft.where.append(ref.scope)
    return draft


def finish_level(draft: LevelDraft, page: Page, count: CountMode, expands: tuple[Any, ...]) -> ReadPlan:
    counted = draft.resolver.joined(draft.ref.alias)
    from_ = counted
    for alias, on in draft.ident_joins:
        from_ = from_.outerjoin(alias, on)
    entity = draft.ref.entity
    key = draft.ref.alias.c[entity.key] if entity.key else None
    return ReadPlan(
        entity=entity,
        alias=draft.ref.alias,
        from_=from_,
        outputs=tuple(draft.outputs),
        where=tuple(draft.where),
        order=tuple(draft.order),
        params=dict(draft.params),
        page=page,
        count=count,
        expands=expands,
        key_column=key,
        etag_columns=tuple(draft.ref.alias.c[c.name] for c in entity.columns),
        count_from=counted,
        keyset=draft.keyset,
        after=draft.after,
        ident_joins=tuple(draft.ident_joins),
    )


def _column_for(req: ApiRequest, ctx: PlanContext, entity: EntitySet) -> ColumnInfo | None:
    """The `{column}` path segment, resolved (COLUMN-NOT-FOUND is raised by the caller's wrapper)."""
    if req.column is None:
        return None
    return require_column(ctx.actor, entity, req.column)


def resolve_select(
    draft: LevelDraft, ctx: PlanContext, select: ast.SelectList | None, *, forced: ColumnInfo | None = None
) -> None:
    """Outputs in record order: key, uid, then the (selected) visible columns in ordinal order."""
    entity = draft.ref.entity
    chosen: set[str] | None = None
    if forced is not None:
        chosen = {forced.name}
    elif select is not None and not select.star:
        chosen = set()
        for item in select.items:
            if item.name.lower() in _PSEUDO:
                continue
            info = require_column(ctx.actor, entity, item.name, item.position)
            chosen.add(info.name)
    for info in visible_columns(ctx.actor, entity):
        role = _role_of(entity, info)
        if role == "column" and chosen is not None and info.name not in chosen:
            continue
        prop = "id" if role == "key" else "uid" if role == "uid" else prop_name(info.name, ctx)
        draft.outputs.append(Output(info, prop, "fk" if role == "column" and info.parent else role))
    draft.outputs.sort(key=lambda o: {"key": 0, "uid": 1}.get(o.role, 2))


def _role_of(entity: EntitySet, info: ColumnInfo) -> str:
    if info.name == entity.key:
        return "key"
    if info.name == entity.uid:
        return "uid"
    return "column"


def key_target(entity: EntitySet, raw: str) -> tuple[str, Any]:
    """`/{id}`: the UUID column for a UUID segment (when the table has one), else the key (api.md §2.3)."""
    if entity.uid and is_uuid(raw):
        return entity.uid, str(uuid.UUID(raw))
    if entity.key is None:
        raise InvalidId(f"'{raw}' is not a UUID and {entity.model_name} has no single-column key")
    info = entity.column_named(entity.key)
    if info.kind is ColumnKind.INTEGER:
        if not _INT.match(raw) or not -(2**63) <= int(raw) < 2**63:
            raise InvalidId(f"'{raw}' is neither a UUID nor a valid id")
        return entity.key, int(raw)
    if info.kind in (ColumnKind.STRING, ColumnKind.GUID):
        return entity.key, raw
    raise InvalidId(f"'{raw}' is neither a UUID nor a valid id")


def key_clause(draft: LevelDraft, raw: str) -> ColumnElement[bool]:
    """The record lookup, bound as `gw_key` so that the statement is the same for every id."""
    name, value = key_target(draft.ref.entity, raw)
    column = draft.ref.alias.c[name]
    return column == sa.bindparam("gw_key", value, type_=column.type)


def resolve_filter(
    draft: LevelDraft,
    ctx: PlanContext,
    expr: ast.Expr | None,
    parameter: str,
    prefix: str,
    locator: tuple[Any, ...] = ("filter",),
) -> None:
    """Compile a $filter; its slots are recorded under `locator` so a cache hit can rebind new literals."""
    if expr is None:
        return
    name = ctx.next_name(prefix)
    try:
        compiled = compile_filter(expr, draft.resolver, ctx.compile_options(name))
    except Exception as exc:  # positions and the option name are attached, then re-raised unchanged
        raise _with_parameter(exc, parameter) from None
    draft.where.append(compiled.clause)
    draft.params.update(compiled.params)
    ctx.bindings.append((locator, compiled.slots, name))


def resolve_valrule(draft: LevelDraft, ctx: PlanContext, opts: QueryOptions) -> None:
    """AND the saved rule (loaded into ctx by the pipeline) with $filter; $context alone is an error."""
    from gateway.pipeline.plan.valrule import compile_rule

    if opts.valrule is None:
        if opts.context is not None:
            raise InvalidOption("$context is only meaningful with $valrule", parameter="$context")
        return
    if ctx.valrule is None:
        raise ValruleNotFound(f"Validation rule {opts.valrule} not found")
    compiled = compile_rule(ctx, draft.resolver, ctx.valrule, opts.context)
    draft.where.append(compiled.clause)
    draft.params.update(compiled.params)
    ctx.cacheable = False  # the rule text lives in the database: never cache its statements


def add_active_only(draft: LevelDraft, ctx: PlanContext, expr: ast.Expr | None) -> None:
    """REST_DEFAULT_ACTIVE_ONLY: IsActive = Y unless the filter mentions IsActive (not a security rule)."""
    if not ctx.settings.rest_default_active_only:
        return
    info = draft.ref.entity.column("IsActive")
    if info is None or (expr is not None and "isactive" in unparse(expr).lower()):
        return
    draft.where.append(draft.ref.alias.c[info.name] == ("Y" if info.kind is ColumnKind.YESNO else True))


def resolve_order(
    draft: LevelDraft,
    ctx: PlanContext,
    items: tuple[ast.OrderItem, ...] | None,
    prefix: str,
    locator: tuple[Any, ...] = ("orderby",),
) -> None:
    """$orderby items, then the tie-breakers so that pages are stable."""
    if items:
        name = ctx.next_name(prefix)
        try:
            _reject_constant_keys(items)
            compiled = compile_orderby(items, draft.resolver, ctx.compile_options(name))
        except Exception as exc:
            raise _with_parameter(exc, "$orderby") from None
        draft.order.extend(compiled.clauses)
        draft.params.update(compiled.params)
        ctx.bindings.append((locator, compiled.slots, name))
    for name in tie_breakers(draft.ref.entity):
        draft.order.append(draft.ref.alias.c[name].asc())


def tie_breakers(entity: EntitySet) -> tuple[str, ...]:
    """Columns that make the order total: the key, else a composite primary key, else the UUID column."""
    if entity.key:
        return (entity.key,)
    primary = tuple(c.name for c in entity.table.primary_key.columns)
    return primary or ((entity.uid,) if entity.uid else ())


def add_keyset(draft: LevelDraft, position: Position) -> None:
    """Keyset paging: the order's terms (their values are selected for the next token) and, past the
    first page, the predicate that starts the page after `position`."""
    draft.keyset = sort_terms(tuple(draft.order), draft.ref.alias)
    if position.shape is not None:
        if len(position.shape) != len(draft.keyset):  # the table's key changed since the token was issued
            raise PagingError("$skiptoken no longer fits this table; start again", parameter="$skiptoken")
        draft.after = after_clause(draft.keyset, position.shape)
        draft.params.update(after_params(position.values or ()))  # a cache hit rebinds them


def _reject_constant_keys(items: tuple[ast.OrderItem, ...]) -> None:
    """A key without a column is an error: databases read ORDER BY constants as positions or refuse them."""
    for item in items:
        if not _mentions_member(item.expr):
            raise FilterTypeError("a sort key must refer to a column", item.position)


def _mentions_member(node: object) -> bool:
    if isinstance(node, ast.Member):
        return True
    if isinstance(node, tuple):
        return any(_mentions_member(n) for n in node)
    if dataclasses.is_dataclass(node):
        return any(_mentions_member(getattr(node, f.name)) for f in dataclasses.fields(node))
    return False


def add_identifiers(draft: LevelDraft, ctx: PlanContext) -> None:
    """FK identifiers by LEFT JOIN, scoped, so an invisible referenced row gives identifier null."""
    outputs: list[Output] = []
    for out in draft.outputs:
        if out.role != "fk" or out.info.parent is None:
            outputs.append(out)
            continue
        parent = ctx.catalog.entity_sets.get(out.info.parent.parent)
        if parent is None:
            outputs.append(Output(out.info, out.prop, "column"))
            continue
        ref = table_ref(ctx.catalog, ctx.actor, parent, Purpose.IDENTIFIER, name=ctx.next_name("i"))
        on = ref.alias.c[out.info.parent.parent_column] == draft.ref.alias.c[out.info.name]
        draft.ident_joins.append((ref.alias, on if ref.scope is None else sa.and_(on, ref.scope)))
        names = [n for n in parent.identifier if not ctx.actor.policy.is_denied(parent.name, n)]
        ident = (ref.alias.c[out.info.parent.parent_column], *(ref.alias.c[n] for n in names))
        outputs.append(Output(out.info, out.prop, "fk", ident))
    draft.outputs = outputs


def clamp_page(ctx: PlanContext, opts: QueryOptions) -> Page:
    """Effective page size from REST_MAX_RECORDS_SIZE and $top (api.md §4.2)."""
    cap = ctx.settings.rest_max_records_size
    top = opts.top or 0
    if top < 0 or opts.skip < 0:
        raise PagingError("$top and $skip must not be negative")
    size = (min(top, cap) if top else cap) if cap > 0 else top
    return Page(size, opts.skip)


def _with_parameter(exc: Exception, parameter: str) -> Exception:
    from gateway.errors import GatewayError

    if isinstance(exc, GatewayError):
        exc.with_parameter(parameter)
    elif hasattr(exc, "type") and hasattr(exc, "position"):
        exc.parameter = getattr(exc, "parameter", None) or parameter  # type: ignore[attr-defined]
    return exc
