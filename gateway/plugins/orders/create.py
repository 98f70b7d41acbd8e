"""createOrder (orders.md §3): argument rules, initial status, keys, unique-key and record reservations.

Everything of one order is written in one unit of work; a unique-index violation rolls it all back and is
reported as 409 DUPLICATE-ORDER-KEY (or RECORD-WORKFLOW-ACTIVE for the record guard). No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.core import Actor, GatewayError, NotFound, Timestamp
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.errors import (
    DuplicateOrderKey,
    OrderDataError,
    OrderKeyError,
    RecordWorkflowActive,
)
from gateway.plugins.orders.ports import Workflow

MAX_KEY = 4000
SCOPES = (("global_unique_key", "G"), ("workflow_specific_unique_key", "S"), ("workflow_unique_key", "N"))


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A createOrder request after the argument rules (before the workflow-dependent ones)."""

    staticdata: dict[str, Any] | None
    external_id: str | None
    dynamicdata: dict[str, Any] | None
    orderkeys: dict[str, Any]
    unique: tuple[tuple[str, dict[str, Any]], ...]
    parent: int | None
    priority: int
    scheduled: datetime | None
    blocked: bool
    sensitive: dict[str, Any] | None
    subworkflow: bool = False
    extra_keys: tuple[tuple[str, str], ...] = field(default=())


def parse(args: Mapping[str, Any]) -> NewOrder:
    """The ORDER-DATA-ERROR / ORDER-KEY-ERROR shape rules of §3.1 that need no workflow."""
    static = args.get("staticdata")
    external = args.get("external_order_instanceid")
    if static is not None and (not isinstance(static, dict) or not static):
        raise OrderDataError("staticdata must be a non-empty JSON object")
    if external is not None and (not isinstance(external, str) or not 1 <= len(external) <= 200):
        raise OrderDataError("external_order_instanceid must be a string of 1 to 200 characters")
    if static is None and external is None:
        raise OrderDataError("staticdata or external_order_instanceid is required")
    dynamic = args.get("dynamicdata")
    if dynamic is not None and not isinstance(dynamic, dict):
        raise OrderDataError("dynamicdata must be a JSON object or null")
    keys = args.get("orderkeys") or {}
    if not isinstance(keys, dict):
        raise OrderKeyError("orderkeys must be a JSON object")
    unique = tuple((scope, _unique(args[name], name)) for name, scope in SCOPES if args.get(name) is not None)
    return NewOrder(
        static,
        external,
        dynamic,
        keys,
        unique,
        _parent(args.get("parent_workflow_instanceid")),
        _priority(args.get("priority", 500)),
        _scheduled(args.get("scheduled")),
        _blocked(args.get("status")),
        _sensitive(args.get("sensitive_data")),
    )


