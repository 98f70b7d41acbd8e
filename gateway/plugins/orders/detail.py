"""The order detail document (orders.md §2.2): the row, workflow fields, keys, steps, errors, hierarchy,
audit events, notes and (on a secure request with the permission) sensitive data.

Reads only, in one unit of work; values are rendered JSON-ready (UTC `Z` timestamps). No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from gateway.core import Actor
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.queries import ROW_FIELDS, ts
from gateway.plugins.orders.sensitive import Vault
from gateway.plugins.orders.service import Orders

_WORKFLOW = ("author", "deprecated", "autostart", "manual_autostart", "max_instances")


def row(order: Mapping[str, Any]) -> dict[str, Any]:
    return {name: ts(order[name]) for name in ROW_FIELDS}


def render(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ts(v) for k, v in value.items()}


class Detail:
    def __init__(self, orders: Orders, vault: Vault) -> None:
        self.orders = orders
        self.store = orders.store
        self.vault = vault

    def document(
        self, actor: Actor, order_id: int, wf: str | None, *, secure: bool, allowed: Any
    ) -> dict[str, Any]:
        with self.orders.gateway.unit_of_work(actor) as uow:
            order = self.orders.target(uow, actor, order_id, wf)
            return self._build(uow, actor, order, secure, allowed)

    def _build(
        self, uow: Any, actor: Actor, order: dict[str, Any], secure: bool, allowed: Any
    ) -> dict[str, Any]:
        oid = order["workflow_instanceid"]
        registry = self.orders.registry
        wf = registry.find(order["workflowid"], uow=uow)
        steps = {s.stepid: s for s in registry.steps(order["workflowid"], uow=uow)}
        instances = self.store.steps(uow, oid)
        skippable = any(i["stepstatus"] in f.SKIPPABLE_STEPS for i in instances)
        view = f.View(
            order["workflowstatus"],
            order["workflowstatus_orig"],
            int(order["status_sessionid"]),
            order["operator_lock"],
            skippable,
        )
        doc = row(order)
        doc["actions"] = f.available_actions(view, actor.user_name, allowed, secure)
        doc.update({k: getattr(wf, k, None) for k in _WORKFLOW})
        doc.update(
            {
                "workflowstatus_orig": order["workflowstatus_orig"],
                "subworkflow": bool(order["subworkflow"]),
                "errors": order["error_count"],
                "staticdata": order["staticdata"],
                "dynamicdata": order["dynamicdata"],
                "keys": self.store.keys(uow, [oid])[oid],
                "has_sensitive_data": bool(order["has_sensitive_data"]),
                "StepInstances": self._steps(order, instances, steps),
                "ErrorInstances": [self._error(e) for e in self.store.errors(uow, oid)],
                "HierarchyInfo": self._hierarchy(uow, order),
                "AuditEvents": self._audit(uow, oid),
                "notes": self._notes(uow, oid),
                "LastModified": ts(order["modified"]),
            }
        )
        if order["has_sensitive_data"] and secure and allowed("orders.sensitive.read"):
            doc["sensitive_data"] = self.vault.all(uow, oid)
        return doc

    def _steps(
        self, order: Mapping[str, Any], instances: list[dict[str, Any]], steps: Mapping[int, Any]
    ) -> list[Any]:
        order_of = {sid: s.seq for sid, s in steps.items()}
        out = []
        for inst in sorted(instances, key=lambda i: (order_of.get(i["stepid"], 0), i["ind"])):
            step = steps.get(inst["stepid"])
            out.append(
                {
                    "workflow_instanceid": inst["workflow_instanceid"],
                    "stepid": inst["stepid"],
                    "ind": inst["ind"],
                    "stepname": step.name if step else None,
                    "stepversion": order["version"],
                    "steptype": step.type.upper() if step else None,
                    "stepstatus": inst["stepstatus"],
                    "retries": inst["retries"],
                    "skip": bool(inst["skip"]),
                    "custom_status": inst["custom_status"],
                    "started": ts(inst["started"]),
                    "completed": ts(inst["completed"]),
                    "function_instanceid": None,
                    "function": step.function if step else None,
                    "subworkflow_instanceid": inst["subworkflow_instanceid"],
                    "business_error": bool(inst["business_error"]),
                }
            )
        return out

    def _error(self, e: Mapping[str, Any]) -> dict[str, Any]:
        names = (
            "error_instanceid",
            "workflow_instanceid",
            "stepid",
            "ind",
            "severity",
            "retry",
            "error",
            "description",
            "info",
            "business_error",
            "created",
        )
        return {n: ts(e[n]) if n != "business_error" else bool(e[n]) for n in names}

    def _hierarchy(self, uow: Any, order: dict[str, Any]) -> dict[str, Any]:
        root = order
        seen = {order["workflow_instanceid"]}
        while root["parent_workflow_instanceid"] and root["parent_workflow_instanceid"] not in seen:
            parent = self.store.load(uow, root["parent_workflow_instanceid"])
            if parent is None:
                break
            seen.add(parent["workflow_instanceid"])
            root = parent
        out: dict[str, Any] = {}
        pending = [root]
        while pending:
            current = pending.pop(0)
            out[str(current["workflow_instanceid"])] = row(current)
            pending.extend(self.store.children(uow, current["workflow_instanceid"]))
        return out

    def _audit(self, uow: Any, oid: int) -> list[dict[str, Any]]:
        a = self.store.t.audit
        query = (
            sa.select(a)
            .where(a.c.resource == "order", a.c.resource_id == str(oid))
            .order_by(a.c.audit_id.desc())
            .limit(200)
        )
        return [
            {
                "audit_eventid": r.audit_id,
                "event": r.action,
                "who": r.user_name,
                "source": r.source,
                "reason": r.note,
                "old_status": r.old_state,
                "new_status": r.new_state,
                "created": ts(r.created),
            }
            for r in uow.execute(query).all()
        ]

    def _notes(self, uow: Any, oid: int) -> list[dict[str, Any]]:
        n = self.store.t.note
        query = sa.select(n).where(n.c.workflow_instanceid == oid).order_by(n.c.note_id.desc()).limit(100)
        return [
            render(
                {
                    k: r._mapping[k]
                    for k in ("note_id", "workflow_instanceid", "username", "type", "note", "created")
                }
            )
            for r in uow.execute(query).all()
        ]
