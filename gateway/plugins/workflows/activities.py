"""Activities of human steps (workflows.md §5): the `workflows.activities` service (open, abort, hold) and
the answers behind `/workflow/approve|reject|forward|acknowledge|setuserchoice/{nodeid}`.

Order of work per answer: load (404) -> access (403) -> type (409) -> state (409) -> value (400) ->
compare-and-set of the activity (exactly one concurrent answer wins) -> record write through
`core.Gateway.update` (409 NODE-RECORD-ERROR) -> history, audit -> `orders.engine.answer_step`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from gateway.actor import Actor, RolePolicy
from gateway.core import GatewayError, NotFound
from gateway.plugins.workflows.access import in_scope
from gateway.plugins.workflows.activitystore import OPEN, ActivityStore
from gateway.plugins.workflows.definition import WorkflowRef, approval_column, choice_type, responsible_text
from gateway.plugins.workflows.errordefs import lenient_bool
from gateway.plugins.workflows.errors import (
    ActivityAccessError,
    ForwardError,
    NodeRecordError,
    NodeStateError,
    NodeTypeError,
    ValueError_,
)
from gateway.plugins.workflows.facts import Directory, TableFacts
from gateway.plugins.workflows.stepapi import StepError
from gateway.plugins.workflows.store import Step, Uow, WorkflowStore

SUPERVISE = "activities.supervise"
_ACTIONS = {  # action -> (node type, outcome, history action, reply msg)
    "approve": ("approval", "approved", "approved", "Approved"),
    "reject": ("approval", "rejected", "rejected", "Rejected"),
    "acknowledge": ("notify", "acknowledged", "acknowledged", "Acknowledged"),
    "setuserchoice": ("userchoice", "choice", "choice", "Updated"),
    "forward": ("approval", None, "forwarded", "Forwarded"),
}


@dataclass(frozen=True, slots=True)
class Answer:
    action: str
    message: str | None = None
    value: Any = None
    user_to: Any = None


def _user(actor: Any) -> tuple[int | None, str]:
    return actor.user_id, actor.user_name


class Activities:
    """The `workflows.activities` service plus the answer operations of the `/workflow` routes."""

    def __init__(
        self, gateway: Any, store: ActivityStore, workflows: WorkflowStore, directory: Directory
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.workflows = workflows
        self.directory = directory

    # --- service for the orders engine -------------------------------------------------------------

    def open(
        self, uow: Uow, order: Mapping[str, Any], stepid: int, ind: int = 0, *, actor: Any = None
    ) -> int:
        """Create the OS activity of a human step for `order` (keys: workflow_instanceid, client_id,
        org_id, creator_user_id, staticdata with model-name/record-id). The record is read as `actor`
        (the engine's actor for the order; default the request's). Raises StepError
        WORKFLOW-RESPONSIBLE-ERROR when nobody can answer it."""
        step = self.workflows.step(uow, stepid)
        if step is None:
            raise StepError("STEP-TYPE-ERROR", info=f"unknown step {stepid}")
        workflow = self.workflows.find(uow, WorkflowRef(workflowid=step.workflowid))
        data = order.get("staticdata") or {}
        table = self.directory.table(workflow.record_table or "") if workflow else None
        if workflow is None or table is None:
            raise StepError("WORKFLOW-RECORD-ERROR", info="the workflow has no record table")
        key = data.get("record-id")
        record = self.gateway.get(table.model_name, key, actor or engine_actor(order)) or {}
        owner, role = self._assignee(step, record, table, order)
        values = {
            "client_id": order.get("client_id", 0), "org_id": order.get("org_id"),
            "workflow_instanceid": order["workflow_instanceid"], "workflowid": workflow.workflowid,
            "workflow": workflow.name, "stepid": stepid, "ind": ind, "node_name": step.name,
            "node_type": step.type, "node_description": step.get("description"),
            "node_help": step.get("help"),
            "priority": int(step.get("priority", 50)),
            "table_name": table.model_name,
            "ad_table_id": table.model_id, "record_id": key if isinstance(key, int) else None,
            "record_key": str(key), "record_uid": record.get("uid") or data.get("record-uid"),
            "summary": _summary(table, record, key), "owner_user_id": owner[0] if owner else None,
            "owner": owner[1] if owner else None, "assignee_role_id": role,
            "responsible": step.get("responsible"),
            "responsible_text": responsible_text(step.get("responsible") or {"invoker": True}),
            "creator_user_id": order.get("creator_user_id"), **_node_fields(step, table),
        }  # fmt: skip
        return self.store.insert(uow, values, self.gateway.clock.now(), (None, "<engine>"))

    def abort(self, uow: Uow, workflow_instanceid: int, stepid: int | None = None) -> list[int]:
        """Step re-executed or skipped: its OS activities become CA (history `aborted`)."""
        ids = self.store.open_of_order(uow, workflow_instanceid, stepid)
        now = self.gateway.clock.now()
        self.store.abort(uow, ids, now)
        for activity_id in ids:
            self.store.add_history(uow, activity_id, "aborted", None, now, (None, "<engine>"))
        return ids

    def hold(self, uow: Uow, workflow_instanceid: int, waiting: bool) -> int:
        """The order left (False) or re-entered (True) ASYNC-WAITING: its OS activities stop or start
        being pending."""
        return self.store.set_waiting(uow, workflow_instanceid, waiting)

    def _assignee(
        self, step: Step, record: Mapping[str, Any], table: TableFacts, order: Mapping[str, Any]
    ) -> tuple[tuple[int, str] | None, int | None]:
        kind, target = next(iter((step.get("responsible") or {"invoker": True}).items()))
        if kind == "role":
            role = self.directory.role(target)
            if role is not None:
                return None, role.role_id
        else:
            if kind == "invoker":
                target = order.get("creator_user_id")
            elif kind == "column":
                column = table.column(target)
                target = _column_value(record, column.name if column else target)
            user = self.directory.user(target) if target not in (None, "") else None
            if user is not None:
                return (user.user_id, user.name), None
        raise StepError("WORKFLOW-RESPONSIBLE-ERROR", info=f"nobody matches responsible {kind}:{target}")

    # --- answers ---------------------------------------------------------------------------------------

    def load(self, uow: Uow, actor: Any, node: str | int) -> Any:
        """The activity, tenant-scoped (404 for another client's), and the caller's right to see it."""
        row = self.store.load(uow, node)
        if row is None or not (actor.is_system or row.client_id in (0, actor.client_id)):
            raise NotFound(f"no workflow node {node}")
        if not self.may_act(actor, row):
            raise ActivityAccessError(f"node {row.id} is not assigned to {actor.user_name}")
        return row

    def may_act(self, actor: Any, row: Any) -> bool:
        if row.owner_user_id is not None and int(row.owner_user_id) == actor.user_id:
            return True
        if row.assignee_role_id is not None:
            user = self.directory.user(actor.user_id)
            if user is not None and int(row.assignee_role_id) in user.role_ids:
                return True
        return actor.policy.has_permission(SUPERVISE) and in_scope(actor, row.workflow)

    def answer(self, actor: Any, node: str | int, answer: Answer) -> dict[str, Any]:
        node_type, outcome, history_action, msg = _ACTIONS[answer.action]
        with self.gateway.unit_of_work() as uow:
            row = self.load(uow, actor, node)
            if row.node_type != node_type:
                raise NodeTypeError(
                    f"{answer.action} needs a {node_type} node; node {row.id} is {row.node_type}"
                )
            if row.wf_state != OPEN or not row.order_waiting:
                raise NodeStateError(f"node {row.id} is not pending (state {row.wf_state})")
            if answer.action == "forward":
                return self._forward(uow, actor, row, answer)
            step = self.workflows.step(uow, int(row.stepid))
            values, stored = self._record_values(row, step, answer)
            now = self.gateway.clock.now()
            if not self.store.complete(uow, row.id, now, outcome, None if stored is None else str(stored)):
                raise NodeStateError(f"node {row.id} was answered meanwhile")
            self._write_record(uow, actor, row, values, answer.action)
            self.store.add_history(uow, row.id, history_action, answer.message, now, _user(actor))
            self.gateway.audit(uow, "activity", str(row.id), answer.action, OPEN, "CC", note=answer.message)
            result = {"outcome": outcome, "user": actor.user_name, "message": answer.message,
                      "at": now.isoformat(), "action": answer.action}  # fmt: skip
            if stored is not None:
                result["value"] = stored
            self._answer_step(actor, uow, row, result)
            return self._reply(
                uow, row.id, msg, "CC", outcome, value=stored, with_value=answer.action == "setuserchoice"
            )

    def _record_values(self, row: Any, step: Step | None, answer: Answer) -> tuple[dict[str, Any], Any]:
        table = self.directory.table(row.table_name)
        definition = step.definition if step else {}
        if answer.action in ("approve", "reject"):
            approved = answer.action == "approve"
            values = dict(definition.get("set_on_approve" if approved else "set_on_reject") or {})
            column = approval_column(definition, table)
            if column:
                values[column] = approved
            return values, None
        if answer.action == "setuserchoice":
            stored = _choice_value(row, table, answer.value)
            return {row.node_column: stored}, stored
        return {}, None

    def _write_record(self, uow: Uow, actor: Any, row: Any, values: Mapping[str, Any], action: str) -> None:
        """One UPDATE through the models pipeline and its audit row (workflows.md §5.4)."""
        if not values:
            return
        key = int(row.record_id) if row.record_id is not None else row.record_key
        try:
            self.gateway.update(row.table_name, key, dict(values), _answering(actor, row.table_name))
        except GatewayError as exc:  # the core's reason is kept; nothing else changed (uow rolls back)
            raise NodeRecordError(f"record {row.table_name}/{key}: {exc.detail}") from exc
        detail = {"columns": sorted(values)}  # names only: values may be sensitive
        self.gateway.audit(uow, "record", f"{row.table_name}/{key}", action, detail=detail)

    def _answer_step(self, actor: Any, uow: Uow, row: Any, outcome: dict[str, Any]) -> None:
        engine = self.gateway.service("orders.engine", required=False)
        if engine is not None:
            engine.answer_step(
                int(row.workflow_instanceid), int(row.stepid), int(row.ind), outcome, actor=actor, uow=uow
            )

    def _forward(self, uow: Uow, actor: Any, row: Any, answer: Answer) -> dict[str, Any]:
        target = self.directory.user(answer.user_to)
        if target is None or not target.active or target.user_id == actor.user_id:
            raise ForwardError(f"cannot forward to {answer.user_to}")
        if row.client_id not in target.client_ids and 0 not in target.client_ids:
            raise ForwardError(f"{target.name} has no access to client {row.client_id}")
        if not self.store.forward(uow, row.id, target.user_id, target.name):
            raise NodeStateError(f"node {row.id} was answered meanwhile")
        now = self.gateway.clock.now()
        self.store.add_history(uow, row.id, "forwarded", answer.message, now, _user(actor))
        self.gateway.audit(
            uow, "activity", str(row.id), "forward", note=answer.message, detail={"owner": target.name}
        )
        reply = self._reply(uow, row.id, "Forwarded", OPEN, None)
        reply["owner"] = target.name
        return reply

    def _reply(
        self,
        uow: Uow,
        activity_id: int,
        msg: str,
        state: str,
        outcome: str | None,
        *,
        value: Any = None,
        with_value: bool = False,
    ) -> dict[str, Any]:
        history = self.store.histories(uow, [activity_id])[activity_id]
        reply = {"msg": msg, "id": activity_id, "wfState": state, "history-records": history}
        if outcome is not None:
            reply["outcome"] = outcome
        if with_value:
            reply["value"] = value
        return reply


def engine_actor(order: Mapping[str, Any]) -> Actor:
    """The engine reading the record for the order in its client: background dispatch has no request
    actor to fall back on, and the order's client (not a user's grants) bounds what it may see."""
    client_id, org_id = int(order.get("client_id") or 0), int(order.get("org_id") or 0)
    policy = RolePolicy(role_id=0, role_name="<engine>", client_id=client_id, is_admin=True)
    return Actor(0, "<engine>", client_id, 0, org_id, policy)


def _answering(actor: Any, table: str) -> Any:
    """The answering user with write rights on the record table only: being an assignee is the authority
    (§5.4), while scope, column rules and the audit row's user stay the user's own."""
    policy = replace(actor.policy, write_tables=actor.policy.write_tables | {table.lower()}, fingerprint="")
    return replace(actor, policy=policy)


def _column_value(record: Mapping[str, Any], column: str) -> Any:
    lowered = {k.lower(): v for k, v in record.items()}
    value = lowered.get(column.lower())
    return value.get("id") if isinstance(value, dict) else value


def _summary(table: TableFacts, record: Mapping[str, Any], key: Any) -> str:
    for name in table.identifier:
        value = _column_value(record, name)
        if value not in (None, ""):
            return f"{table.model_name} {value}"
    return f"{table.model_name} {key}"


def _node_fields(step: Step, table: TableFacts) -> dict[str, Any]:
    if step.type == "approval":
        return {"node_column": approval_column(step.definition, table)}
    if step.type == "userchoice":
        column = table.column(step.get("column"))
        return {
            "node_column": column.name if column else step.get("column"),
            "node_choice_type": choice_type(step.definition, table), "node_values": step.get("values"),
        }  # fmt: skip
    return {}


def _choice_value(row: Any, table: TableFacts | None, value: Any) -> Any:
    """The value to store, checked against the node's List values, Yes/No kind or column length."""
    if row.node_choice_type == "List":
        allowed = {str(v["value"]): v["value"] for v in row.node_values or ()}
        if str(value) not in allowed:
            raise ValueError_(f"'{value}' is not one of {', '.join(allowed)}")
        return allowed[str(value)]
    if row.node_choice_type == "YesNo":
        flag = lenient_bool(value)
        if flag is None:
            raise ValueError_(f"'{value}' is not a Yes/No value")
        return flag
    column = table.column(row.node_column) if table else None
    if isinstance(value, dict | list) or (column and column.length and len(str(value)) > column.length):
        raise ValueError_(f"'{value}' does not fit column {row.node_column}")
    return value
