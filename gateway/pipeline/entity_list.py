"""Plugin lists over an EntitySetSpec: the `$` options, seed aliases, tenant and hook scopes, the envelope.

Same grammar, paging rules, envelope and headers as `/api/v1/models` (plugins.md §4), over the declared
fields of a gw_* table. Names become columns only through the spec's `fields`; computed fields are output
only. The statements run on the meta database through `run_read` (timeouts, driver-error mapping).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from filter_grammar import CompileOptions, Limits, compile_filter, compile_orderby, parse_orderby
from filter_grammar.resolve import Kind, ResolvedColumn
from gateway.actor import Actor
from gateway.db import ConnectionSource
from gateway.errors import AmbiguousName, PagingError, RecordNotFound, UnknownColumn
from gateway.hooks.types import EntitySetSpec, RowScope
from gateway.pipeline.execute import large_estimate, run_read
from gateway.pipeline.render.envelope import page_count, paging_links
from gateway.pipeline.render.values import decimal_converter
from gateway.pipeline.request import collect_options, parse_options
from gateway.pipeline.types import HttpResult, Page, QueryOptions, RawRequest
from gateway.settings import Settings

_OPTIONS = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$count"})
_MAX_PAGE_SIZE = 200
_DECIMAL = decimal_converter(None)


class SpecResolver:
    """filter_grammar's Resolver over the declared, non-computed fields of one spec (no navigation)."""

    def __init__(self, spec: EntitySetSpec) -> None:
        self.spec = spec

    def root(self) -> object:
        return self.spec

    def field(self, name: str, position: int | None = None) -> str:
        """The declared field called `name`: exact match first, then the one case-insensitive match."""
        if name in self.spec.fields:
            return name
        matches = [f for f in self.spec.fields if f.lower() == name.lower()]
        if len(matches) > 1:
            raise AmbiguousName(f"'{name}' matches several fields of {self.spec.name}", position=position)
        if not matches:
            raise UnknownColumn(f"unknown field '{name}' in {self.spec.name}", position=position)
        return matches[0]

    def column(self, source: object, name: str, position: int) -> ResolvedColumn:
        field = self.field(name, position)
        clause = self.spec.column(field)
        return ResolvedColumn(clause, kind_of(clause.type), clause.type, field)

    def navigate(self, source: object, name: str, position: int) -> object:
        return self._no_path(name, position)

    def collection(self, source: object, name: str, via: str | None, position: int) -> Any:
        return self._no_path(name, position)

    def _no_path(self, name: str, position: int) -> Any:
        from filter_grammar import FilterError

        field = self.field(name, position)
        raise FilterError(f"{field} is not a relation of {self.spec.name}", position, type="FILTER-PATH")


def kind_of(type_: Any) -> Kind:
    """The filter kind of a SQLAlchemy type (binding and comparison rules follow it)."""
    if isinstance(type_, sa.DateTime):
        return Kind.DATETIME_TZ if type_.timezone else Kind.DATETIME
    for base, kind in _KINDS:
        if isinstance(type_, base):
            return kind
    return Kind.STRING


_KINDS: tuple[tuple[type[Any], Kind], ...] = (
    (sa.Date, Kind.DATE),
    (sa.Boolean, Kind.BOOLEAN),
    (sa.Integer, Kind.INTEGER),
    (sa.Float, Kind.FLOAT),
    (sa.Numeric, Kind.DECIMAL),
    (sa.JSON, Kind.JSON),
    (sa.LargeBinary, Kind.BINARY),
    (sa.Uuid, Kind.GUID),
)


@dataclass(frozen=True, slots=True)
class ListInputs:
    """What a list needs besides the request: who asks, the effective settings, where and when."""

    actor: Actor
    settings: Settings
    source: ConnectionSource
    now: datetime
    scopes: tuple[RowScope, ...] = ()


def list_entity(
    spec: EntitySetSpec, raw: RawRequest, inputs: ListInputs, *, extra: Sequence[ColumnElement[bool]] = ()
) -> HttpResult:
    """The list envelope of `spec` for `raw`; `extra` are the plugin's search conditions (ANDed)."""
    settings = inputs.settings
    limits = _limits(settings)
    canonical = dataclasses.replace(raw, args=translate_aliases(spec, raw.args))
    opts = parse_options(collect_options(canonical.args, _OPTIONS), limits, ";")
    resolver = SpecResolver(spec)
    where, params = scope_clauses(spec, inputs)
    where.extend(extra)
    compile_opts = _compile_options(settings, inputs.now, limits)
    if opts.filter is not None:
        compiled = compile_filter(opts.filter, resolver, compile_opts("lw"))
        where.append(compiled.clause)
        params.update(compiled.params)
    elif not extra and spec.defaults is not None:
        where.append(spec.defaults(inputs.now))
    order, order_params = _order(spec, resolver, opts, limits, compile_opts)
    params.update(order_params)
    fields = select_fields(spec, resolver, opts)
    page = clamp(settings, opts)
    stmt = _select(spec, fields, where, order, page)

    def fetch(conn: Connection) -> tuple[list[Any], tuple[int, bool]]:
        rows = list(conn.execute(stmt, params).all())
        counted = _count(conn, spec, where, params, page, len(rows), opts, settings.count_estimate_min_rows)
        return rows, counted

    rows, (total, estimated) = run_read(inputs.source, settings.rest_statement_timeout_ms, fetch)
    records = _records(spec, fields, rows, inputs.actor)
    return envelope(records, page, total, canonical, estimated=estimated)


