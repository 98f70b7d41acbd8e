"""GET /api/v1/models: the tables the role may read, with stable ids, filterable like any list."""

from __future__ import annotations

import threading

from filter_grammar import FilterError
from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.errors import PagingError
from gateway.meta.registry import model_ids
from gateway.pipeline.listing import make_list_engine, query_list
from gateway.pipeline.request import collect_options
from gateway.pipeline.types import HttpResult, RawRequest
from gateway.state import GatewayState

_FIELDS = {"id": Kind.INTEGER, "uid": Kind.STRING, "model-name": Kind.STRING, "name": Kind.STRING,
           "description": Kind.STRING}  # fmt: skip
_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip"})
_lock = threading.Lock()


def list_models(raw: RawRequest, actor: Actor, state: GatewayState) -> HttpResult:
    args = collect_options(raw.args, _OPTIONS)
    for name in ("$top", "$skip"):
        if name in args and not args[name].strip().isdigit():
            raise PagingError(f"{name} must be a non-negative integer", parameter=name)
    readable = [es for es in state.catalog.current().listed() if actor.policy.can_read(es.name)]
    ids = model_ids(state.databases.meta, state.meta.model, [es.model_name for es in readable])
    rows = [
        {"id": ids.get(es.model_name), "uid": None, "model-name": es.model_name, "name": es.name,
         "description": es.comment or None}
        for es in readable
    ]  # fmt: skip
    engine = state.extras.get("list_engine")
    if engine is None:
        engine = state.extras.setdefault("list_engine", make_list_engine())
    settings = state.runtime.for_client(actor.client_id)
    from gateway.pipeline.plan.context import PlanContext

    limits = PlanContext(state.catalog.current(), actor, settings, None, state.clock.now()).limits  # type: ignore[arg-type]
    try:
        with _lock:
            matched, total = query_list(engine, rows, _FIELDS, args, limits=limits, now=state.clock.now())
    except FilterError as exc:
        exc.parameter = "$filter"  # type: ignore[attr-defined]
        raise
    models = [{k: v for k, v in m.items() if k not in ("uid", "description") or v} for m in matched]
    return HttpResult(200, {"models": models}, {"X-Row-Count": str(total)})
