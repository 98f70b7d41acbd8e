"""Command handlers of the orders plugin (orders.md §3–§5, §8): arguments -> service -> JSON or Reply.

Thin: each handler resolves the bundle, checks the secure-transport rule where sensitive data is involved,
and calls one service method. Registered by `routes.py`; no SQL here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway import core
from gateway.core import Actor, Reply
from gateway.plugins.orders import facts as f
from gateway.plugins.orders import schemas as s
from gateway.plugins.orders.errors import (
    RetryError,
    SensitiveDataError,
    StatusError,
    StepStatusError,
)
from gateway.plugins.orders.service import check_priority, parse_ind


def bundle() -> Any:
    return core.gateway().service("orders._bundle")


def secure_only() -> None:
    if not core.is_secure_request():
        raise SensitiveDataError("sensitive data needs a secure (TLS) request")


def allowed_for(actor: Actor) -> Callable[[str], bool]:
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
    "retry": _status("retry"),
    "setError": _status("setError"),
    "block": _status("block"),
    "unblock": _status("unblock"),
    "cancel": _status("cancel"),
    "uncancel": _status("uncancel"),
    "reschedule": _status("reschedule", date=lambda a: a.get("date")),
    "setPriority": _status("setPriority", priority=lambda a: check_priority(a.get("priority"))),
    "skipStep": _status("skipStep", stepid=lambda a: a["stepid"], ind=_ind, noretry=lambda a: a["noretry"]),
}
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


def edit_handler(method: str, *fixed: Any) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
        return getattr(bundle().edits, method)(
            actor, order_id, *[p(args) if callable(p) else p for p in fixed], wf=id_or_name
        )

    return handler


def sensitive_handler(method: str) -> Callable[..., Any]:
    def handler(args: dict[str, Any], actor: Actor, order_id: int, id_or_name: str | None = None) -> Any:
        secure_only()
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
            raise StatusError(
                f"order {order_id} is {order['workflowstatus']}; asyncResult needs ASYNC-WAITING"
            )
        steps = {st.stepid: st for st in b.orders.registry.steps(order["workflowid"], uow=uow)}
        inst = {(i["stepid"], i["ind"]): i for i in b.store.steps(uow, order_id)}.get(
            (args["stepid"], args["ind"])
        )
        step = steps.get(args["stepid"])
        if inst is None or inst["stepstatus"] != f.ASYNC_WAITING or step is None or step.type != "async":
            raise StepStatusError(
                f"step {args['stepid']} of order {order_id} does not wait for an async answer"
            )
        answer = {k: args[k] for k in ("data", "error") if args.get(k) is not None}
        b.engine.answer_step(order_id, args["stepid"], args["ind"], answer, actor=actor, uow=uow)
        b.store.audit(uow, order, "asyncResult", detail={"stepid": args["stepid"], "ind": args["ind"]})
    return "OK"
