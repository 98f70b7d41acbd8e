"""The request pipeline: parse -> plan -> build -> execute -> render, composed for each action.

`read` serves lists, single records and single columns of `/api/v1/models` (and, through the core facade,
plugin lists). It opens one read connection from the data ConnectionSource and times nothing else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect

from filter_grammar import bind_values, literals_of
from gateway.actor import Actor
from gateway.catalog import Catalog
from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.errors import AuthorizationError, ColumnNotFound, InvalidOption, RecordNotFound, UnknownColumn
from gateway.meta.valrules import ValRule
from gateway.pipeline.execute import (
    Level,
    ReadResult,
    execute_read,
    guarded,
    run_read,
    stream_json,
    stream_rows,
    total_rows,
)
from gateway.pipeline.plan.access import scope_params
from gateway.pipeline.plan.context import PlanContext
from gateway.pipeline.plan.keyset import after_params
from gateway.pipeline.plan.read import clamp_page, key_target, plan_read
from gateway.pipeline.prepared import PreparedRead, find_prepared, prepared_key
from gateway.pipeline.query.json_sql import json_expands, json_statements
from gateway.pipeline.query.select import Built, build_statements, main_select, with_direct_forms
from gateway.pipeline.query.shape import StatementCache, locate, read_shape
from gateway.pipeline.render.encoder import NATIVE_TIMES_JSON as NATIVE_TIMES_JSON
from gateway.pipeline.render.encoder import EncoderSpec, RenderOptions
from gateway.pipeline.render.envelope import render_list, render_record
from gateway.pipeline.render.formats import Format, negotiate, render_formatted, stream_formatted
from gateway.pipeline.render.stream import stream_list
from gateway.pipeline.request import parse_request
from gateway.pipeline.skiptoken import SkipTokens
from gateway.pipeline.types import (
    Action,
    ApiRequest,
    CountMode,
    HttpResult,
    Position,
    RawRequest,
    ReadPlan,
)
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
    cache: StatementCache | None = None,
    json_records: bool = False,
    parsed: StatementCache | None = None,
    skip_tokens: SkipTokens | None = None,
    prepared: StatementCache | None = None,
) -> HttpResult:
    """`json_records`: the body goes out as JSON as it is, written with NATIVE_TIMES_JSON, so records may
    come as one JSON text built by the database (json_sql.py) and hold the driver's dates and datetimes
    (RenderOptions.native_times). `skip_tokens`: keyset paging (`$skiptoken`) is offered with them.
    `prepared`: record reads keep their prepared form there (prepared.py); needs `cache`."""
    action = _action_of(target)
    if action is not Action.LIST and prepared is not None and cache is not None and target.key is not None:
        key = prepared_key(raw, target.table, target.key, target.column, actor, catalog, settings)

        def prepare() -> PreparedRead | None:
            ctx = PlanContext(catalog, actor, settings, traits_for(source.dialect), now)
            return _prepare(raw, target, ctx, source.dialect, cache, parsed, json_records)

        ready = find_prepared(prepared, key, prepare)
        if ready is not None:
            return _read_prepared(ready, raw, target.key, actor, source, settings)
    fmt, raw = negotiate(raw, action)
    ctx = PlanContext(catalog, actor, settings, traits_for(source.dialect), now)
    req = _parsed_request(raw, target, ctx, parsed)
    if req.options.valrule is not None and find_valrule is not None:
        ctx.valrule = find_valrule(req.options.valrule)
    ctx.position = _keyset_position(req, skip_tokens)
    plan, built, bindings = _planned(req, ctx, cache, source.dialect)
    params = _params(req, ctx, plan, bindings)
    sql = _showsql(req, built, actor, source)
    if req.options.showsql == "nodata":
        return HttpResult(200, {"sql-command": sql})
    as_json = json_records and fmt is None and not plan.keyset and _json_renders_alike(settings)
    if action is Action.LIST and plan.page.size == 0:
        return _stream(plan, built, params, source, ctx, sql, fmt, as_json=as_json)
    result = _fetch(plan, built, params, source, settings, as_json=as_json)
    options = _render_options(settings, native_times=json_records and fmt is None)
    if action is Action.LIST:
        if fmt is not None:
            return render_formatted(fmt, plan, result, options)
        return _render_list(req, raw, plan, built, result, options, sql, skip_tokens)
    spec = _encoder_spec(built, plan, options)
    return _record_result(plan, result, options, spec, sql, target.key, req.if_none_match)


def _parsed_request(
    raw: RawRequest, target: ReadTarget, ctx: PlanContext, parsed: StatementCache | None
) -> ApiRequest:
    return parse_request(
        raw,
        _action_of(target),
        target.table,
        key=target.key,
        column=target.column,
        limits=ctx.limits,
        separator=ctx.settings.rest_expand_separator,
        cache=parsed,
    )


def _render_options(settings: Settings, *, native_times: bool) -> RenderOptions:
    return RenderOptions(settings.db_timezone, settings.rest_omit_nulls, native_times=native_times)


def _record_result(
    plan: ReadPlan,
    result: ReadResult,
    options: RenderOptions,
    spec: EncoderSpec,
    sql: str | None,
    key: str | None,
    if_none_match: str | None,
) -> HttpResult:
    """A single-record read's answer: the record with its ETag, 304 when the client holds that ETag."""
    if not result.level.rows:
        raise RecordNotFound(f"No record found matching id: {key}")
    record, etag = render_record(plan, result, options, sql=sql, spec=spec)
    if if_none_match and etag in _etags(if_none_match):
        return HttpResult(304, None, {"ETag": etag})
    return HttpResult(200, record, {"ETag": etag, "Cache-Control": "private, no-cache"})


