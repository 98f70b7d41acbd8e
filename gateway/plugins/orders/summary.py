"""Aggregates over orders (orders.md §12.3–§12.5, §7.9): overview counts, `orders.stats`, the ErrorSearch
conditions of listErrors and processingSummary rows.

Reads only; no Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gateway.core import FieldError, ValidationError
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.errors import ArgumentError
from gateway.plugins.orders.queries import ts
from gateway.plugins.orders.store import Store

GROUPINGS = ("hourly", "daily", "monthly", "yearly")


class Stats:
    """The `orders.stats` service and the overview."""

    def __init__(self, gateway: Any, store: Store) -> None:
        self.gateway = gateway
        self.store = store

    def counts(
        self,
        workflowids: Sequence[int],
        since: datetime | None = None,
        *,
        actor: Any = None,
        extra: Any = None,
    ) -> dict[int, dict[str, int]]:
        o = self.store.t.order
        query = sa.select(o.c.workflowid, o.c.workflowstatus, sa.func.count()).group_by(
            o.c.workflowid, o.c.workflowstatus
        )
        if workflowids is not None:
            query = query.where(o.c.workflowid.in_(list(workflowids)))
        if since is not None:
            query = query.where(o.c.modified >= since)
        if extra is not None:
            query = query.where(extra)
        out: dict[int, dict[str, int]] = {int(w): _zero() for w in workflowids or ()}
        with self.gateway.unit_of_work(actor, source="engine") as uow:
            for wfid, status, n in uow.execute(query).all():
                row = out.setdefault(int(wfid), _zero())
                row[status] = row.get(status, 0) + int(n)
                row["TOTAL"] += int(n)
        return out

    def overview(self, where: Sequence[Any], since: datetime) -> dict[str, int]:
        o = self.store.t.order
        query = sa.select(o.c.workflowstatus, sa.func.count()).where(o.c.modified >= since, *where)
        total = _zero()
        with self.gateway.unit_of_work(source="engine") as uow:
            for status, n in uow.execute(query.group_by(o.c.workflowstatus)).all():
                total[status] = int(n)
                total["TOTAL"] += int(n)
        return total

    def processing(self, where: Sequence[Any], args: Mapping[str, Any]) -> list[dict[str, Any]]:
        if args.get("mindate") is None:
            raise ArgumentError("mindate is required")
        grouping = args.get("grouping")
        if grouping is not None and grouping not in GROUPINGS:
            raise ValidationError(
                "grouping must be hourly, daily, monthly or yearly",
                errors=[FieldError("grouping", "unknown grouping")],
            )
        o = self.store.t.order
        query = sa.select(o).where(o.c.started >= args["mindate"], *where)
        if args.get("maxdate") is not None:
            query = query.where(o.c.started < args["maxdate"])
        if args.get("wfids"):
            query = query.where(o.c.workflowid.in_(args["wfids"]))
        with self.gateway.unit_of_work(source="engine") as uow:
            rows = [dict(r._mapping) for r in uow.execute(query).all()]
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for row in rows:
            ident = (
                (None, None, None) if args.get("globl") else (row["workflowid"], row["name"], row["version"])
            )
            groups.setdefault((*ident, _period(row["started"], grouping)), []).append(row)
        return [
            _summary(k, v, grouping, bool(args.get("seconds"))) for k, v in sorted(groups.items(), key=str)
        ]


def _zero() -> dict[str, int]:
    return {**{s: 0 for s in f.STATUSES}, "TOTAL": 0}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _period(started: datetime, grouping: str | None) -> datetime | None:
    if grouping is None:
        return None
    t = _utc(started)
    cut = {
        "hourly": t.replace(minute=0, second=0, microsecond=0),
        "daily": t.replace(hour=0, minute=0, second=0, microsecond=0),
    }
    if grouping in cut:
        return cut[grouping]
    month = t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month if grouping == "monthly" else month.replace(month=1)


def _summary(
    key: tuple[Any, ...], rows: list[dict[str, Any]], grouping: str | None, seconds: bool
) -> dict[str, Any]:
    done = [r for r in rows if r["workflowstatus"] == f.COMPLETE and r["completed"] is not None]
    durations = [(_utc(r["completed"]) - _utc(r["started"])).total_seconds() for r in done]
    processing = [
        (_utc(r["completed"]) - _utc(r["processing_started"])).total_seconds()
        for r in done
        if r["processing_started"] is not None
    ]
    out: dict[str, Any] = {"workflowid": key[0], "name": key[1], "version": key[2]}
    if grouping is not None:
        out["period"] = ts(key[3])
    out.update(
        {
            "count": len(rows),
            "minstarted": ts(min(r["started"] for r in rows)),
            "maxcompleted": ts(max((r["completed"] for r in done), default=None)),
        }
    )
    for label, values in (("duration", durations), ("processing", processing)):
        stats = (min(values), sum(values) / len(values), max(values)) if values else (None, None, None)
        for prefix, value in zip(("min", "avg", "max"), stats, strict=True):
            out[f"{prefix}{label}"] = _duration(value, seconds)
    return out


def _duration(value: float | None, seconds: bool) -> Any:
    if value is None:
        return None
    if seconds:
        return round(value, 3)
    whole = int(value)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")


def error_clauses(t: Any, args: Mapping[str, Any]) -> list[Any]:
    """ErrorSearch (§12.4) as conditions over gw_order_error ⋈ gw_order."""
    e, o = t.error, t.order
    out: list[Any] = []
    for name, column in (("error", e.c.error), ("description", e.c.description), ("info", e.c.info)):
        values = args.get(name)
        if values:
            if len(values) == 1 and "%" in values[0]:
                escaped = values[0].replace("/", "//").replace("_", "/_")
                out.append(column.like(escaped, escape="/"))
            else:
                out.append(column.in_(values))
    simple = (
        ("stepid", e.c.stepid),
        ("severity", e.c.severity),
        ("name", e.c.stepname),
        ("version", o.c.version),
        ("workflow_instanceid", e.c.workflow_instanceid),
        ("error_instanceid", e.c.error_instanceid),
        ("workflowid", o.c.workflowid),
        ("workflowstatus", o.c.workflowstatus),
    )
    out.extend(column.in_(args[name]) for name, column in simple if args.get(name))
    if args.get("retry") is not None:
        out.append(e.c.retry == (1 if args["retry"] else 0))
    if args.get("business_error") is not None:
        out.append(e.c.business_error.is_(bool(args["business_error"])))
    if args.get("mindate") is not None:
        out.append(e.c.created >= args["mindate"])
    if args.get("maxdate") is not None:
        out.append(e.c.created < args["maxdate"])
    return out
