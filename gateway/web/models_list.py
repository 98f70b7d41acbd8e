"""GET /api/v1/models: the tables the role may read, with stable ids, filterable like any list."""

from __future__ import annotations

from filter_grammar import FilterError
from filter_grammar.resolve import Kind
from gateway.actor import Actor
from gateway.errors import PagingError
from gateway.meta.registry import model_ids
from gateway.pipeline.listing import list_store
from gateway.pipeline.plan.context import limits_of
from gateway.pipeline.request import collect_options
from gateway.pipeline.types import HttpResult, RawRequest
from gateway.state import GatewayState

_FIELDS = {"id": Kind.INTEGER, "uid": Kind.STRING, "model-name": Kind.STRING, "name": Kind.STRING,
           "description": Kind.STRING}  # fmt: skip
_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip"})


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
    settings = state.runtime.for_client(actor.client_id)
    limits = limits_of(settings)
    try:
        matched, total = list_store(state.extras).query(
            rows, _FIELDS, args, limits=limits, now=state.clock.now()
        )
    except FilterError as exc:
        exc.parameter = "$filter"  # type: ignore[attr-defined]
        raise
    models = [{k: v for k, v in m.items() if k not in ("uid", "description") or v} for m in matched]
    return HttpResult(200, {"models": models}, {"X-Row-Count": str(total)})
