"""Error codes of the workflows plugin (workflows.md §9), each a subclass of a `gateway.core` status family.

Declarations only; the core's single handler renders them.
"""

from __future__ import annotations

from gateway.core import BadRequest, Conflict, Forbidden

__all__ = [
    "ActivityAccessError", "ErrorExists", "ErrorUpdateError", "ForwardError", "NodeRecordError",
    "NodeStateError", "NodeTypeError", "UserToRequired", "ValueError_",
    "ValueRequired", "WorkflowAccessError", "WorkflowArgumentError", "WorkflowDefinitionError",
    "WorkflowExists", "WorkflowInUse", "WorkflowOptionError", "WorkflowReadonly",
    "WorkflowDisabled", "WorkflowRecordError", "SetAutostartConflict", "SetAutostartError",
]  # fmt: skip


class WorkflowDefinitionError(BadRequest):
    type = "WORKFLOW-DEFINITION-ERROR"
    title = "Invalid workflow definition"


class SetAutostartError(BadRequest):
    type = "WORKFLOW-SETAUTOSTART-ERROR"
    title = "Invalid autostart"


class SetAutostartConflict(Conflict):
    type = "WORKFLOW-SETAUTOSTART-ERROR"
    title = "Autostart cannot change"


class WorkflowArgumentError(BadRequest):
    """A missing required argument of a workflow action; the code is the action's own (§6.3)."""

    type = "WORKFLOW-ARGUMENT-ERROR"
    title = "Missing argument"


def _argument_error(code: str) -> type[WorkflowArgumentError]:
    return type(code.title().replace("-", ""), (WorkflowArgumentError,), {"type": code})


SetDeprecatedError = _argument_error("WORKFLOW-SETDEPRECATED-ERROR")
EnableError = _argument_error("WORKFLOW-ENABLE-ERROR")
DisableError = _argument_error("WORKFLOW-DISABLE-ERROR")
ResetError = _argument_error("WORKFLOW-RESET-ERROR")
StartError = _argument_error("WORKFLOW-START-ERROR")
StopError = _argument_error("WORKFLOW-STOP-ERROR")
BULK_ERRORS = {
    "enable": EnableError, "disable": DisableError, "setAutostart": SetAutostartError,
    "incAutostart": SetAutostartError, "decAutostart": SetAutostartError,
    "setDeprecated": SetDeprecatedError, "reset": ResetError, "start": StartError, "stop": StopError,
}  # fmt: skip


class WorkflowOptionError(Conflict):
    type = "WORKFLOW-OPTION-ERROR"
    title = "Invalid workflow option"


class WorkflowAccessError(Forbidden):
    type = "WORKFLOW-ACCESS-ERROR"
    title = "Workflow not accessible"


class WorkflowExists(Conflict):
    type = "WORKFLOW-EXISTS"
    title = "Workflow exists"


class WorkflowInUse(Conflict):
    type = "WORKFLOW-IN-USE"
    title = "Workflow in use"


class WorkflowReadonly(Conflict):
    type = "WORKFLOW-READONLY"
    title = "Workflow is code-defined"


class ErrorExists(Conflict):
    type = "ERROR-EXISTS"
    title = "Error definition exists"


class ErrorUpdateError(BadRequest):
    type = "ERROR-UPDATE-ERROR"
    title = "Invalid error definition"


class ActivityAccessError(Forbidden):
    type = "ACTIVITY-ACCESS-ERROR"
    title = "Activity not accessible"


class NodeTypeError(Conflict):
    type = "NODE-TYPE-ERROR"
    title = "Wrong node type"


class NodeStateError(Conflict):
    type = "NODE-STATE-ERROR"
    title = "Node not pending"


class NodeRecordError(Conflict):
    type = "NODE-RECORD-ERROR"
    title = "Record write failed"


class UserToRequired(BadRequest):
    type = "USERTO-REQUIRED"
    title = "userTo required"


class ForwardError(BadRequest):
    type = "FORWARD-ERROR"
    title = "Cannot forward"


class ValueRequired(BadRequest):
    type = "VALUE-REQUIRED"
    title = "value required"


class ValueError_(BadRequest):  # noqa: N801 - the builtin name is taken
    type = "VALUE-ERROR"
    title = "Invalid value"


class WorkflowRecordError(BadRequest):
    type = "WORKFLOW-RECORD-ERROR"
    title = "Invalid workflow record"


class WorkflowDisabled(Conflict):
    type = "WORKFLOW-DISABLED"
    title = "Workflow disabled"
