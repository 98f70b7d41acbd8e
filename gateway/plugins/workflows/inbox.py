"""The activity inbox and `POST /workflow/start` (workflows.md §5.2, §5.5): who sees which pending
activities, and starting a workflow order over a record through the orders plugin's engine.

No Flask here; `routes.py` parses requests and renders. The orders plugin is reached only through the
`orders.engine` service (`OrdersEngine` below is the part of it this plugin uses).
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa

from gateway import core
from gateway.plugins.workflows.bundle import Bundle
from gateway.plugins.workflows.entity_sets import ACTIVITIES
from gateway.plugins.workflows.errors import WorkflowDisabled, WorkflowRecordError
from gateway.plugins.workflows.facts import TableFacts, UserRef

SUPERVISE, START = "activities.supervise", "activities.start"
_A = "gw_wf_activity"


class OrdersEngine(Protocol):
    """What `POST /workflow/start` needs from the `orders.engine` service (orders.md §7.9)."""

    def create_order(self, workflow: Any, args: dict[str, Any], *, actor: Any) -> int: ...

    def exec_sync(self, workflow_instanceid: int, options: dict[str, Any], *, actor: Any) -> Any: ...


def _col(name: str, type_: Any = sa.String) -> Any:
    return sa.literal_column(f"{_A}.{name}", type_)


def pending() -> list[Any]:
    """Open and the order waiting on that step (§5.2 "pending")."""
    return [_col("wf_state") == "OS", _col("order_waiting", sa.Boolean).is_(sa.true())]


def assigned_to(user: UserRef) -> Any:
    owner = _col("owner_user_id", sa.BigInteger) == user.user_id
    if not user.role_ids:
        return owner
    return sa.or_(owner, _col("assignee_role_id", sa.BigInteger).in_(sorted(user.role_ids)))


def inbox(actor: core.Actor, user: UserRef, raw: Any = None) -> core.Reply:
    """The envelope of `user`'s pending activities as `actor` may see them (tenant and workflow scope)."""
    extra = [*pending(), assigned_to(user)]
    return core.gateway().list(ACTIVITIES, raw, actor, extra=extra)


def inbox_user(bundle: Bundle, actor: core.Actor, userid: str) -> UserRef:
    """The user whose inbox `actor` asks for: self, or anyone for a supervisor (else 403); 404 unknown."""
    own = userid.lower() in (actor.user_name.lower(), str(actor.user_id))
    if not own:
        core.gateway().require(actor, SUPERVISE)
    user = bundle.directory.user(userid if not own else actor.user_id)
    if user is None:
        raise core.NotFound(f"no user {userid}")
    return user


def start(bundle: Bundle, actor: core.Actor, body: dict[str, Any]) -> core.Reply:
    """Create the order over the record and run it synchronously; 201 with its pending activities."""
    engine: OrdersEngine | None = bundle.gateway.service("orders.engine", required=False)
    if engine is None:
        raise core.NotFound("starting workflows needs the orders plugin")
    workflow = bundle.registry.get(str(body["workflow"]), actor)
    table = _record_table(bundle, workflow, body)
    key, uid = _record_key(bundle, actor, table, body["record_id"])
    if not workflow.runs:
        raise WorkflowDisabled(f"{workflow.label} is disabled or deprecated")
    staticdata = {"model-name": table.model_name, "record-id": key}
    if uid:
        staticdata["record-uid"] = uid
    args: dict[str, Any] = {"staticdata": staticdata}
    if body.get("orderkeys"):
        args["orderkeys"] = body["orderkeys"]
    if body.get("priority") is not None:
        args["priority"] = body["priority"]
    order_id = int(engine.create_order(workflow.workflowid, args, actor=actor))
    result = engine.exec_sync(order_id, {}, actor=actor)
    status = result.get("status") if isinstance(result, dict) else result
    extra = [*pending(), _col("workflow_instanceid", sa.BigInteger) == order_id]
    activities = core.gateway().list(ACTIVITIES, {}, actor, extra=extra).body["records"]
    body_out = {"workflow_instanceid": order_id, "status": status, "activities": activities}
    return core.Reply(201, body_out, {"Location": f"/api/v1/orders/{order_id}"})


def _record_table(bundle: Bundle, workflow: Any, body: dict[str, Any]) -> TableFacts:
    model = body.get("model_name")
    table = (
        bundle.directory.table(model)
        if model
        else bundle.directory.table_by_id(body["table_id"])
        if body.get("table_id") is not None
        else None
    )
    if table is None:
        raise core.ValidationError(
            "model-name or table-id is required and must name a model",
            errors=[core.FieldError("model-name", "unknown or missing model")],
        )
    if not workflow.record_table or workflow.record_table.lower() != table.model_name.lower():
        raise WorkflowRecordError(f"{workflow.label} does not run over {table.model_name}")
    return table


def _record_key(bundle: Bundle, actor: core.Actor, table: TableFacts, record_id: Any) -> tuple[Any, Any]:
    """The key and uid of a record the caller can see; missing and invisible give the same 400."""
    try:
        record = bundle.gateway.get(table.model_name, record_id, actor)
    except core.NotFound:
        raise WorkflowRecordError(f"no visible {table.model_name} record {record_id}") from None
    key = record.get("id", record_id)
    return key, record.get("uid")