def get_entity(spec: EntitySetSpec, key: Any, inputs: ListInputs) -> dict[str, Any]:
    """One record of `spec` with its detail-only fields, scoped like a list; 404 when invisible."""
    where, params = scope_clauses(spec, inputs)
    where.append(spec.column(spec.key) == key)
    fields = [f for f in spec.fields]
    stmt = _select(spec, fields, where, [], Page(0, 0))
    rows = run_read(
        inputs.source,
        inputs.settings.rest_statement_timeout_ms,
        lambda conn: list(conn.execute(stmt, params).all()),
    )
    if not rows:
        raise RecordNotFound(f"No {spec.name} record found matching id: {key}")
    computed = [*fields, *spec.computed_fields]
    return _records(spec, computed, rows, inputs.actor)[0]


def scope_clauses(
    spec: EntitySetSpec, inputs: ListInputs
) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """Tenant scope (plugins.md §7) and the `row_scope` hook votes for `spec`."""
    where: list[ColumnElement[bool]] = []
    params: dict[str, Any] = {}
    actor = inputs.actor
    if spec.tenant_column and not actor.is_system:
        where.append(spec.table.c[spec.tenant_column].in_(sorted({0, actor.client_id})))
    from_ = _from(spec)
    for scope in inputs.scopes:
        where.append(scope.clause(from_))
        params.update(scope.params)
    return where, params


