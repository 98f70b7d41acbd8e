"""Process schedules (processes.md §10): validation, CRUD, manual runs and the `processes.scheduler` tick.

An occurrence fires exactly once across nodes: the tick claims it with a compare-and-set on `next_run`
before the instance and its job are created. Timing rules are in `timing.py`, run rules in `runs.py`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from gateway import core
from gateway.plugins.processes import definitions, records, runs, store
from gateway.plugins.processes.errors import ProcessInactive, ScheduleError, field_errors
from gateway.plugins.processes.service import ProcessService
from gateway.plugins.processes.timing import Timing, next_due, timing_problems

log = logging.getLogger("gateway.plugins.processes")
FIELDS = ("id", "name", "process", "payload", "cron", "intervalSeconds", "timezone", "startAt", "expiresAt",
          "isActive", "notificationType")  # fmt: skip


def _timestamp(body: dict[str, Any], key: str, problems: list[tuple[str, str]]) -> datetime | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        problems.append((key, "expected an ISO 8601 timestamp with an offset"))
        return None
    return parsed


def parse_timing(body: dict[str, Any]) -> Timing:
    """The timing fields of a schedule body; 400 SCHEDULE-ERROR listing every problem."""
    problems: list[tuple[str, str]] = []
    timing = Timing(
        cron=body.get("cron"), interval_seconds=body.get("intervalSeconds"),
        timezone=body.get("timezone") or "UTC", start_at=_timestamp(body, "startAt", problems),
        expires_at=_timestamp(body, "expiresAt", problems),
    )  # fmt: skip
    problems.extend(timing_problems(timing))
    if problems:
        raise ScheduleError("invalid schedule timing", errors=field_errors(problems))
    return timing


def _check_body(svc: ProcessService, actor: Any, body: dict[str, Any]) -> tuple[dict[str, Any], Timing]:
    """The target process row and the timing; validates name, payload and notification type."""
    problems = [(k, "unknown field") for k in body if k not in FIELDS]
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        problems.append(("name", "required, 1 to 100 characters"))
    if body.get("notificationType", "N") not in ("E", "N", "B"):
        problems.append(("notificationType", "must be E, N or B"))
    if not isinstance(body.get("process"), str | int) or isinstance(body.get("process"), bool):
        problems.append(("process", "required"))
    if not isinstance(body.get("payload", {}), dict):
        problems.append(("payload", "must be an object"))
    if problems:
        raise core.ValidationError("invalid schedule", errors=field_errors(problems))
    timing = parse_timing(body)
    row = definitions.load(svc, str(body["process"]))
    payload = {**(body.get("payload") or {}), "notification-type": body.get("notificationType", "N")}
    runs.check_body(svc, actor, row, definitions.latest_definition(svc, row), payload, background=True)
    return row, timing


def _values(svc: ProcessService, body: dict[str, Any], row: dict[str, Any], timing: Timing) -> dict[str, Any]:
    return {
        "name": body["name"].strip(), "process_id": row["id"], "process": row["slug"],
        "payload": body.get("payload") or {}, "cron": timing.cron,
        "interval_seconds": timing.interval_seconds,
        "timezone": timing.timezone, "start_at": timing.start_at, "expires_at": timing.expires_at,
        "notification_type": body.get("notificationType", "N"), "updated": svc.now(),
    }  # fmt: skip


def _timing_of(row: dict[str, Any]) -> Timing:
    return Timing(row["cron"], row["interval_seconds"], row["timezone"], row["start_at"], row["expires_at"])


def _next(timing: Timing, now: datetime, created: datetime, skip_local: datetime | None = None) -> Any:
    return next_due(timing, now, created, skip_local)


def create(svc: ProcessService, actor: Any, body: dict[str, Any]) -> dict[str, Any]:
    row, timing = _check_body(svc, actor, body)
    active = body.get("isActive", True)
    if active and not row["is_active"]:
        raise ProcessInactive(f"process {row['slug']} is inactive")
    now = svc.now()
    due = _next(timing, now, now)
    values = {
        **_values(svc, body, row, timing), "uid": str(uuid.uuid4()), "is_active": bool(active),
        "run_as": _run_as(actor), "client_id": actor.client_id, "org_id": actor.org_id,
        "next_run": due.next_run, "created": now,
    }  # fmt: skip
    with svc.uow() as uow:
        sid = store.insert_schedule(uow, svc.tables, values)
        svc.audit(uow, "schedule", sid, "create", new_state="active" if active else "inactive")
    return get(svc, actor, sid)


def _run_as(actor: Any) -> dict[str, Any]:
    return {"userId": actor.user_id, "roleId": actor.role_id, "clientId": actor.client_id,
            "orgId": actor.org_id}  # fmt: skip


def load(svc: ProcessService, actor: Any, sid: int) -> dict[str, Any]:
    """The schedule row, tenant-scoped: another tenant's schedule is 404."""
    with svc.uow() as uow:
        row = store.get_schedule(uow, svc.tables, sid)
    if row is None or not (actor.client_id == 0 or row["client_id"] in (0, actor.client_id)):
        raise core.NotFound(f"schedule {sid} not found")
    return row


def get(svc: ProcessService, actor: Any, sid: int) -> dict[str, Any]:
    return records.schedule_record(load(svc, actor, sid))


