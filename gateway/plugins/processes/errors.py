"""The processes plugin's error codes (processes.md §14), subclassing the core families via `gateway.core`.

Declarations only; the core's single error handler renders them.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway import core


class ParameterError(core.BadRequest):
    type = "PARAMETER-ERROR"
    title = "Invalid process parameters"


class ScheduleError(core.BadRequest):
    type = "SCHEDULE-ERROR"
    title = "Invalid schedule"


class ImportError_(core.BadRequest):
    type = "IMPORT-ERROR"
    title = "Invalid import file"


class ProcessAccessError(core.Forbidden):
    type = "PROCESS-ACCESS-ERROR"
    title = "Process not accessible"


class ProcessInactive(core.Conflict):
    type = "PROCESS-INACTIVE"
    title = "Process inactive"


class ProcessRunning(core.Conflict):
    type = "PROCESS-RUNNING"
    title = "Process running"


class ProcessReadonly(core.Conflict):
    type = "PROCESS-READONLY"
    title = "Process read-only"


class DuplicateValue(core.Conflict):
    type = "DUPLICATE-VALUE"
    title = "Duplicate value"


class InstanceStateError(core.Conflict):
    type = "INSTANCE-STATE-ERROR"
    title = "Wrong instance state"


class ImportConflict(core.Conflict):
    type = "IMPORT-CONFLICT"
    title = "Import conflict"


def field_errors(problems: Iterable[tuple[str, str]]) -> list[core.FieldError]:
    return [core.FieldError(field, message) for field, message in problems]


def markdown_table() -> str:
    """The README table of this plugin's error codes (`python -m gateway.plugins.processes.errors`)."""
    classes = sorted(_declared(), key=lambda c: (c.status, c.type))
    rows = ["| Status | `type` | Title |", "|---|---|---|"]
    rows += [f"| {c.status} | `{c.type}` | {c.title} |" for c in classes]
    return "\n".join(rows)


def _declared() -> list[type[core.GatewayError]]:
    return [
        value
        for value in globals().values()
        if isinstance(value, type) and issubclass(value, core.GatewayError) and value.__module__ == __name__
    ]


if __name__ == "__main__":
    print(markdown_table())