def _prepare(
    raw: RawRequest,
    target: ReadTarget,
    ctx: PlanContext,
    dialect: Dialect,
    cache: StatementCache,
    parsed: StatementCache | None,
    json_records: bool,
) -> PreparedRead | None:
    """Parse and plan a record read once for its prepared form (prepared.py); None when its values are
    not all fixed by its shape. Bad requests raise here exactly as on the unprepared path."""
    req = _parsed_request(raw, target, ctx, parsed)
    if req.options.showsql is not None:
        return None
    plan, built, bindings = _planned(req, ctx, cache, dialect)
    if bindings:
        return None
    settings = ctx.settings
    options = _render_options(settings, native_times=json_records)
    fixed = {**plan.params, "gw_offset": plan.page.skip}
    as_json = json_records and _json_renders_alike(settings)
    spec = _encoder_spec(built, plan, options)
    return PreparedRead(plan, built, fixed, options, spec, as_json, (ctx.catalog, settings, ctx.actor.policy))


def _read_prepared(
    ready: PreparedRead, raw: RawRequest, key: str, actor: Actor, source: ConnectionSource, settings: Settings
) -> HttpResult:
    params = dict(ready.params)
    params.update(scope_params(actor))
    params["gw_key"] = key_target(ready.plan.entity, key)[1]
    result = _fetch(ready.plan, ready.built, params, source, settings, as_json=ready.as_json)
    return _record_result(
        ready.plan, result, ready.options, ready.spec, None, key, raw.header("If-None-Match")
    )


def _render_list(
    req: ApiRequest,
    raw: RawRequest,
    plan: ReadPlan,
    built: Built,
    result: ReadResult,
    options: RenderOptions,
    sql: str | None,
    skip_tokens: SkipTokens | None,
) -> HttpResult:
    token = skip_tokens.after_page(req, plan, result.level) if skip_tokens else None
    spec = None if result.records_json is not None else _encoder_spec(built, plan, options)
    return render_list(plan, result, options, raw, sql, next_token=token, spec=spec)


def _encoder_spec(built: Built, plan: ReadPlan, options: RenderOptions) -> EncoderSpec:
    """The page level's EncoderSpec, kept with the (cached) statements it belongs to."""
    key = (options.db_timezone, options.native_times)
    spec: EncoderSpec | None = built.encoders.get(key)
    if spec is None:
        spec = built.encoders.setdefault(key, EncoderSpec(plan, built.layout, options))
    return spec


def _fetch(
    plan: ReadPlan,
    built: Built,
    params: dict[str, Any],
    source: ConnectionSource,
    settings: Settings,
    *,
    as_json: bool,
) -> ReadResult:
    """A buffered read: the page, its expand levels and its count on one read connection."""
    return run_read(
        source,
        settings.rest_statement_timeout_ms,
        lambda conn: execute_read(
            conn,
            plan,
            max_expand_rows=settings.rest_max_expand_rows,
            built=built,
            params=params,
            as_json=as_json,
            estimate_from=settings.count_estimate_min_rows,
        ),
    )


def _keyset_position(req: ApiRequest, skip_tokens: SkipTokens | None) -> Position | None:
    if req.options.skiptoken is not None and skip_tokens is None:
        raise InvalidOption("$skiptoken is not offered here", parameter="$skiptoken")
    return skip_tokens.for_request(req) if skip_tokens is not None else None


def _json_renders_alike(settings: Settings) -> bool:
    """The database's JSON equals the encoder's under these settings (it writes UTC and every null)."""
    return (
        settings.json_in_database and not settings.rest_omit_nulls and settings.db_timezone.upper() == "UTC"
    )


def _action_of(target: ReadTarget) -> Action:
    if target.column is not None:
        return Action.GET_COLUMN
    return Action.GET if target.key is not None else Action.LIST


Planned = tuple[ReadPlan, Built, tuple[Any, ...]]