def _unique(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise OrderKeyError(f"{name} must be an object with one or more entries")
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise OrderKeyError(f"{name}.{key} must be a string or a number")
    return value


def _parent(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise OrderDataError("parent_workflow_instanceid must be an order id")
    return int(value)


def _priority(value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise OrderDataError("priority must be an integer between 0 and 999")
    return value


def _scheduled(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return Timestamp().deserialize(value)  # type: ignore[no-any-return]
    except Exception:
        raise OrderDataError("scheduled must be an ISO 8601 timestamp") from None


def _blocked(value: Any) -> bool:
    if value is None:
        return False
    text = str(value).upper()
    if text not in (f.READY, f.BLOCKED):
        raise OrderDataError("status must be READY or BLOCKED")
    return text == f.BLOCKED


def _sensitive(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    ok = isinstance(value, dict) and all(
        isinstance(entries, dict)
        and all(isinstance(v, dict) and isinstance(v.get("data"), dict) for v in entries.values())
        for entries in value.values()
    )
    if not ok:
        raise OrderDataError("sensitive_data must be {skey: {svalue: {data: {...}, aliases, meta}}}")
    return dict(value)


def key_text(value: Any, name: str, truncate: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OrderKeyError(f"the value of key {name} must be a string or a number")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_KEY:
        if not truncate:
            raise OrderKeyError(f"the value of key {name} is longer than {MAX_KEY} characters")
        text = text[:MAX_KEY]
    return text


def key_pairs(
    keys: Mapping[str, Any], keylist: tuple[str, ...], truncate: bool = False
) -> list[tuple[str, str]]:
    """Order keys as (name, text) pairs; names must be in the workflow's keylist (§11)."""
    pairs: list[tuple[str, str]] = []
    for name, value in keys.items():
        if name not in keylist:
            raise OrderKeyError(f"key {name} is not in the keylist of the workflow")
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, key_text(v, name, truncate)) for v in values)
    return pairs


def reservations(new: NewOrder, wf: Workflow) -> list[tuple[str, str, str, str]]:
    """(scope, scope_value, keyname, value) rows of §3.3, sorted so concurrent creates lock in one order."""
    rows = []
    for scope, entries in new.unique:
        scope_value = {"G": "", "S": str(wf.workflowid), "N": wf.name}[scope]
        for name, value in entries.items():
            if name not in wf.keylist:
                raise OrderKeyError(f"key {name} is not in the keylist of the workflow")
            rows.append((scope, scope_value, name, key_text(value, name)))
    return sorted(set(rows))


def initial(new: NewOrder, now: datetime) -> tuple[str, str | None]:
    """The initial status table of §3.1: (status, workflowstatus_orig)."""
    base = f.SCHEDULED if new.scheduled is not None and new.scheduled > now else f.READY
    return (f.BLOCKED, base) if new.blocked else (base, None)


def order_values(
    new: NewOrder, wf: Workflow, actor: Actor | None, client_id: int, now: datetime
) -> dict[str, Any]:
    status, orig = initial(new, now)
    ready = {f.READY: now, f.SCHEDULED: new.scheduled}.get(status)
    return {
        "workflowid": wf.workflowid,
        "name": wf.name,
        "version": wf.version,
        "client_id": client_id,
        "org_id": actor.org_id if actor else None,
        "creator_user_id": actor.user_id if actor else None,
        "creator_name": actor.user_name if actor else None,
        "workflowstatus": status,
        "workflowstatus_orig": orig,
        "status_sessionid": 0,
        "ready_at": ready,
        "priority": new.priority,
        "scheduled": new.scheduled,
        "started": now,
        "modified": now,
        "parent_workflow_instanceid": new.parent,
        "subworkflow": new.subworkflow,
        "synchronous": False,
        "business_error": False,
        "note_count": 0,
        "warning_count": 0,
        "error_count": 0,
        "external_order_instanceid": new.external_id,
        "staticdata": new.staticdata,
        "dynamicdata": new.dynamicdata,
        "has_sensitive_data": bool(new.sensitive),
    }


def record_key(gateway: Any, wf: Workflow, static: Mapping[str, Any] | None, actor: Actor | None) -> str:
    """§3.2: the `record` key of a record-bound order; missing and invisible records read alike."""
    static = static or {}
    model, key = static.get("model-name"), static.get("record-id")
    if model is None or key is None or str(model).lower() != str(wf.record_table).lower():
        raise OrderDataError(f"staticdata must name a {wf.record_table} record (model-name, record-id)")
    try:
        gateway.get(str(wf.record_table), key, actor)
    except (NotFound, GatewayError):
        raise OrderDataError(f"staticdata must name a visible {wf.record_table} record") from None
    return f"{model}:{key}"


def clash(scope: str, name: str, value: str, holder: int | None, visible: bool) -> GatewayError:
    if scope == "R":
        return RecordWorkflowActive(f"an active order of this workflow already holds record {value}")
    where = {"G": "globally", "S": "for this workflow version", "N": "for this workflow name"}[scope]
    text = f"order key {name}={value} is already used {where} (scope {scope})"
    return DuplicateOrderKey(f"{text}; held by order {holder}" if visible and holder else text)