def update(svc: ProcessService, actor: Any, sid: int, body: dict[str, Any]) -> dict[str, Any]:
    current = load(svc, actor, sid)
    if "id" in body and str(body["id"]) != str(sid):
        raise core.ValidationError("id does not match the path", errors=field_errors([("id", "mismatch")]))
    row, timing = _check_body(svc, actor, body)
    active = bool(body.get("isActive", current["is_active"]))
    if active and not row["is_active"]:
        raise ProcessInactive(f"process {row['slug']} is inactive")
    now = svc.now()
    values = {**_values(svc, body, row, timing), "is_active": active}
    values["next_run"] = _next(timing, now, current["created"]).next_run
    with svc.uow() as uow:
        store.set_schedule(uow, svc.tables, sid, values)
        svc.audit(uow, "schedule", sid, "update")
    return get(svc, actor, sid)


def delete(svc: ProcessService, actor: Any, sid: int) -> None:
    load(svc, actor, sid)
    with svc.uow() as uow:
        store.delete_schedule(uow, svc.tables, sid)
        svc.audit(uow, "schedule", sid, "delete")


def duplicate(svc: ProcessService, actor: Any, sid: int, name: str | None) -> dict[str, Any]:
    row = load(svc, actor, sid)
    now = svc.now()
    copy = {k: v for k, v in row.items() if k not in ("id", "last_run", "last_instance_id", "last_outcome",
                                                        "last_fired_local")}  # fmt: skip
    copy.update(uid=str(uuid.uuid4()), name=(name or f"{row['name']} (copy)")[:100], is_active=False,
                run_as=_run_as(actor), created=now, updated=now)  # fmt: skip
    with svc.uow() as uow:
        new_id = store.insert_schedule(uow, svc.tables, copy)
        svc.audit(uow, "schedule", new_id, "duplicate", note=f"copy of {sid}")
    return get(svc, actor, new_id)


def set_status(svc: ProcessService, actor: Any, sid: int, active: bool) -> dict[str, Any]:
    row = load(svc, actor, sid)
    if active:
        _active_process(svc, row)
    now = svc.now()
    next_run = _next(_timing_of(row), now, row["created"]).next_run if active else row["next_run"]
    with svc.uow() as uow:
        store.set_schedule(uow, svc.tables, sid, {"is_active": active, "next_run": next_run, "updated": now})
        svc.audit(uow, "schedule", sid, "status", old_state=str(bool(row["is_active"])).lower(),
                  new_state=str(active).lower())  # fmt: skip
    return {"id": sid, "isActive": active, "nextRun": records.ts(next_run)}


def _active_process(svc: ProcessService, row: dict[str, Any]) -> dict[str, Any]:
    process = definitions.load(svc, str(row["process_id"]))
    if not process["is_active"] or process["handler_missing"]:
        raise ProcessInactive(f"process {process['slug']} is inactive")
    return process


def run_now(svc: ProcessService, actor: Any, sid: int) -> int:
    """Fire a schedule now (`nextRun` unchanged); the instance runs as the schedule's `runAs`."""
    row = load(svc, actor, sid)
    _active_process(svc, row)
    return _fire(svc, row, svc.now())


def _fire(svc: ProcessService, row: dict[str, Any], now: datetime) -> int:
    ids = row["run_as"] or {}
    runner = svc.gateway.actor_for(
        ids.get("userId"), ids.get("roleId"), ids.get("clientId"), ids.get("orgId")
    )
    body = {**(row["payload"] or {}), "notification-type": row["notification_type"]}
    iid = runs.prepare(svc, runner, str(row["process_id"]), body, mode="job", schedule_id=row["id"])
    with svc.uow() as uow:
        store.set_schedule(uow, svc.tables, row["id"],
                           {"last_run": now, "last_instance_id": iid, "last_outcome": "queued"})  # fmt: skip
    return iid


def tick(svc: ProcessService, ctx: Any) -> int:
    """The `processes.scheduler` periodic task: fire every due schedule once; returns the number fired."""
    now = svc.now()
    with svc.uow() as uow:
        due = store.due_schedules(uow, svc.tables, now)
    fired = 0
    for row in due:
        fired += _fire_due(svc, row, now)
    return fired


def _fire_due(svc: ProcessService, row: dict[str, Any], now: datetime) -> int:
    timing = _timing_of(row)
    following = _next(timing, now, row["created"], _fired_local(row))
    claim = {"next_run": following.next_run, "last_fired_local": _local_of(row)}
    with svc.uow() as uow:
        if not store.advance_schedule(uow, svc.tables, row, claim):
            return 0  # another node fired this occurrence
    try:
        _active_process(svc, row)
        _fire(svc, row, now)
    except core.GatewayError as exc:
        code = "PROCESS-ACCESS-ERROR" if exc.status in (403, 404) else exc.type
        with svc.uow() as uow:
            store.set_schedule(uow, svc.tables, row["id"], {"last_outcome": f"skipped: {code}"})
        return 0
    return 1


def _fired_local(row: dict[str, Any]) -> datetime | None:
    """The wall-clock time of the occurrence firing now, so a repeated local time (DST) fires once."""
    return _local_of(row)


def _local_of(row: dict[str, Any]) -> datetime | None:
    if row["cron"] is None or row["next_run"] is None:
        return None
    from gateway.plugins.processes.timing import zone

    tz = zone(row["timezone"])
    return row["next_run"].astimezone(tz).replace(tzinfo=None) if tz else None
