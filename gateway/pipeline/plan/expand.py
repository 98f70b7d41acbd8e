"""The expand pass: child collections and master records, planned level by level with their own options.

Each item becomes an ExpandPlan whose target is a full ReadPlan of the related table (its own scope, select,
filter, order and per-parent page). Depth and item limits are enforced here; rows are fetched one
statement per level by the executor.
"""

from __future__ import annotations

from dataclasses import dataclass

from filter_grammar import FilterError, ast
from gateway.catalog.model import EntitySet
from gateway.errors import ExpandError, TooComplex
from gateway.pipeline.plan.access import visible_column
from gateway.pipeline.plan.context import PlanContext, pick_child
from gateway.pipeline.plan.read import (
    LevelDraft,
    add_identifiers,
    finish_level,
    prop_name,
    resolve_filter,
    resolve_order,
    resolve_select,
    start_level,
)
from gateway.pipeline.types import CountMode, ExpandPlan, Output, Page

_MASTER_ONLY = ("select", "expand", "count")


@dataclass(slots=True)
class _Budget:
    items: int


def plan_expands(
    ctx: PlanContext, parent: LevelDraft, items: tuple[ast.ExpandItem, ...] | None, depth: int
) -> tuple[ExpandPlan, ...]:
    if not items:
        return ()
    return _plan_items(ctx, parent, items, depth, _Budget(0), ())


def _plan_items(
    ctx: PlanContext,
    parent: LevelDraft,
    items: tuple[ast.ExpandItem, ...],
    depth: int,
    budget: _Budget,
    path: tuple[int, ...],
) -> tuple[ExpandPlan, ...]:
    if depth > ctx.settings.rest_max_expand_depth:
        raise TooComplex(
            f"$expand nesting deeper than {ctx.settings.rest_max_expand_depth}",
            position=items[0].position,
            parameter="$expand",
        )
    plans = []
    for index, item in enumerate(items):
        budget.items += 1
        if budget.items > ctx.settings.rest_max_expand_items:
            raise TooComplex(
                f"more than {ctx.settings.rest_max_expand_items} $expand items",
                position=item.position,
                parameter="$expand",
            )
        plans.append(_plan_item(ctx, parent, item, depth, budget, (*path, index)))
    return tuple(plans)


def _plan_item(
    ctx: PlanContext,
    parent: LevelDraft,
    item: ast.ExpandItem,
    depth: int,
    budget: _Budget,
    path: tuple[int, ...],
) -> ExpandPlan:
    entity = parent.ref.entity
    master = visible_column(ctx.actor, entity, item.name) if item.via is None else None
    if master is not None and master.parent is not None:
        return _plan_master(ctx, parent, item, master.name, depth, budget, path)
    if entity.key is None:
        raise ExpandError(f"{entity.model_name} has no key to expand {item.name}", position=item.position)
    try:
        relation = pick_child(ctx.catalog, entity, item.name, item.via, item.position)
    except FilterError as exc:
        raise ExpandError(
            exc.detail.replace("child table", "column or child table"), position=item.position
        ) from None
    child = ctx.catalog.entity_sets[relation.child]
    draft = start_level(ctx, child, "x")
    opts = item.options
    resolve_select(draft, ctx, opts.select)
    resolve_filter(draft, ctx, opts.filter, "$expand", "xw", (*path, "filter"))
    resolve_order(draft, ctx, opts.orderby, "xo", (*path, "orderby"))
    add_identifiers(draft, ctx)
    nested = _plan_items(ctx, draft, opts.expand, depth + 1, budget, path) if opts.expand else ()
    page = _child_page(ctx, opts)
    key = item.name if item.via is None else f"{item.name}.{item.via}"
    return ExpandPlan(key, True, relation.child_column, finish_level(draft, page, CountMode.SKIP, nested))


def _child_page(ctx: PlanContext, opts: ast.ExpandOptions) -> Page:
    cap = ctx.settings.rest_max_records_size
    top = opts.top or 0
    size = (min(top, cap) if top else cap) if cap > 0 else top
    return Page(size, opts.skip or 0)


def _plan_master(
    ctx: PlanContext,
    parent: LevelDraft,
    item: ast.ExpandItem,
    column: str,
    depth: int,
    budget: _Budget,
    path: tuple[int, ...],
) -> ExpandPlan:
    opts = item.options
    for name in ("filter", "orderby", "top", "skip"):
        if getattr(opts, name) is not None:
            raise ExpandError(
                f"${name} is not allowed when expanding the master {item.name}", position=item.position
            )
    info = parent.ref.entity.column_named(column)
    assert info.parent is not None
    target_entity: EntitySet = ctx.catalog.entity_sets[info.parent.parent]
    draft = start_level(ctx, target_entity, "m")
    resolve_select(draft, ctx, opts.select)
    resolve_order(draft, ctx, None, "mo")
    add_identifiers(draft, ctx)
    nested = _plan_items(ctx, draft, opts.expand, depth + 1, budget, path) if opts.expand else ()
    _ensure_output(ctx, parent, column)
    prop = next(o.prop for o in parent.outputs if o.info.name == column)
    return ExpandPlan(prop, False, column, finish_level(draft, Page(0, 0), CountMode.SKIP, nested))


def _ensure_output(ctx: PlanContext, parent: LevelDraft, column: str) -> None:
    """A master expand shows its record even when the FK column is not in the parent's $select."""
    if any(o.info.name == column for o in parent.outputs):
        return
    info = parent.ref.entity.column_named(column)
    parent.outputs.append(Output(info, prop_name(info.name, ctx), "fk"))
    order = {c.name: i for i, c in enumerate(parent.ref.entity.columns)}
    parent.outputs.sort(key=lambda o: ({"key": 0, "uid": 1}.get(o.role, 2), order[o.info.name]))
