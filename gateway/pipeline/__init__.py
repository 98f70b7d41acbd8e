"""The request pipeline: parse -> plan -> build -> execute -> render, composed for each action.

`read` serves lists, single records and single columns of `/api/v1/models` (and, through the core facade,
plugin lists). It opens one read connection from the data ConnectionSource and times nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.actor import Actor
from gateway.catalog import Catalog
from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.errors import AuthorizationError, ColumnNotFound, RecordNotFound, UnknownColumn
from gateway.meta.valrules import ValRule
from gateway.pipeline.execute import execute_read, guarded
from gateway.pipeline.plan.context import PlanContext
from gateway.pipeline.plan.read import plan_read
from gateway.pipeline.query.select import layout_of, main_select
from gateway.pipeline.render.encoder import RenderOptions
from gateway.pipeline.render.envelope import render_list, render_record
from gateway.pipeline.render.formats import negotiate, render_formatted
from gateway.pipeline.request import parse_request
from gateway.pipeline.types import Action, ApiRequest, HttpResult, RawRequest, ReadPlan
from gateway.settings import Settings

SHOWSQL_PERMISSION = "models.showsql"


@dataclass(frozen=True, slots=True)
class ReadTarget:
    table: str
    key: str | None = None
    column: str | None = None


def read(
    raw: RawRequest,
    target: ReadTarget,
    *,
    actor: Actor,
    catalog: Catalog,
    settings: Settings,
    source: ConnectionSource,
    now: datetime,
    find_valrule: Callable[[str], ValRule | None] | None = None,
) -> HttpResult:
    action = _action_of(target)
    fmt, raw = negotiate(raw, action)
    ctx = PlanContext(catalog, actor, settings, traits_for(source.dialect), now)
    req = parse_request(
        raw,
        action,
        target.table,
        key=target.key,
        column=target.column,
        limits=ctx.limits,
        separator=settings.rest_expand_separator,
    )
    if req.options.valrule is not None and find_valrule is not None:
        ctx.valrule = find_valrule(req.options.valrule)
    plan = _plan(req, ctx)
    sql = _showsql(req, plan, actor, source)
    if req.options.showsql == "nodata":
        return HttpResult(200, {"sql-command": sql})
    with source.connect() as conn, guarded(conn, ctx.traits, settings.rest_statement_timeout_ms):
        result = execute_read(
            conn, plan, etag=action is not Action.LIST, max_expand_rows=settings.rest_max_expand_rows
        )
    options = RenderOptions(settings.db_timezone, settings.rest_omit_nulls)
    if action is Action.LIST:
        if fmt is not None:
            return render_formatted(fmt, plan, result, options)
        return render_list(plan, result, options, raw, sql)
    if not result.level.rows:
        raise RecordNotFound(f"No record found matching id: {target.key}")
    record, etag = render_record(plan, result, options, sql=sql)
    if req.if_none_match and etag in _etags(req.if_none_match):
        return HttpResult(304, None, {"ETag": etag})
    return HttpResult(200, record, {"ETag": etag, "Cache-Control": "private, no-cache"})


def _action_of(target: ReadTarget) -> Action:
    if target.column is not None:
        return Action.GET_COLUMN
    return Action.GET if target.key is not None else Action.LIST


def _plan(req: ApiRequest, ctx: PlanContext) -> ReadPlan:
    try:
        return plan_read(req, ctx)
    except UnknownColumn as exc:
        if req.action is Action.GET_COLUMN and exc.parameter is None:
            raise ColumnNotFound(f"Invalid property name: {req.column}") from None
        raise


def _showsql(req: ApiRequest, plan: ReadPlan, actor: Actor, source: ConnectionSource) -> str | None:
    """SQL text with placeholders (never values), for holders of models.showsql."""
    if req.options.showsql is None:
        return None
    if not actor.policy.has_permission(SHOWSQL_PERMISSION):
        raise AuthorizationError(f"showsql needs the permission {SHOWSQL_PERMISSION}")
    stmt = main_select(plan, layout_of(plan))
    return str(stmt.compile(dialect=source.dialect))


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",")}
