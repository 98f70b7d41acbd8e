"""The `WorkflowStart` process: start a workflow over the record a process button was pressed on.

The same path as `POST /api/v1/workflow/start` (inbox.start), reached through the processes plugin's run
endpoint with the button context (`model-name`/`table-id` + `record-id`) instead of a JSON body.
"""

from __future__ import annotations

from typing import Any

from gateway import core
from gateway.plugins.workflows import inbox


@core.process_handler(
    value="WorkflowStart",
    name="Start Workflow",
    description="Starts a workflow over the record of the button context and runs it to its first wait",
    params=[core.Param("Workflow", "String", label="Workflow name", mandatory=True)],
    record_required=True,
    extra_permission="activities.start",
)
def workflow_start(ctx: Any, p: dict[str, Any]) -> core.ProcessResult:
    if ctx.record is None:
        raise core.ProcessError("WorkflowStart needs a record (model-name and record-id)")
    model_name, record_id = ctx.record
    bundle = ctx.gateway.service("workflows._bundle")
    body = {"workflow": p["Workflow"], "model_name": model_name, "record_id": record_id}
    try:
        reply = inbox.start(bundle, ctx.actor, body)
    except core.GatewayError as exc:  # a refused start is the run's result (isError), not an internal error
        raise core.ProcessError(f"{exc.type}: {exc.detail}") from exc
    started = reply.body
    summary = f"order {started['workflow_instanceid']} is {started['status']}"
    return core.ProcessResult(summary, started)
