"""Error definitions (workflows.md §4): parsing an ErrDef body, the create rules A and B, and resolution.

Pure decisions over plain values; `errorstore.py` reads and writes the rows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.plugins.workflows.facts import SEVERITIES

ERRDEF_KEYS = ("error", "description", "severity", "retry_flag", "retry_delay_secs", "business_flag")
_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


@dataclass(frozen=True, slots=True)
class ErrDef:
    error: str
    description: str
    severity: str = "MAJOR"
    retry_flag: bool = False
    retry_delay_secs: int | None = None
    business_flag: bool = False

    def same_as(self, other: ErrDef) -> bool:
        """ "Identical" of §4.3: the delay counts only with the retry flag set."""
        return _compared(self) == _compared(other)

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description, "severity": self.severity, "retry_flag": self.retry_flag,
            "retry_delay_secs": self.retry_delay_secs if self.retry_flag else None,
            "business_flag": self.business_flag,
        }  # fmt: skip


def _compared(d: ErrDef) -> tuple[Any, ...]:
    return (
        d.description,
        d.severity,
        d.retry_flag,
        d.retry_delay_secs if d.retry_flag else None,
        d.business_flag,
    )


@dataclass(frozen=True, slots=True)
class ParsedErrDef:
    """A parsed body: the definition, or the missing fields (400 VALIDATION-ERROR) and the invalid ones
    (400 ERROR-UPDATE-ERROR)."""

    errdef: ErrDef | None
    missing: tuple[str, ...] = ()
    invalid: tuple[tuple[str, str], ...] = ()
    forceworkflow: bool = False
    workflowid: Any = None


def lenient_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def parse_errdef(
    body: Mapping[str, Any], *, error: str | None = None, extra: tuple[str, ...] = ()
) -> ParsedErrDef:
    """Parse an ErrDef; `error` comes from the path on updates, `extra` lists accepted extra keys."""
    invalid: list[tuple[str, str]] = [
        (k, "unknown key") for k in body if k not in ERRDEF_KEYS and k not in extra
    ]
    code = error if error is not None else body.get("error")
    missing = [k for k, v in (("error", code), ("description", body.get("description"))) if v in (None, "")]
    if code is not None and (not isinstance(code, str) or len(code) > 100):
        invalid.append(("error", "a string of 1 to 100 characters"))
    if body.get("description") is not None and not isinstance(body["description"], str):
        invalid.append(("description", "must be a string"))
    severity = str(body.get("severity", "MAJOR")).upper()
    if severity not in SEVERITIES:
        invalid.append(("severity", f"one of {', '.join(SEVERITIES)}"))
    flags = {k: lenient_bool(body.get(k, False)) for k in ("retry_flag", "business_flag", "forceworkflow")}
    invalid += [(k, "must be a boolean") for k, v in flags.items() if v is None]
    delay = body.get("retry_delay_secs")
    if delay is not None:
        delay = _int(delay)
        if delay is None or delay < 0:
            invalid.append(("retry_delay_secs", "an integer >= 0"))
        elif not flags["retry_flag"]:
            invalid.append(("retry_delay_secs", "only allowed with retry_flag true"))
    if missing or invalid:
        return ParsedErrDef(None, tuple(missing), tuple(invalid))
    errdef = ErrDef(
        code, body["description"], severity, bool(flags["retry_flag"]), delay, bool(flags["business_flag"])
    )
    return ParsedErrDef(errdef, forceworkflow=bool(flags["forceworkflow"]), workflowid=body.get("workflowid"))


class Outcome(enum.Enum):
    CREATED_GLOBAL = "CREATED-GLOBAL"
    CREATED_WORKFLOW = "CREATED-WORKFLOW"
    UPDATED_GLOBAL = "UPDATED-GLOBAL"
    UPDATED_WORKFLOW = "UPDATED-WORKFLOW"
    UNCHANGED_GLOBAL = "UNCHANGED-GLOBAL"
    UNCHANGED_WORKFLOW = "UNCHANGED-WORKFLOW"
    EXISTS = "ERROR-EXISTS"

    @property
    def created(self) -> bool:
        return self.name.startswith("CREATED")

    @property
    def scope(self) -> str:
        return "workflow" if self.name.endswith("WORKFLOW") else "global"


def rule_a(force: bool, specific: ErrDef | None, global_: ErrDef | None) -> Outcome:
    """Create on a workflow: global first unless forced or a global one exists."""
    if specific is not None:
        return Outcome.EXISTS
    if force or global_ is not None:
        return Outcome.CREATED_WORKFLOW
    return Outcome.CREATED_GLOBAL


def rule_b(new: ErrDef, force: bool, specific: ErrDef | None, global_: ErrDef | None) -> Outcome:
    """createOrUpdate on a workflow."""
    if specific is not None:
        return Outcome.UNCHANGED_WORKFLOW if specific.same_as(new) else Outcome.UPDATED_WORKFLOW
    if force:
        return Outcome.CREATED_WORKFLOW
    if global_ is None:
        return Outcome.CREATED_GLOBAL
    return Outcome.UNCHANGED_GLOBAL if global_.same_as(new) else Outcome.CREATED_WORKFLOW


def rule_global(new: ErrDef, existing: ErrDef | None) -> Outcome:
    """createOrUpdate of a global definition."""
    if existing is None:
        return Outcome.CREATED_GLOBAL
    return Outcome.UNCHANGED_GLOBAL if existing.same_as(new) else Outcome.UPDATED_GLOBAL


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a step error means for the order (§4.2)."""

    error: str
    severity: str
    retry_flag: bool
    retry_delay_secs: int | None  # already defaulted when retry_flag is set
    business_flag: bool
    description: str | None = None
    source: str = "default"  # workflow | global | default


def resolve(
    code: str,
    specific: ErrDef | None,
    global_: ErrDef | None,
    *,
    business: bool = False,
    workflow_delay: int | None = None,
    default_delay: int = 300,
) -> Resolution:
    """Specific, else global, else MAJOR without retry; `business=True` forces a business error."""
    found, source = (
        (specific, "workflow") if specific else (global_, "global") if global_ else (None, "default")
    )
    if found is None:
        return Resolution(code, "MAJOR", False, None, business)
    delay = None
    if found.retry_flag:
        delay = next(d for d in (found.retry_delay_secs, workflow_delay, default_delay) if d is not None)
    return Resolution(
        code,
        found.severity,
        found.retry_flag,
        delay,
        found.business_flag or business,
        found.description,
        source,
    )
