"""Error codes of the orders plugin (orders.md §15), each a subclass of a `gateway.core` status family."""

from __future__ import annotations

from gateway.core import BadRequest, Conflict, NotFound


class OrderDataError(BadRequest):
    type = "ORDER-DATA-ERROR"


class OrderKeyError(BadRequest):
    type = "ORDER-KEY-ERROR"


class PriorityError(BadRequest):
    type = "PRIORITY-ERROR"


class NoteRequired(BadRequest):
    type = "NOTE-REQUIRED"


class ArgumentError(BadRequest):
    type = "ARGUMENT-ERROR"


class PostError(BadRequest):
    type = "POST-ERROR"


class InvalidWorkflow(NotFound):
    type = "INVALID-WORKFLOW"


class DuplicateOrderKey(Conflict):
    type = "DUPLICATE-ORDER-KEY"


class RecordWorkflowActive(Conflict):
    type = "RECORD-WORKFLOW-ACTIVE"


class WorkflowDisabled(Conflict):
    type = "WORKFLOW-DISABLED"


class StatusError(Conflict):
    type = "STATUS-ERROR"


class SessionError(Conflict):
    type = "SESSION-ERROR"


class RetryError(Conflict):
    type = "RETRY-ERROR"


class BlockWorkflowError(Conflict):
    type = "BLOCK-WORKFLOW-ERROR"


class CancelWorkflowError(Conflict):
    type = "CANCEL-WORKFLOW-ERROR"


class WorkflowStatusError(Conflict):
    type = "WORKFLOW-STATUS-ERROR"


class RescheduleError(Conflict):
    type = "RESCHEDULE-ERROR"


class SkipStepError(Conflict):
    type = "SKIP-STEP-ERROR"


class StepStatusError(Conflict):
    type = "STEP-STATUS-ERROR"


class LockError(Conflict):
    type = "LOCK-ERROR"


class StaticDataError(Conflict):
    type = "STATIC-DATA-ERROR"


class DynamicDataError(Conflict):
    type = "DYNAMIC-DATA-ERROR"


class YamlParserError(Conflict):
    type = "YAML-PARSER-ERROR"


class SensitiveDataError(Conflict):
    type = "SENSITIVE-DATA-ERROR"


class OrderStatusError(Conflict):
    type = "ORDER-STATUS-ERROR"
