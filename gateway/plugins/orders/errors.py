"""Error codes of the orders plugin (orders.md §15), each a subclass of a `gateway.core` status family."""

from __future__ import annotations

from gateway.core import BadRequest, Conflict, NotFound


class OrderDataError(BadRequest):
    type = "ORDER-DATA-ERROR"
    title = "Invalid order data"


class OrderKeyError(BadRequest):
    type = "ORDER-KEY-ERROR"
    title = "Invalid order keys"


class PriorityError(BadRequest):
    type = "PRIORITY-ERROR"
    title = "Invalid priority"


class NoteRequired(BadRequest):
    type = "NOTE-REQUIRED"
    title = "Note required"


class ArgumentError(BadRequest):
    type = "ARGUMENT-ERROR"
    title = "Missing argument"


class PostError(BadRequest):
    type = "POST-ERROR"
    title = "Invalid event post"


class InvalidWorkflow(NotFound):
    type = "INVALID-WORKFLOW"
    title = "Unknown workflow"


class DuplicateOrderKey(Conflict):
    type = "DUPLICATE-ORDER-KEY"
    title = "Duplicate order key"


class RecordWorkflowActive(Conflict):
    type = "RECORD-WORKFLOW-ACTIVE"
    title = "Record has an active order"


class WorkflowDisabled(Conflict):
    type = "WORKFLOW-DISABLED"
    title = "Workflow disabled"


class StatusError(Conflict):
    type = "STATUS-ERROR"
    title = "Wrong order status"


class SessionError(Conflict):
    type = "SESSION-ERROR"
    title = "Order owned by an engine session"


class RetryError(Conflict):
    type = "RETRY-ERROR"
    title = "Retry refused"


class BlockWorkflowError(Conflict):
    type = "BLOCK-WORKFLOW-ERROR"
    title = "Block refused"


class CancelWorkflowError(Conflict):
    type = "CANCEL-WORKFLOW-ERROR"
    title = "Cancel refused"


class WorkflowStatusError(Conflict):
    type = "WORKFLOW-STATUS-ERROR"
    title = "Wrong order status"


class RescheduleError(Conflict):
    type = "RESCHEDULE-ERROR"
    title = "Reschedule refused"


class SkipStepError(Conflict):
    type = "SKIP-STEP-ERROR"
    title = "Skip refused"


class StepStatusError(Conflict):
    type = "STEP-STATUS-ERROR"
    title = "Wrong step status"


class LockError(Conflict):
    type = "LOCK-ERROR"
    title = "Order locked"


class StaticDataError(Conflict):
    type = "STATIC-DATA-ERROR"
    title = "Invalid static data"


class DynamicDataError(Conflict):
    type = "DYNAMIC-DATA-ERROR"
    title = "Invalid dynamic data"


class YamlParserError(Conflict):
    type = "YAML-PARSER-ERROR"
    title = "Invalid YAML"


class SensitiveDataError(Conflict):
    type = "SENSITIVE-DATA-ERROR"
    title = "Insecure request"


class OrderStatusError(Conflict):
    type = "ORDER-STATUS-ERROR"
    title = "Order not final"
