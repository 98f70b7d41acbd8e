"""List resources of the workflows plugin over the query core (plugins.md §4): workflow definitions,
execution instances, error definitions and activities.

Declarations plus the per-page computed fields (steps, order_stats, history-records, processed). Definitions
are global (the access scope is an extra condition of the handler); activities are tenant-owned.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gateway import core
from gateway.plugins.workflows.access import allowed_names
from gateway.plugins.workflows.tables import WorkflowTables

WORKFLOWS, INSTANCES, ERRORS, ACTIVITIES = (
    "workflows",
    "workflow-instances",
    "error-definitions",
    "activities",
)
_PLUGIN = "workflows"


def _text(value: str) -> Any:
    """A constant rendered inline (a bound literal would be untyped on PostgreSQL)."""
    return sa.literal_column(f"'{value}'", sa.String)


def _bundle() -> Any:
    return core.gateway().service("workflows._bundle")


def _workflow_extras(records: list[dict[str, Any]], actor: Any) -> None:
    """`steps` of every workflow on the page and `order_stats` (when the orders plugin counts orders)."""
    bundle = _bundle()
    ids = [int(r["workflowid"]) for r in records]
    with bundle.gateway.unit_of_work() as uow:
        steps = {i: bundle.store.steps(uow, i) for i in ids}
    stats = bundle.gateway.service("orders.stats", required=False)
    counts = stats.counts(ids, _stats_since(bundle)) if stats is not None and ids else {}
    for record in records:
        wid = int(record["workflowid"])
        record["steps"] = [
            {"stepid": s.stepid, "name": s.name, "type": s.type, "function": s.function, **s.definition}
            for s in steps.get(wid, ())
        ]
        record["order_stats"] = dict(counts.get(wid, {"TOTAL": 0})) if stats is not None else None


def _stats_since(bundle: Any) -> Any:
    """The `date` argument of the request, else now − 24 h (§2.1)."""
    from flask import has_request_context, request

    from gateway.core import Timestamp

    text = request.args.get("date") if has_request_context() else None
    if text:
        return Timestamp().deserialize(text)
    return bundle.gateway.clock.now() - timedelta(hours=24)


def _activity_extras(records: list[dict[str, Any]], actor: Any) -> None:
    bundle = _bundle()
    ids = [int(r["id"]) for r in records]
    with bundle.gateway.unit_of_work() as uow:
        histories = bundle.activities.store.histories(uow, ids)
    for record in records:
        record["history-records"] = [_history(h) for h in histories.get(int(record["id"]), [])]
        record["processed"] = record.get("wfState") != "OS"


def _history(item: dict[str, Any]) -> dict[str, Any]:
    from gateway.plugins.workflows.views import json_safe

    return dict(json_safe(item))


def row_scope(spec: core.EntitySetSpec, actor: Any) -> core.RowScope | None:
    """The `workflows.access:*` scope of every list of this plugin (plugins.md §6.2); the definition sets
    are tenantless, so they need a scope even when it admits everything."""
    if spec.plugin != _PLUGIN:
        return None
    names = allowed_names(actor)
    if names is None:
        return core.RowScope(lambda _from: sa.true(), fingerprint="workflows:all")
    listed = sorted(names)
    column = _SCOPED[spec.name]
    if spec.name == ERRORS:  # global definitions belong to no workflow and are always in scope
        clause = sa.or_(sa.literal_column("gw_error_definition.workflowid") == 0, _in(column, listed))
        return core.RowScope(lambda _from: clause, fingerprint="workflows:" + ",".join(listed))
    return core.RowScope(lambda _from: _in(column, listed), fingerprint="workflows:" + ",".join(listed))


def _in(column: str, names: list[str]) -> Any:
    # textual columns: the entity set's own Table objects carry them into the statement's FROM
    return sa.literal_column(column, sa.String).in_(names)


_SCOPED = {WORKFLOWS: "gw_workflow.name", INSTANCES: "gw_workflow.name", ERRORS: "gw_workflow.name",
           ACTIVITIES: "gw_wf_activity.workflow"}  # fmt: skip


def workflow_sets(t: WorkflowTables) -> list[core.EntitySetSpec]:
    return [_workflows(t), _instances(t), _errors(t), _activities(t)]


def _workflows(t: WorkflowTables) -> core.EntitySetSpec:
    wf, ex = t.workflow, t.exec_instance
    exec_count = (
        sa.select(sa.func.count())
        .where(ex.c.workflowid == wf.c.workflowid, ex.c.status == "RUNNING")
        .correlate(wf)
        .scalar_subquery()
    )
    fields: dict[str, Any] = {
        name: name
        for name in ("workflowid", "name", "version", "description", "author", "source", "enabled",
                     "deprecated", "autostart", "manual_autostart", "max_instances")
    }  # fmt: skip
    fields |= {"exec_count": exec_count, "options": "options", "option_list": "option_list",
               "keylist": "keylist", "record_table": "record_table", "created": "created",
               "modified": "modified", "version_sort": "version_sort"}  # fmt: skip
    return core.EntitySetSpec(
        name=WORKFLOWS, table=wf, fields=fields, key="workflowid", tenantless=True,
        default_orderby="name, version_sort desc", computed_fields=("steps", "order_stats"),
        computed=_workflow_extras, detail_only=("version_sort",), aliases="limit", plugin=_PLUGIN,
    )  # fmt: skip


def _instances(t: WorkflowTables) -> core.EntitySetSpec:
    ex, wf = t.exec_instance, t.workflow
    fields: dict[str, Any] = {"execid": "execid", "workflowid": "workflowid", "name": wf.c.name,
                              "version": wf.c.version, "mode": "mode", "status": "status",
                              "started": "started", "stopped": "stopped", "current_order": "current_order",
                              "node": "node"}  # fmt: skip
    return core.EntitySetSpec(
        name=INSTANCES, table=ex, fields=fields, key="execid", tenantless=True,
        joins=((wf, wf.c.workflowid == ex.c.workflowid),), default_orderby="status, execid",
        aliases="limit", plugin=_PLUGIN,
    )  # fmt: skip


def _errors(t: WorkflowTables) -> core.EntitySetSpec:
    ed, wf = t.error_definition, t.workflow
    scope = sa.case((ed.c.workflowid == 0, _text("GLOBAL")), else_=_text("WORKFLOW"))
    fields: dict[str, Any] = {
        "id": "id", "error": "error", "description": "description", "severity": "severity",
        "retry_flag": "retry_flag", "retry_delay_secs": "retry_delay_secs", "business_flag": "business_flag",
        "workflowid": sa.func.nullif(ed.c.workflowid, 0, type_=sa.BigInteger), "name": wf.c.name,
        "version": wf.c.version, "type": scope, "created": "created", "modified": "modified",
    }  # fmt: skip
    return core.EntitySetSpec(
        name=ERRORS, table=ed, fields=fields, key="id", tenantless=True,
        joins=((wf, wf.c.workflowid == ed.c.workflowid),), default_orderby="error, workflowid",
        detail_only=("id",), aliases="limit", plugin=_PLUGIN,
    )  # fmt: skip


def _activities(t: WorkflowTables) -> core.EntitySetSpec:
    a = t.activity
    fields: dict[str, Any] = {
        "id": "id", "uid": "uid", "model-name": _text("ad_wf_activity"), "node-name": "node_name",
        "node-description": "node_description", "node-help": "node_help", "priority": "priority",
        "summary": "summary", "ad_table_id": "ad_table_id", "record_id": "record_id",
        "table-name": "table_name", "record-uid": "record_uid", "node-type": "node_type",
        "node-column": "node_column", "node-choice-type": "node_choice_type", "node-values": "node_values",
        "wfState": "wf_state", "outcome": "outcome", "ownerUserId": "owner_user_id", "owner": "owner",
        "responsible": "responsible_text", "workflow_instanceid": "workflow_instanceid",
        "workflow": "workflow", "stepid": "stepid", "created": "created", "completed": "completed",
    }  # fmt: skip
    return core.EntitySetSpec(
        name=ACTIVITIES, table=a, fields=fields, key="id", tenant_column="client_id",
        default_orderby="priority desc, created asc", computed_fields=("history-records", "processed"),
        computed=_activity_extras, plugin=_PLUGIN,
    )  # fmt: skip
