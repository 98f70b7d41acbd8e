"""Read handlers of the orders plugin (orders.md §2, §7.5, §12) plus the sync-event posts and test hooks:
arguments -> query/service -> JSON or the list envelope. No SQL here beyond the search conditions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway import core
from gateway.core import Actor
from gateway.plugins.orders.handlers import allowed_for, bundle, secure_only
from gateway.plugins.orders.queries import scope_clause, search_clauses, workflow_clause
from gateway.plugins.orders.summary import error_clauses

# --- reads ------------------------------------------------------------------------------------------


def detail(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
    return bundle().detail.document(
        actor, order_id, id_or_name, secure=core.is_secure_request(), allowed=allowed_for(actor)
    )


def list_orders(args: dict[str, Any], actor: Actor, id_or_name: str | None = None) -> Any:
    b = bundle()
    t, gateway = b.tables, core.gateway()
    days = int(getattr(gateway.settings, "order_search_default_days", 7))
    has_filter = any(name == "$filter" for name, _ in core.raw_request().args)
    if id_or_name is not None and (args.get("workflowid") or args.get("wfid")):
        raise core.ValidationError(
            "workflowid is fixed by the path", errors=[core.FieldError("workflowid", "not here")]
        )
    extra = search_clauses(t, args, gateway.clock.now(), days, has_filter)
    extra += [
        c
        for c in (scope_clause(t.order, actor), workflow_clause(t.order, id_or_name, b.orders.registry))
        if c is not None
    ]
    return gateway.list("orders", None, actor, extra=extra)


def list_errors(
    args: dict[str, Any], actor: Actor, id_or_name: str | None = None, order_id: int | None = None
) -> Any:
    b = bundle()
    t = b.tables
    if order_id is not None:
        with core.gateway().unit_of_work(actor) as uow:
            b.orders.target(uow, actor, order_id, id_or_name)
        _fixed(args, "workflow_instanceid", order_id)
        args["workflow_instanceid"] = [order_id]
    extra = error_clauses(t, args)
    extra += [
        c
        for c in (scope_clause(t.order, actor), workflow_clause(t.order, id_or_name, b.orders.registry))
        if c is not None
    ]
    raw = core.raw_request()
    if args.get("orderby"):
        raw = core.RawRequest(raw.method, raw.path, args=(*raw.args, ("$orderby", args["orderby"])), body=b"")
    return core.gateway().list("order-errors", raw, actor, extra=extra)


def _fixed(args: dict[str, Any], name: str, value: Any) -> None:
    given = args.get(name)
    if given and any(v != value for v in given):
        raise core.ValidationError(
            f"{name} is fixed by the path", errors=[core.FieldError(name, "differs from the path")]
        )


def overview(args: dict[str, Any], actor: Actor, id_or_name: str) -> Any:
    b = bundle()
    gateway = core.gateway()
    since = args.get("date") or gateway.clock.now() - timedelta(hours=24)
    where = [
        c
        for c in (
            scope_clause(b.tables.order, actor),
            workflow_clause(b.tables.order, id_or_name, b.orders.registry),
            _tenant(b, actor),
        )
        if c is not None
    ]
    return b.stats.overview(where, since)


def _tenant(b: Any, actor: Actor) -> Any:
    return None if actor.is_system else b.tables.order.c.client_id.in_(sorted({0, actor.client_id}))


def processing_summary(args: dict[str, Any], actor: Actor, id_or_name: str | None = None) -> Any:
    b = bundle()
    where = [
        c
        for c in (
            scope_clause(b.tables.order, actor),
            workflow_clause(b.tables.order, id_or_name, b.orders.registry),
            _tenant(b, actor),
        )
        if c is not None
    ]
    rows = b.stats.processing(where, args)
    return {
        "page-count": 1 if rows else 0,
        "records-size": len(rows),
        "skip-records": 0,
        "row-count": len(rows),
        "records": rows,
        "array-count": len(rows),
    }


def search_sensitive(args: dict[str, Any], actor: Actor) -> Any:
    secure_only()
    return bundle().sensitive.search(actor, args)


def purge_sensitive(args: dict[str, Any], actor: Actor) -> Any:
    secure_only()
    return bundle().sensitive.purge(actor, args)


# --- sync events and test hooks ---------------------------------------------------------------------


def post_event(args: dict[str, Any], actor: Actor, event_type: str, eventkey: str | None = None) -> bool:
    key = eventkey if eventkey is not None else args.get("eventkey")
    return bool(bundle().events.post(actor, event_type, key))


def list_events(args: dict[str, Any], actor: Actor) -> Any:
    return core.gateway().list("sync-events", None, actor)


def get_event(args: dict[str, Any], actor: Actor, event_type: str, eventkey: str) -> Any:
    return bundle().events.one(actor, event_type, eventkey)


def test_hold(args: dict[str, Any], actor: Actor, order_id: int) -> Any:
    _test_only(actor)
    from gateway.plugins.orders.recovery import hold

    return {"session": hold(bundle().engine, order_id, bool(args.get("keepStatus")))}


def test_release(args: dict[str, Any], actor: Actor, order_id: int) -> Any:
    _test_only(actor)
    from gateway.plugins.orders.recovery import release

    release(bundle().engine, order_id)
    return "OK"


def _test_only(actor: Actor) -> None:
    if not getattr(core.gateway().settings, "test_hooks", False) or not actor.policy.is_admin:
        raise core.NotFound("No such resource")
