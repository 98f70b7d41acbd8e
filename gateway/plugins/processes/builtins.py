"""Built-in processes (processes.md §8): CacheReset, DocumentAction, Sleep, ModelReport and ModelExport.

Handlers use only their `ProcessContext`; business rows go through `ctx.gateway` (core.Gateway bound to
the caller), so rights, scope and audit apply exactly as for /models.
"""

from __future__ import annotations

import threading
from typing import Any

from gateway.plugins.processes.api import Param, ParameterError, ProcessError, ProcessResult, process_handler

DOC_ACTIONS = ({"value": "PR", "name": "Prepare"}, {"value": "CO", "name": "Complete"},
               {"value": "RE", "name": "Reactivate"}, {"value": "VO", "name": "Void"})  # fmt: skip
TRANSITIONS = {"PR": ({"DR", "IP"}, "IP"), "CO": ({"DR", "IP"}, "CO"), "RE": ({"CO"}, "IP"),
               "VO": ({"DR", "IP", "CO"}, "VO")}  # fmt: skip


@process_handler(
    value="CacheReset", name="Cache Reset",
    description="Clears gateway caches for all tables, one table or one record",
    help="Same effect as DELETE /api/v1/caches",
    params=[Param("TableName", "String", label="Table"),
            Param("RecordId", "String", label="Record id or uid")],
    extra_permission="caches.reset",
)  # fmt: skip
def cache_reset(ctx: Any, p: dict[str, Any]) -> ProcessResult:
    if p.get("RecordId") and not p.get("TableName"):
        raise ProcessError("RecordId needs TableName")
    reset = getattr(ctx.gateway, "reset_caches", None)  # core facade method
    n = int(reset(table=p.get("TableName"), record=p.get("RecordId"))) if reset else 0
    ctx.log(f"{n} entries reset", number=n)
    return ProcessResult(f"{n} entries reset", {"entriesReset": n})


def _doc_fields(record: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): k for k in record}


@process_handler(
    value="DocumentAction", name="Document Action",
    description="Prepare, complete, reactivate or void a document with a DocStatus column",
    params=[Param("DocAction", "List", label="Document action", mandatory=True, values=DOC_ACTIONS)],
    record_required=True,
)  # fmt: skip
def document_action(ctx: Any, p: dict[str, Any]) -> str:
    table, key = ctx.record
    record = ctx.gateway.get(table, key)
    names = _doc_fields(record)
    status = record[names["docstatus"]]
    action = p["DocAction"]
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise ProcessError(f"Cannot {action} a document in status {status}")
    if action == "CO" and "isapproved" in names and record[names["isapproved"]] is False:
        raise ProcessError("Document is not approved")
    values: dict[str, Any] = {names["docstatus"]: target}
    if "processed" in names and action in ("CO", "VO", "RE"):
        values[names["processed"]] = action != "RE"
    ctx.gateway.update(table, key, values)
    ctx.log(f"{status} -> {target}")
    return f"Document {action}: {status} -> {target}"


@document_action.validator
def _document_action_check(ctx: Any, p: dict[str, Any]) -> None:
    if ctx.record is None:
        return
    table, key = ctx.record
    record = ctx.gateway.get(table, key)
    if "docstatus" not in _doc_fields(record):
        raise ParameterError("model-name", f"table {table} has no DocStatus column")


@process_handler(
    value="Sleep", name="Sleep", description="Sleeps, then succeeds (diagnostics of jobs and runners)",
    params=[Param("Seconds", "Number", default=1)], extra_permission="processes.manage",
)  # fmt: skip
def sleep(ctx: Any, p: dict[str, Any]) -> str:
    seconds = p["Seconds"]
    if not 0 <= seconds <= 30:
        raise ProcessError("Seconds must be between 0 and 30")
    deadline = ctx.clock.monotonic() + float(seconds)
    waiter = threading.Event()
    while ctx.clock.monotonic() < deadline:
        waiter.wait(min(0.05, max(deadline - ctx.clock.monotonic(), 0)))
    return f"Slept {seconds} s"
