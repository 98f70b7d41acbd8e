"""The orders plugin's `?action=` handlers (orders.md §3–§12): arguments -> service -> JSON or Reply.

Thin: each handler resolves the bundle, checks the secure-transport rule where sensitive data is involved,
and calls one service method. Registered through `register_actions`; no SQL here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway import core
from gateway.core import Action, Actor, Reply
from gateway.plugins.orders import facts as f
from gateway.plugins.orders import schemas as s
from gateway.plugins.orders.errors import (
    RetryError,
    SensitiveDataError,
    StatusError,
    StepStatusError,
)
from gateway.plugins.orders.queries import scope_clause, search_clauses, workflow_clause
from gateway.plugins.orders.service import check_priority, parse_ind
from gateway.plugins.orders.summary import error_clauses

WORKFLOWS = "/api/v1/workflows"
WORKFLOW = "/api/v1/workflows/<id_or_name>"
ORDERS = "/api/v1/orders"
ORDER = "/api/v1/orders/<int:order_id>"
WF_ORDERS = "/api/v1/workflows/<id_or_name>/orders"
WF_ORDER = "/api/v1/workflows/<id_or_name>/orders/<int:order_id>"


def bundle() -> Any:
    return core.gateway().service("orders._bundle")


def _secure() -> None:
    if not core.is_secure_request():
        raise SensitiveDataError("sensitive data needs a secure (TLS) request")


def _allowed(actor: Actor) -> Callable[[str], bool]:
    gateway = core.gateway()
    return lambda permission: bool(gateway.allowed(actor, permission))


# --- creation and synchronous runs --------------------------------------------------------------------


def create_order(args: dict[str, Any], actor: Actor, id_or_name: str) -> Reply:
    order_id = bundle().creator.create(actor, id_or_name, args, secure=core.is_secure_request())
    return Reply(201, {"workflow_instanceid": order_id}, {"Location": f"/api/v1/orders/{order_id}"})


def exec_workflow(args: dict[str, Any], actor: Actor, id_or_name: str) -> Reply:
    core.gateway().require(actor, "orders.exec_sync")
    result = bundle().creator.exec_workflow(actor, id_or_name, args, secure=core.is_secure_request())
    return Reply(201, result, {"Location": f"/api/v1/orders/{result['workflow_instanceid']}"})


def exec_order(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
    options = args.get("options")
    if options is not None and not isinstance(options, dict):
        raise core.ValidationError("options must be an object", errors=[core.FieldError("options", "object")])
    return bundle().creator.exec_order(actor, order_id, options or {}, id_or_name)


# --- status actions ---------------------------------------------------------------------------------


def _status(action: str, **extra: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
        kw = {name: convert(args) for name, convert in extra.items()}
        return bundle().orders.run(actor, order_id, action, id_or_name, **kw)

    return handler


def _ind(args: dict[str, Any]) -> list[int]:
    return parse_ind(args.get("ind", 0))


STATUS_HANDLERS = {
    "retry": _status("retry"), "setError": _status("setError"), "block": _status("block"),
    "unblock": _status("unblock"), "cancel": _status("cancel"), "uncancel": _status("uncancel"),
    "reschedule": _status("reschedule", date=lambda a: a.get("date")),
    "setPriority": _status("setPriority", priority=lambda a: check_priority(a.get("priority"))),
    "skipStep": _status("skipStep", stepid=lambda a: a["stepid"], ind=_ind, noretry=lambda a: a["noretry"]),
}  # fmt: skip
STATUS_ARGS = {"reschedule": s.RescheduleArgs, "setPriority": s.PriorityArgs, "skipStep": s.SkipArgs}


def bulk(action: str) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor) -> Any:
        orders = bundle().orders

        def one(order_id: int) -> Any:
            try:
                return orders.run(actor, order_id, action)
            except core.NotFound:
                raise _unknown(action)(f"no order {order_id}") from None

        return core.gateway().bulk(args.get("ids") or [], one)

    return handler


def _unknown(action: str) -> type[core.GatewayError]:
    rule = f.RULES[action]
    return RetryError if action == "retry" else rule.refused


# --- edits ------------------------------------------------------------------------------------------


def _edit(method: str, *fixed: Any) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
        return getattr(bundle().edits, method)(actor, order_id, *[p(args) if callable(p) else p for p in fixed],
                                                wf=id_or_name)  # fmt: skip

    return handler


def _sensitive(method: str) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
        _secure()
        return getattr(bundle().edits, method)(actor, order_id, args, wf=id_or_name)

    return handler


def add_note(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Reply:
    return Reply(201, bundle().edits.add_note(actor, order_id, args.get("note"), wf=id_or_name), {})


def list_notes(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
    b = bundle()
    with core.gateway().unit_of_work(actor) as uow:
        b.orders.target(uow, actor, order_id, id_or_name)
    note = b.tables.note
    return core.gateway().list("order-notes", None, actor, extra=[note.c.workflow_instanceid == order_id])


def async_result(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> str:
    b = bundle()
    with core.gateway().unit_of_work(actor) as uow:
        order = b.orders.target(uow, actor, order_id, id_or_name)
        if order["workflowstatus"] != f.ASYNC_WAITING:
            raise StatusError(f"order {order_id} is {order['workflowstatus']}; asyncResult needs ASYNC-WAITING")
        steps = {st.stepid: st for st in b.orders.registry.steps(order["workflowid"], uow=uow)}
        inst = {(i["stepid"], i["ind"]): i for i in b.store.steps(uow, order_id)}.get((args["stepid"], args["ind"]))
        step = steps.get(args["stepid"])
        if inst is None or inst["stepstatus"] != f.ASYNC_WAITING or step is None or step.type != "async":
            raise StepStatusError(f"step {args['stepid']} of order {order_id} does not wait for an async answer")
        answer = {k: args[k] for k in ("data", "error") if args.get(k) is not None}
        b.engine.answer_step(order_id, args["stepid"], args["ind"], answer, actor=actor, uow=uow)
        b.store.audit(uow, order, "asyncResult", detail={"stepid": args["stepid"], "ind": args["ind"]})
    return "OK"


# --- reads ------------------------------------------------------------------------------------------


def detail(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
    return bundle().detail.document(actor, order_id, id_or_name, secure=core.is_secure_request(),
                                    allowed=_allowed(actor))  # fmt: skip


def list_orders(args: dict[str, Any], actor: Actor, id_or_name: str | None = None) -> Any:
    b = bundle()
    t, gateway = b.tables, core.gateway()
    days = int(getattr(gateway.settings, "order_search_default_days", 7))
    has_filter = any(name == "$filter" for name, _ in core.raw_request().args)
    if id_or_name is not None and (args.get("workflowid") or args.get("wfid")):
        raise core.ValidationError("workflowid is fixed by the path", errors=[core.FieldError("workflowid", "not here")])
    extra = search_clauses(t, args, gateway.clock.now(), days, has_filter)
    extra += [c for c in (scope_clause(t.order, actor), workflow_clause(t.order, id_or_name, b.orders.registry))
              if c is not None]  # fmt: skip
    return gateway.list("orders", None, actor, extra=extra)


def list_errors(args: dict[str, Any], actor: Actor, id_or_name: str | None = None, order_id: int | None = None) -> Any:
    b = bundle()
    t = b.tables
    if order_id is not None:
        with core.gateway().unit_of_work(actor) as uow:
            b.orders.target(uow, actor, order_id, id_or_name)
        _fixed(args, "workflow_instanceid", order_id)
        args["workflow_instanceid"] = [order_id]
    extra = error_clauses(t, args)
    extra += [c for c in (scope_clause(t.order, actor), workflow_clause(t.order, id_or_name, b.orders.registry))
              if c is not None]  # fmt: skip
    raw = core.raw_request()
    if args.get("orderby"):
        raw = core.RawRequest(raw.method, raw.path, args=(*raw.args, ("$orderby", args["orderby"])), body=b"")
    return core.gateway().list("order-errors", raw, actor, extra=extra)


def _fixed(args: dict[str, Any], name: str, value: Any) -> None:
    given = args.get(name)
    if given and any(v != value for v in given):
        raise core.ValidationError(f"{name} is fixed by the path", errors=[core.FieldError(name, "differs from the path")])


def overview(args: dict[str, Any], actor: Actor, id_or_name: str) -> Any:
    b = bundle()
    gateway = core.gateway()
    since = args.get("date") or gateway.clock.now() - __import__("datetime").timedelta(hours=24)
    where = [c for c in (scope_clause(b.tables.order, actor), workflow_clause(b.tables.order, id_or_name, b.orders.registry),
             _tenant(b, actor)) if c is not None]  # fmt: skip
    return b.stats.overview(where, since)


def _tenant(b: Any, actor: Actor) -> Any:
    return None if actor.is_system else b.tables.order.c.client_id.in_(sorted({0, actor.client_id}))


def processing_summary(args: dict[str, Any], actor: Actor, id_or_name: str | None = None) -> Any:
    b = bundle()
    where = [c for c in (scope_clause(b.tables.order, actor), workflow_clause(b.tables.order, id_or_name, b.orders.registry),
             _tenant(b, actor)) if c is not None]  # fmt: skip
    rows = b.stats.processing(where, args)
    return {"page-count": 1 if rows else 0, "records-size": len(rows), "skip-records": 0, "row-count": len(rows),
            "records": rows, "array-count": len(rows)}  # fmt: skip


# --- sync events and test hooks ---------------------------------------------------------------------


def post_event(args: dict[str, Any], actor: Actor, event_type: str, eventkey: str | None = None) -> bool:
    key = eventkey if eventkey is not None else args.get("eventkey")
    return bool(bundle().events.post(actor, event_type, key))


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


# --- registration -----------------------------------------------------------------------------------


def _order_actions(rule: str) -> list[Action]:
    out = [Action(rule, "GET", None, detail, "orders.read")]
    out += [Action(rule, "PUT", name, handler, f.RULES[name].permission, STATUS_ARGS.get(name))
            for name, handler in STATUS_HANDLERS.items()]  # fmt: skip
    note = s.NoteArgs
    out += [
        Action(rule, "POST", "execSynchronous", exec_order, "orders.exec_sync", s.OptionsArgs),
        Action(rule, "PUT", "lock", _edit("lock", lambda a: a.get("note")), "orders.lock", note),
        Action(rule, "PUT", "unlock", _edit("unlock", lambda a: a.get("note")), "orders.lock", note),
        Action(rule, "PUT", "breakLock", _edit("break_lock", lambda a: a.get("note")), "orders.break_lock", note),
        Action(rule, "POST", "notes", add_note, "orders.notes", note),
        Action(rule, "GET", "notes", list_notes, "orders.read", s.NotesListArgs),
        Action(rule, "PUT", "staticData", _edit("set_data", "staticdata", lambda a: a), "orders.edit_data", s.DataArgs),
        Action(rule, "PUT", "dynamicData", _edit("set_data", "dynamicdata", lambda a: a), "orders.edit_data", s.DataArgs),
        Action(rule, "GET", "yamlStaticData", _edit("get_yaml", "staticdata"), "orders.read"),
        Action(rule, "GET", "yamlDynamicData", _edit("get_yaml", "dynamicdata"), "orders.read"),
        Action(rule, "PUT", "yamlStaticData", _edit("set_yaml", "staticdata", lambda a: a.get("newdata")),
               "orders.edit_data", s.DataArgs),
        Action(rule, "PUT", "yamlDynamicData", _edit("set_yaml", "dynamicdata", lambda a: a.get("newdata")),
               "orders.edit_data", s.DataArgs),
        Action(rule, "PUT", "sensitiveData", _sensitive("put_sensitive"), "orders.sensitive.write", s.SensitiveArgs),
        Action(rule, "PUT", "yamlSensitiveData", _sensitive("put_yaml_sensitive"), "orders.sensitive.write",
               s.SensitiveArgs),
        Action(rule, "GET", "yamlSensitiveData", _sensitive("get_yaml_sensitive"), "orders.sensitive.read",
               s.SensitiveKeyArgs),
        Action(rule, "PUT", "updateKeys", _edit("update_keys", lambda a: a.get("orderkeys"), lambda a: a["truncate"]),
               "orders.edit_data", s.KeysArgs),
        Action(rule, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(rule, "PUT", "asyncResult", async_result, "orders.async", s.AsyncArgs),
    ]  # fmt: skip
    return out


def actions() -> list[Action]:
    events = "/api/v1/sync-events/<event_type>"
    out = [
        Action(WORKFLOW, "POST", "createOrder", create_order, "orders.create", s.CreateArgs),
        Action(WORKFLOW, "POST", "execSynchronous", exec_workflow, "orders.create", s.ExecArgs),
        Action(WORKFLOW, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WORKFLOWS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WORKFLOWS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(ORDERS, "GET", None, list_orders, "orders.read", s.SearchArgs),
        Action(ORDERS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(ORDERS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(WF_ORDERS, "GET", None, list_orders, "orders.read", s.SearchArgs),
        Action(WF_ORDERS, "GET", "overview", overview, "orders.read", s.OverviewArgs),
        Action(WF_ORDERS, "GET", "listErrors", list_errors, "orders.read", s.ErrorSearchArgs),
        Action(WF_ORDERS, "GET", "processingSummary", processing_summary, "orders.read", s.SummaryArgs),
        Action(events, "PUT", "post", post_event, "orders.events", s.EventArgs),
        Action(f"{events}/<eventkey>", "PUT", "post", post_event, "orders.events"),
        Action(f"{events}/<eventkey>", "GET", None, get_event, "orders.read"),
        Action("/api/v1/_test/orders/<int:order_id>", "PUT", "hold", test_hold, None, s.HoldArgs),
        Action("/api/v1/_test/orders/<int:order_id>", "PUT", "release", test_release, None),
    ]
    out += [Action(ORDERS, "PUT", name, bulk(name), f.RULES[name].permission, s.BulkArgs)
            for name in ("retry", "block", "unblock", "cancel", "uncancel")]  # fmt: skip
    return [*out, *_order_actions(ORDER), *_order_actions(WF_ORDER)]
