"""Schedule timing (processes.md §10): validation of cron/interval fields and the next due instant.

Pure functions over aware UTC datetimes; croniter evaluates cron in the schedule's IANA zone. A DST gap
fires at the first valid instant after it; a repeated wall-clock time fires once (`skip_local`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

MACROS = frozenset({"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"})
MAX_INTERVAL = 9_999_999


@dataclass(frozen=True, slots=True)
class Timing:
    cron: str | None
    interval_seconds: int | None
    timezone: str = "UTC"
    start_at: datetime | None = None
    expires_at: datetime | None = None


def timing_problems(t: Timing) -> list[tuple[str, str]]:
    """(field, message) for every invalid timing field; empty when the timing is usable."""
    problems: list[tuple[str, str]] = []
    if (t.cron is None) == (t.interval_seconds is None):
        problems.append(("cron", "exactly one of cron and intervalSeconds is required"))
    if t.cron is not None and not cron_valid(t.cron):
        problems.append(("cron", "not a valid 5-field cron expression or @macro"))
    if t.interval_seconds is not None and (
        isinstance(t.interval_seconds, bool)
        or not isinstance(t.interval_seconds, int)
        or not 1 <= t.interval_seconds <= MAX_INTERVAL
    ):
        problems.append(("intervalSeconds", f"must be an integer from 1 to {MAX_INTERVAL}"))
    if zone(t.timezone) is None:
        problems.append(("timezone", "unknown time zone"))
    if t.start_at and t.expires_at and t.expires_at <= t.start_at:
        problems.append(("expiresAt", "must be after startAt"))
    return problems


def cron_valid(expr: object) -> bool:
    if not isinstance(expr, str):
        return False
    text = expr.strip()
    if text.startswith("@"):
        return text.lower() in MACROS
    # croniter also takes seconds and year fields; the spec accepts the classic five only
    return len(text.split()) == 5 and croniter.is_valid(text)


def zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Due:
    next_run: datetime | None
    local: datetime | None  # wall-clock time of `next_run` in the schedule's zone (naive)


def next_due(t: Timing, now: datetime, created: datetime, skip_local: datetime | None = None) -> Due:
    """The first occurrence strictly after `max(now, start_at)`; None once `expires_at` is reached."""
    base = max(now, t.start_at) if t.start_at else now
    if t.cron is not None:
        due = _next_cron(t.cron, zone(t.timezone) or ZoneInfo("UTC"), base, skip_local)
    else:
        due = _next_interval(t.interval_seconds or 1, t.start_at or created, now)
    if t.expires_at is not None and due.next_run is not None and due.next_run >= t.expires_at:
        return Due(None, None)
    return due


def _next_cron(expr: str, tz: ZoneInfo, base: datetime, skip_local: datetime | None) -> Due:
    it = croniter(expr.strip().lower(), base.astimezone(tz))
    for _ in range(4):
        candidate: datetime = it.get_next(datetime)
        local = candidate.replace(tzinfo=None)
        if skip_local is None or local != skip_local:
            return Due(candidate.astimezone(UTC), local)
    return Due(None, None)


def _next_interval(seconds: int, anchor: datetime, now: datetime) -> Due:
    if now < anchor:
        return Due(anchor, None)
    k = int((now - anchor).total_seconds() // seconds) + 1
    return Due(anchor + timedelta(seconds=k * seconds), None)