def _stream(
    plan: ReadPlan,
    built: Built,
    params: dict[str, Any],
    source: ConnectionSource,
    ctx: PlanContext,
    sql: str | None,
    fmt: Format | None = None,
    *,
    as_json: bool = False,
) -> HttpResult:
    """Unlimited page: count first (headers go out before the body), then rows chunk by chunk (record
    texts built by the database when `as_json` and the plan has them)."""
    settings = ctx.settings
    total, estimated = -1, False
    if plan.count is not CountMode.SKIP:
        total, estimated = run_read(
            source,
            settings.rest_statement_timeout_ms,
            lambda conn: total_rows(conn, plan, built, params, settings.count_estimate_min_rows),
        )

    @contextmanager
    def open_levels() -> Iterator[Iterator[Level]]:
        with source.connect() as conn, guarded(conn, ctx.traits, settings.rest_statement_timeout_ms):
            yield stream_rows(
                conn,
                plan,
                built,
                params,
                settings.stream_chunk_rows,
                settings.rest_max_expand_rows,
                as_json=as_json,
            )

    @contextmanager
    def open_json() -> Iterator[Iterator[list[str]]]:
        assert built.json is not None
        with source.connect() as conn, guarded(conn, ctx.traits, settings.rest_statement_timeout_ms):
            rows, direct = built.json.rows, built.direct.get("json_rows")
            chunks = stream_json(conn, rows, params, settings.stream_chunk_rows, direct)
            try:
                yield chunks
            finally:
                chunks.close()  # before the connection goes back: an open stream still holds it

    options = RenderOptions(settings.db_timezone, settings.rest_omit_nulls)
    if fmt is not None:
        return stream_formatted(fmt, plan, total, open_levels, options)
    chunks = open_json if as_json and built.json is not None else open_levels
    return stream_list(plan, total, chunks, options, sql, estimated=estimated)


def _planned(req: ApiRequest, ctx: PlanContext, cache: StatementCache | None, dialect: Dialect) -> Planned:
    """Plan and build, or take both from the statement cache when this request shape was seen before
    (cached statements also get their driver form, pipeline/direct.py)."""
    if cache is None or req.options.valrule is not None:
        return _build(req, ctx)
    page = clamp_page(ctx, req.options) if req.action is Action.LIST else None
    keyset = None if ctx.position is None else (ctx.position.shape,)  # NULLs change the predicate
    shape = (read_shape(req, ctx), page.size if page is not None else None, keyset)  # the size is in SQL
    planned: Planned = cache.get_or_build(shape, lambda: _build(req, ctx, dialect))
    plan = planned[0] if page is None else dataclasses.replace(planned[0], page=page)
    return plan, planned[1], planned[2]


def _build(req: ApiRequest, ctx: PlanContext, dialect: Dialect | None = None) -> Planned:
    plan = _plan(req, ctx)
    traits = ctx.traits
    etag = req.action is not Action.LIST
    built = build_statements(plan, etag=etag, array_binds=traits.array_binds, apart=traits.lookups_apart)
    if req.action is Action.LIST and traits.json_pages and not plan.keyset:
        # the streamed JSON form reads the identifiers from the joins of the plain page query
        built = dataclasses.replace(
            built,
            json=json_statements(plan, built.layout, main_select(plan, built.layout)),
            expands=json_expands(plan, built.expands, traits.array_binds),
        )
    if dialect is not None and traits.direct_reads:
        built = with_direct_forms(built, dialect)
    return plan, built, tuple(ctx.bindings)


def _params(req: ApiRequest, ctx: PlanContext, plan: ReadPlan, bindings: tuple[Any, ...]) -> dict[str, Any]:
    """This request's values for every bind of the (possibly cached) statements."""
    params: dict[str, Any] = dict(plan.params)
    params.update(scope_params(ctx.actor))
    params["gw_offset"] = plan.page.skip
    if req.key is not None:
        params["gw_key"] = key_target(plan.entity, req.key)[1]
    if ctx.position is not None and ctx.position.values is not None:
        params.update(after_params(ctx.position.values))
    for locator, slots, prefix in bindings:
        literals = literals_of(locate(req.options, locator))
        params.update(bind_values(slots, literals, ctx.compile_options(prefix)))
    return params


def _plan(req: ApiRequest, ctx: PlanContext) -> ReadPlan:
    try:
        return plan_read(req, ctx)
    except UnknownColumn as exc:
        if req.action is Action.GET_COLUMN and exc.parameter is None:
            raise ColumnNotFound(f"Invalid property name: {req.column}") from None
        raise


def _showsql(req: ApiRequest, built: Built, actor: Actor, source: ConnectionSource) -> str | None:
    """SQL text with placeholders (never values), for holders of models.showsql."""
    if req.options.showsql is None:
        return None
    if not actor.policy.has_permission(SHOWSQL_PERMISSION):
        raise AuthorizationError(f"showsql needs the permission {SHOWSQL_PERMISSION}")
    return str(built.main.compile(dialect=source.dialect))


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",")}
