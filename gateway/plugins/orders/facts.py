"""Order statuses, the operator transition table (orders.md §6.1) and the `actions` rules (§2.3).

Pure decisions over plain values: which action is allowed from which status, what it leads to, and the
code of a refusal. No I/O; `service.py` applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.core import GatewayError
from gateway.plugins.orders import errors as e

READY, SCHEDULED, IN_PROGRESS = "READY", "SCHEDULED", "IN-PROGRESS"
WAITING, ASYNC_WAITING, EVENT_WAITING = "WAITING", "ASYNC-WAITING", "EVENT-WAITING"
INCOMPLETE, RETRY, ERROR, COMPLETE = "INCOMPLETE", "RETRY", "ERROR", "COMPLETE"
CANCELED, BLOCKED = "CANCELED", "BLOCKED"

STATUSES = (
    READY,
    SCHEDULED,
    IN_PROGRESS,
    WAITING,
    ASYNC_WAITING,
    EVENT_WAITING,
    INCOMPLETE,
    RETRY,
    ERROR,
    COMPLETE,
    CANCELED,
    BLOCKED,
)
HELD = frozenset({BLOCKED, CANCELED})
WAITS = frozenset({WAITING, ASYNC_WAITING, EVENT_WAITING})
SKIPPABLE_STEPS = frozenset({ERROR, RETRY, EVENT_WAITING, ASYNC_WAITING})
ENGINE = "<engine>"


@dataclass(frozen=True, slots=True)
class Rule:
    """One status-changing operator action: permission, allowed statuses, refusal codes."""

    permission: str
    allowed: frozenset[str]
    refused: type[GatewayError]
    session: type[GatewayError] | None


def _rule(
    permission: str, allowed: tuple[str, ...], refused: type[GatewayError], session: type[GatewayError] | None
) -> Rule:
    return Rule(permission, frozenset(allowed), refused, session)


_ACTIVE = (READY, SCHEDULED, WAITING, ASYNC_WAITING, EVENT_WAITING, INCOMPLETE, RETRY, ERROR)
RULES: dict[str, Rule] = {
    "retry": _rule("orders.retry", (ERROR, ASYNC_WAITING, RETRY), e.StatusError, e.SessionError),
    "setError": _rule(
        "orders.set_error", (RETRY, CANCELED, BLOCKED, ASYNC_WAITING), e.StatusError, e.SessionError
    ),
    "block": _rule("orders.block", _ACTIVE, e.BlockWorkflowError, e.BlockWorkflowError),
    "unblock": _rule("orders.block", (BLOCKED,), e.BlockWorkflowError, e.BlockWorkflowError),
    "cancel": _rule("orders.cancel", (*_ACTIVE, BLOCKED), e.CancelWorkflowError, e.CancelWorkflowError),
    "uncancel": _rule("orders.cancel", (CANCELED,), e.CancelWorkflowError, e.CancelWorkflowError),
    "reschedule": _rule(
        "orders.reschedule", (READY, SCHEDULED, BLOCKED, CANCELED), e.WorkflowStatusError, e.SessionError
    ),
    "setPriority": _rule(
        "orders.reprioritize", tuple(s for s in STATUSES if s != COMPLETE), e.WorkflowStatusError, None
    ),
    "skipStep": _rule(
        "orders.skip_step", (ERROR, RETRY, ASYNC_WAITING, EVENT_WAITING), e.StatusError, e.SessionError
    ),
    "execSynchronous": _rule("orders.exec_sync", (READY, SCHEDULED), e.StatusError, e.SessionError),
}
EDIT_RULE = _rule(
    "orders.edit_data", tuple(s for s in STATUSES if s != IN_PROGRESS), e.WorkflowStatusError, None
)
# actions that are never refused by status; permission only (plus the lock rules of §5.2)
PLAIN_ACTIONS = {
    "lock": "orders.lock",
    "unlock": "orders.lock",
    "breakLock": "orders.break_lock",
    "notes": "orders.notes",
    "updateKeys": "orders.edit_data",
}
DATA_ACTIONS = {"staticData": "orders.edit_data", "dynamicData": "orders.edit_data"}
NOT_LOCKED = frozenset({"lock", "breakLock", "notes"})  # actions other users may run on a locked order


def status_refusal(action: str, status: str, orig: str | None) -> bool:
    """True when the order's status refuses `action` (the held-order reschedule rule included)."""
    rule = RULES[action]
    if status not in rule.allowed:
        return True
    return action == "reschedule" and status in HELD and orig not in (READY, SCHEDULED)


def refuse_text(action: str, order_id: int, status: str) -> str:
    allowed = ", ".join(sorted(RULES[action].allowed)) if action in RULES else ""
    return f"order {order_id} is {status}; {action} needs {allowed}"


def lock_blocks(action: str, lock: str | None, user: str) -> bool:
    """§5.2: a lock lets only its owner act, except lock/breakLock/notes."""
    return lock is not None and lock != user and action not in NOT_LOCKED


@dataclass(frozen=True, slots=True)
class View:
    """What `actions` needs to know about one order."""

    status: str
    orig: str | None
    session: int
    lock: str | None
    skippable: bool


def available_actions(view: View, user: str, allowed: Callable[[str], bool], secure: bool) -> list[str]:
    """§2.3: the actions that would pass the status, lock and permission checks now, sorted."""
    out: list[str] = []
    for name, rule in RULES.items():
        if not allowed(rule.permission) or status_refusal(name, view.status, view.orig):
            continue
        if rule.session is not None and view.session:
            continue
        if name == "skipStep" and not view.skippable:
            continue
        out.append(name)
    for name, perm in {**PLAIN_ACTIONS, **DATA_ACTIONS}.items():
        if allowed(perm) and _plain_ok(name, view, user):
            out.append(name)
    if secure and allowed("orders.sensitive.write") and view.status != IN_PROGRESS:
        out.append("sensitiveData")
    return sorted(n for n in out if not lock_blocks(n, view.lock, user))


def _plain_ok(name: str, view: View, user: str) -> bool:
    if name == "lock":
        return view.lock is None
    if name == "unlock":
        return view.lock == user
    if name == "breakLock":
        return view.lock is not None
    if name in DATA_ACTIONS:
        return view.status != IN_PROGRESS
    return True


def restore_target(orig: str | None) -> str:
    """The status an unblock/uncancel returns to."""
    return orig or READY
