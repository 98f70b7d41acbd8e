"""Order lists and the detail document (orders.md §2, §12.1–§12.2): entity sets, search arguments as
conditions ANDed with `$filter`, the default window, workflow scope, and the computed `actions`.

Reads only; lists go through `core.Gateway.list`. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gateway import core
from gateway.core import Actor, EntitySetSpec
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.store import Store, sha
from gateway.plugins.orders.tables import OrderTables

ROW_FIELDS = (
    "workflow_instanceid",
    "name",
    "version",
    "workflowid",
    "workflowstatus",
    "status_sessionid",
    "started",
    "completed",
    "modified",
    "parent_workflow_instanceid",
    "synchronous",
    "business_error",
    "operator_lock",
    "note_count",
    "warning_count",
    "error_count",
    "custom_status",
    "custom_status_desc",
    "priority",
    "scheduled",
    "external_order_instanceid",
    "client_id",
)
ERROR_FIELDS = (
    "error_instanceid",
    "stepid",
    "stepname",
    "ind",
    "error",
    "description",
    "info",
    "severity",
    "created",
    "retry",
    "business_error",
)
ORDER_JOINED = (
    "name",
    "version",
    "workflowid",
    "workflowstatus",
    "started",
    "completed",
    "parent_workflow_instanceid",
    "custom_status",
    "priority",
    "scheduled",
    "custom_status_desc",
)
WINDOW_ARGS = (
    "modified",
    "date",
    "maxmodified",
    "minstarted",
    "maxstarted",
    "keyname",
    "key",
    "keyvalue",
    "workflow_instanceid",
    "ids",
)


def ts(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return value


def entity_sets(t: OrderTables, actions: Any, waiting: Any) -> list[EntitySetSpec]:
    o, e, n = t.order, t.error, t.note
    errors = {
        **{name: e.c[name] for name in ERROR_FIELDS},
        **{name: o.c[name] for name in ORDER_JOINED},
        "workflow_instanceid": e.c.workflow_instanceid,
        "stepversion": o.c.version,
    }
    return [
        EntitySetSpec(
            "orders",
            o,
            {name: name for name in ROW_FIELDS},
            key="workflow_instanceid",
            tenant_column="client_id",
            default_orderby="workflow_instanceid desc",
            computed_fields=("actions",),
            computed=actions,
            aliases="limit",
            plugin="orders",
        ),
        EntitySetSpec(
            "order-errors",
            e,
            errors,
            key="error_instanceid",
            tenant_column="client_id",
            joins=((o, o.c.workflow_instanceid == e.c.workflow_instanceid),),
            default_orderby="error_instanceid desc",
            aliases="limit",
            plugin="orders",
        ),
        EntitySetSpec(
            "order-notes",
            n,
            {k: k for k in ("note_id", "workflow_instanceid", "username", "type", "note", "created")},
            key="note_id",
            tenant_column="client_id",
            default_orderby="note_id desc",
            aliases="limit",
            plugin="orders",
        ),
        EntitySetSpec(
            "sync-events",
            t.sync_event,
            {"type": "type", "eventkey": "eventkey", "posted_at": "posted_at"},
            key="eventkey",
            tenant_column="client_id",
            default_orderby="posted_at desc",
            computed_fields=("posted", "waiting"),
            computed=waiting,
            aliases="limit",
            plugin="orders",
        ),
    ]


def scope_clause(table: sa.Table, actor: Actor) -> Any:
    """plugins.md §6.2: workflows.access:<name> limits the orders a role sees."""
    policy = actor.policy
    if policy.is_admin or "*" in policy.permissions:
        return None
    prefix = "workflows.access:"
    names = {p[len(prefix) :] for p in policy.permissions if p.startswith(prefix)}
    if not names or "*" in names:
        return None
    return table.c.name.in_(sorted(names))


def workflow_clause(table: sa.Table, wf: str | None, registry: Any) -> Any:
    """`{wf}` on orders paths: id or NAME:VERSION = one version, bare NAME = every version (404 unknown)."""
    if wf is None:
        return None
    found = registry.find(wf)
    if found is None:
        raise core.NotFound(f"no workflow {wf}")
    if str(wf).isdigit() or ":" in str(wf):
        return table.c.workflowid == found.workflowid
    return table.c.name == found.name


def search_clauses(
    t: OrderTables, args: Mapping[str, Any], now: datetime, days: int, has_filter: bool
) -> list[Any]:
    o, k = t.order, t.key
    out: list[Any] = []
    statuses = args.get("status") or args.get("statuses")
    if statuses:
        out.append(o.c.workflowstatus.in_([s.upper() for s in statuses]))
    wfids = args.get("workflowid") or args.get("wfid")
    if wfids:
        out.append(o.c.workflowid.in_(wfids))
    ids = args.get("workflow_instanceid") or args.get("ids")
    if ids:
        out.append(o.c.workflow_instanceid.in_(ids))
    keyname, values = args.get("keyname") or args.get("key"), args.get("keyvalue")
    if keyname or values:
        keys = sa.select(k.c.workflow_instanceid)
        if keyname:
            keys = keys.where(k.c.keyname == keyname)
        if values:
            keys = keys.where(k.c.value_sha256.in_([sha(str(v)) for v in values]))
        out.append(o.c.workflow_instanceid.in_(keys))
    bounds = (
        ("modified", o.c.modified, True),
        ("date", o.c.modified, True),
        ("maxmodified", o.c.modified, False),
        ("minstarted", o.c.started, True),
        ("maxstarted", o.c.started, False),
    )
    for name, column, lower in bounds:
        if args.get(name) is not None:
            out.append(column >= args[name] if lower else column < args[name])
    if not has_filter and not any(args.get(n) for n in WINDOW_ARGS):
        out.append(o.c.modified >= now - timedelta(days=days))
    return out


class Actions:
    """The computed `actions` field of order records (orders.md §2.3)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, records: list[dict[str, Any]], actor: Any) -> None:
        gateway = core.gateway()
        ids = [int(r["workflow_instanceid"]) for r in records]
        skippable = self._skippable(gateway, ids)
        secure = core.is_secure_request()
        cache: dict[str, bool] = {}

        def allowed(permission: str) -> bool:
            if permission not in cache:
                cache[permission] = gateway.allowed(actor, permission)
            return cache[permission]

        for record in records:
            view = f.View(
                record["workflowstatus"],
                record.get("workflowstatus_orig"),
                int(record.get("status_sessionid") or 0),
                record.get("operator_lock"),
                int(record["workflow_instanceid"]) in skippable,
            )
            record["actions"] = f.available_actions(view, actor.user_name, allowed, secure)

    def _skippable(self, gateway: Any, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        s = self.store.t.step
        query = sa.select(s.c.workflow_instanceid).where(
            s.c.workflow_instanceid.in_(ids), s.c.stepstatus.in_(sorted(f.SKIPPABLE_STEPS))
        )
        with gateway.unit_of_work() as uow:
            return {int(i) for i in uow.execute(query).scalars()}
