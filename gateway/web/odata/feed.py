"""Entity set reads of the OData service over the pipeline's planner and executor, rendered in OData's
JSON shape: FK columns as plain values, expanded navigation properties inline, Binary as base64url.

Plans with `plan_read` (same scope, permissions and limits as /api/v1/models) and never builds SQL itself.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from gateway.actor import Actor
from gateway.catalog import Catalog
from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.errors import RecordNotFound
from gateway.pipeline.execute import Level, ReadResult, execute_read, run_read
from gateway.pipeline.plan.context import PlanContext
from gateway.pipeline.plan.read import plan_read
from gateway.pipeline.render.values import converter_for
from gateway.pipeline.request import parse_request
from gateway.pipeline.skiptoken import SkipTokens
from gateway.pipeline.types import Action, RawRequest, ReadPlan
from gateway.settings import Settings
from gateway.web.odata.edm import ODataModel, ODataSet

Record = dict[str, Any]
Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class ReadInputs:
    catalog: Catalog
    actor: Actor
    settings: Settings
    source: ConnectionSource
    now: datetime
    skip_tokens: SkipTokens | None = None  # server-driven paging by keyset (`$skiptoken` next links)


def read_entities(
    inputs: ReadInputs, oset: ODataSet, raw: RawRequest, key: str | None
) -> tuple[ReadPlan, ReadResult, str | None]:
    """Plan and execute a list (key None) or a single-entity read of `oset`; the third value is the
    skip token of the next page (keyset paging, when the list asked for it with `$skiptoken`)."""
    settings = inputs.settings
    ctx = PlanContext(inputs.catalog, inputs.actor, settings, traits_for(inputs.source.dialect), inputs.now)
    action = Action.LIST if key is None else Action.GET
    req = parse_request(raw, action, oset.name, key=key, limits=ctx.limits, separator=";")
    if inputs.skip_tokens is not None:
        ctx.position = inputs.skip_tokens.for_request(req)
    plan = plan_read(req, ctx)
    result = run_read(
        inputs.source,
        settings.rest_statement_timeout_ms,
        lambda conn: execute_read(conn, plan, max_expand_rows=settings.rest_max_expand_rows),
    )
    if key is not None and not result.level.rows:
        raise RecordNotFound(f"No record found matching id: {key}")
    token = inputs.skip_tokens.after_page(req, plan, result.level) if inputs.skip_tokens else None
    return plan, result, token


class EntityEncoder:
    """Encodes the rows of one plan level as OData entities (built once per level, recursively)."""

    def __init__(self, plan: ReadPlan, level: Level, model: ODataModel, db_timezone: str) -> None:
        self.level = level
        self.model = model
        self.db_timezone = db_timezone
        self.fields = tuple(
            (o.info.name, i, _converter(o.info, db_timezone)) for i, o in enumerate(plan.outputs)
        )
        index = {o.info.name: i for i, o in enumerate(plan.outputs)}
        oset = model.sets[plan.entity.name]
        self.expands = tuple(
            (_nav_name(oset, e.is_child, e.link, e.target.entity.name), e.key, e.is_child, e.target,
             index[plan.entity.key if e.is_child else e.link])  # type: ignore[index]
            for e in plan.expands
        )  # fmt: skip
        self._subs: dict[str, EntityEncoder] = {}

    def encode(self, row: tuple[Any, ...]) -> Record:
        record = {name: convert(row[i]) for name, i, convert in self.fields}
        for nav, key, is_child, target, link_at in self.expands:
            sub = self.level.subs[key]
            rows = sub.by_link.get(row[link_at], []) if row[link_at] is not None else []
            encoder = self._sub(key, target, sub)
            if is_child:
                record[nav] = [encoder.encode(r) for r in rows]
            else:
                record[nav] = encoder.encode(rows[0]) if rows else None
        return record

    def _sub(self, key: str, plan: ReadPlan, level: Level) -> EntityEncoder:
        encoder = self._subs.get(key)
        if encoder is None:
            encoder = self._subs[key] = EntityEncoder(plan, level, self.model, self.db_timezone)
        return encoder


def _nav_name(oset: ODataSet, is_child: bool, link: str, target: str) -> str:
    nav = oset.nav_of(is_child, link, target)
    return nav.name if nav is not None else link


def _converter(info: ColumnInfo, db_timezone: str) -> Converter:
    if info.kind is ColumnKind.BINARY:
        return _base64url
    if info.kind is ColumnKind.JSON:
        return _json_text
    return converter_for(info, db_timezone)


def _base64url(value: Any) -> Any:
    return None if value is None else base64.urlsafe_b64encode(bytes(value)).decode("ascii")


def _json_text(value: Any) -> Any:
    """JSON columns are Edm.String properties in the OData model: their text, not an inline object."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return orjson.dumps(value).decode()
