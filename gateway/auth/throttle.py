"""Login lockout per user name and failure rate per client address (security.md §7).

Counters live in the meta database so every worker shares them; unknown names are counted like real ones.
The limits are read at client 0 (api.md §9.2). No password or token ever reaches this module.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gateway.errors import AccountLocked, RateLimited
from gateway.meta import sessions

if TYPE_CHECKING:
    from gateway.state import GatewayState


def _minute(now: datetime) -> int:
    return int(now.timestamp() // 60)


def check_address(state: GatewayState, address: str) -> None:
    """429 RATE-LIMITED while this address has too many failures in the current minute."""
    now = state.clock.now()
    limit = state.runtime.for_client(0).rest_login_rate_per_ip_per_minute
    with state.databases.meta.connect() as conn:
        failures = sessions.address_failures(conn, state.meta, address, _minute(now))
    if limit > 0 and failures >= limit:
        retry = max(1, 60 - int(now.timestamp()) % 60)
        raise RateLimited("Too many failed attempts", retry_after=retry, headers={"Retry-After": str(retry)})


def check_name(state: GatewayState, name: str) -> None:
    """429 ACCOUNT-LOCKED while the name is locked, even before the password is checked."""
    now = state.clock.now()
    with state.databases.meta.connect() as conn:
        until = sessions.locked_until(conn, state.meta, name, now)
    if until is not None:
        retry = max(1, math.ceil((until - now).total_seconds()))
        raise AccountLocked("Account locked", retry_after=retry, headers={"Retry-After": str(retry)})


def record_failure(state: GatewayState, address: str, name: str | None = None) -> None:
    """Count one failed attempt for the address and, for password logins, the user name."""
    now = state.clock.now()
    config = state.runtime.for_client(0)
    with state.databases.meta.begin() as conn:
        sessions.record_address_failure(conn, state.meta, address, _minute(now))
        if name is not None:
            sessions.record_failure(
                conn, state.meta, name, now, max_failures=config.rest_login_max_failures,
                window=timedelta(minutes=config.rest_login_failure_window_minutes),
                lock=timedelta(minutes=config.rest_login_lock_minutes),
            )  # fmt: skip


def record_success(state: GatewayState, name: str) -> None:
    with state.databases.meta.begin() as conn:
        sessions.clear_failures(conn, state.meta, name)