def translate_aliases(spec: EntitySetSpec, args: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Seed paging aliases to canonical options; an alias next to its canonical option is PAGING-ERROR."""
    if spec.aliases is None:
        return tuple(args)
    given = {name: value for name, value in args}
    lowered = {name.lower() for name, _ in args}
    mapping = _alias_values(spec.aliases, given)
    out = [(n, v) for n, v in args if n not in _ALIAS_NAMES[spec.aliases]]
    for canonical, value in mapping.items():
        if canonical in lowered:
            raise PagingError(f"{canonical} cannot be combined with its alias", parameter=canonical)
        out.append((canonical, value))
    return tuple(out)


_ALIAS_NAMES = {"limit": ("limit", "offset", "sort", "desc"), "page": ("PageNumber", "PageSize")}


def _alias_values(kind: str, given: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if kind == "limit":
        if "limit" in given:
            out["$top"] = str(_int(given["limit"], "limit"))
        if "offset" in given:
            out["$skip"] = str(_int(given["offset"], "offset"))
        if given.get("sort", "").strip():
            desc = given.get("desc", "").strip().lower() in ("true", "1", "yes", "y", "on")
            names = [s.strip() for s in given["sort"].split(",") if s.strip()]
            out["$orderby"] = ",".join(f"{n} desc" if desc else n for n in names)
        return out
    size = _int(given["PageSize"], "PageSize") if "PageSize" in given else None
    if size is not None and not 1 <= size <= _MAX_PAGE_SIZE:
        raise PagingError(f"PageSize must be between 1 and {_MAX_PAGE_SIZE}", parameter="PageSize")
    if "PageNumber" in given:
        number = _int(given["PageNumber"], "PageNumber")
        if number < 1:
            raise PagingError("PageNumber starts at 1", parameter="PageNumber")
        out["$skip"] = str((number - 1) * (size or _MAX_PAGE_SIZE))
    if size is not None:
        out["$top"] = str(size)
    return out


def _int(text: str, name: str) -> int:
    stripped = text.strip()
    if not stripped.isdigit():
        raise PagingError(f"{name} must be a non-negative integer", parameter=name)
    return int(stripped)


def select_fields(spec: EntitySetSpec, resolver: SpecResolver, opts: QueryOptions) -> list[str]:
    """Declared fields of list records in declaration order ($select narrows them)."""
    listed = [f for f in (*spec.fields, *spec.computed_fields) if f not in spec.detail_only]
    if opts.select is None or opts.select.star:
        return listed
    chosen = {_select_name(spec, resolver, item.name, item.position) for item in opts.select.items}
    return [f for f in listed if f in chosen]


def _select_name(spec: EntitySetSpec, resolver: SpecResolver, name: str, position: int) -> str:
    for computed in spec.computed_fields:
        if computed.lower() == name.lower():
            return computed
    return resolver.field(name, position)


def clamp(settings: Settings, opts: QueryOptions) -> Page:
    cap, top = settings.rest_max_records_size, opts.top or 0
    size = (min(top, cap) if top else cap) if cap > 0 else top
    return Page(size, opts.skip)


def _order(
    spec: EntitySetSpec, resolver: SpecResolver, opts: QueryOptions, limits: Limits, compile_opts: Any
) -> tuple[list[ColumnElement[Any]], dict[str, Any]]:
    items = opts.orderby
    if items is None and spec.default_orderby:
        items = parse_orderby(spec.default_orderby, limits)
    order: list[ColumnElement[Any]] = []
    params: dict[str, Any] = {}
    if items:
        compiled = compile_orderby(items, resolver, compile_opts("lo"))
        order.extend(compiled.clauses)
        params.update(compiled.params)
    order.append(spec.column(spec.key).asc())  # stable pages: the key is always the last tiebreak
    return order, params


def _from(spec: EntitySetSpec) -> Any:
    from_: Any = spec.table
    for table, on in spec.joins:
        from_ = from_.outerjoin(table, on)
    return from_


def _select(
    spec: EntitySetSpec,
    fields: Sequence[str],
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    page: Page,
) -> sa.Select[Any]:
    columns = [spec.column(f).label(f"c{i}") for i, f in enumerate(_stored(spec, fields))]
    stmt = sa.select(*columns).select_from(_from(spec)).where(*where).order_by(*order)
    if page.size:
        stmt = stmt.limit(page.size)
    return stmt.offset(page.skip) if page.skip else stmt


def _stored(spec: EntitySetSpec, fields: Sequence[str]) -> list[str]:
    """Every stored field the records need: the chosen ones, and all of them when computed fields run."""
    if spec.computed is not None:
        return [f for f in spec.fields if f not in spec.detail_only or f in fields]
    return [f for f in fields if f in spec.fields]


def _count(
    conn: Connection,
    spec: EntitySetSpec,
    where: Sequence[ColumnElement[bool]],
    params: Mapping[str, Any],
    page: Page,
    fetched: int,
    opts: QueryOptions,
    estimate_from: int,
) -> tuple[int, bool]:
    """COUNT only when the page does not reveal the total (api.md §4.2); -1 with $count=false. With
    $count=estimate a large result gets the planner's estimate, flagged by the second value (as on
    /models)."""
    if not opts.count:
        return -1, False
    if (page.size == 0 or fetched < page.size) and (page.skip == 0 or fetched > 0):
        return page.skip + fetched, False
    stmt = sa.select(sa.func.count()).select_from(_from(spec)).where(*where)
    guess = large_estimate(conn, stmt, params, estimate_from) if opts.estimate else None
    if guess is not None:
        return guess, True
    return int(conn.execute(stmt, dict(params)).scalar_one()), False


def _records(
    spec: EntitySetSpec, fields: Sequence[str], rows: Sequence[Any], actor: Actor
) -> list[dict[str, Any]]:
    stored = _stored(spec, fields)
    full = [{name: json_value(value) for name, value in zip(stored, row, strict=True)} for row in rows]
    if spec.computed is not None and any(f in spec.computed_fields for f in fields):
        spec.computed(full, actor)
    return [{f: record.get(f) for f in fields} for record in full]


def json_value(value: Any) -> Any:
    """Timestamps in UTC with `Z` at second precision (plugins.md §3.3); exact decimals; base64 bytes."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _DECIMAL(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def envelope(
    records: list[dict[str, Any]], page: Page, total: int, raw: RawRequest, *, estimated: bool = False
) -> HttpResult:
    """The list envelope of api.md §2.5 with its X-* headers and Link; `estimated`: `total` is the planner's
    estimate ($count=estimate)."""
    body = {
        "page-count": page_count(total, page.size),
        "records-size": page.size,
        "skip-records": page.skip,
        "row-count": total,
        "records": records,
        "array-count": len(records),
    }
    headers = {
        "X-Page-Count": str(body["page-count"]),
        "X-Records-Size": str(page.size),
        "X-Skip-Records": str(page.skip),
        "X-Row-Count": str(total),
        "X-Array-Count": str(len(records)),
        "Cache-Control": "private, no-cache",
    }
    if estimated:
        body["row-count-estimated"] = True
        headers["X-Row-Count-Estimated"] = "true"
    link = paging_links(raw, page, total, len(records)) if raw.path else None
    if link:
        headers["Link"] = link
    return HttpResult(200, body, headers)


def _limits(s: Settings) -> Limits:
    return Limits(
        max_length=s.rest_max_filter_length,
        max_nodes=s.rest_max_filter_nodes,
        max_depth=s.rest_max_filter_depth,
        max_in_items=s.rest_max_in_items,
        max_path_depth=s.rest_max_path_depth,
    )


def _compile_options(settings: Settings, now: datetime, limits: Limits) -> Any:
    def make(prefix: str) -> CompileOptions:
        return CompileOptions(
            db_timezone="UTC",
            regex_enabled=settings.rest_filter_regex,
            param_prefix=prefix,
            now=now,
            context={},
            limits=limits,
        )

    return make


__all__ = ["ListInputs", "SpecResolver", "get_entity", "list_entity"]
