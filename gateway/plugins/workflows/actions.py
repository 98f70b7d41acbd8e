"""The `register_actions` table of the workflows plugin: every verb and `?action=` of `/workflows/**`,
`/errors/**` and `/steps/**` (workflows.md §3.3, §4.3, §6) with its permission and argument schema.

Declarations only; the handlers live in `api_workflows.py`, `api_bulk.py` and `api_errors.py`.
"""

from __future__ import annotations

from gateway import core
from gateway.plugins.workflows import api_bulk, api_errors, api_workflows, schemas

WORKFLOWS = "/api/v1/workflows"
WORKFLOW = "/api/v1/workflows/<id_or_name>"
ERRORS = "/api/v1/errors"
READ, DEFINE, CONTROL, WRITE_ERRORS = (
    "workflows.read",
    "workflows.define",
    "workflows.control",
    "workflows.errors",
)

_SINGLE_ARGS = {
    "setAutostart": schemas.AutostartArgs,
    "setDeprecated": schemas.DeprecatedArgs,
    "setOptions": schemas.OptionsArgs,
    "start": schemas.StartArgs,
}
_BULK_ARGS = {
    "setAutostart": schemas.BulkAutostartArgs,
    "setDeprecated": schemas.BulkDeprecatedArgs,
    "start": schemas.BulkStartArgs,
    "resetAll": None,
    "stopAll": None,
}


def _a(rule: str, method: str, name: str | None, handler: object, permission: str, args: object = None,
       summary: str = "") -> core.Action:  # fmt: skip
    return core.Action(rule, method, name, handler, permission, args, summary)  # type: ignore[arg-type]


def definition_actions() -> list[core.Action]:
    return [
        _a(WORKFLOWS, "GET", None, api_workflows.list_workflows, READ, schemas.WorkflowListArgs,
           "List workflow definitions in the caller's scope"),
        _a(WORKFLOWS, "POST", None, api_workflows.create_workflow, DEFINE, schemas.Document,
           "Create a workflow definition"),
        _a(WORKFLOWS, "POST", "validate", api_workflows.validate_workflow, DEFINE, schemas.Document,
           "Validate a workflow definition document"),
        _a(WORKFLOW, "GET", None, api_workflows.get_workflow, READ, schemas.DetailArgs,
           "Read one workflow definition with its steps and options"),
        _a(WORKFLOW, "DELETE", None, api_workflows.delete_workflow, DEFINE, None,
           "Delete an unused, API-defined workflow"),
        _a(WORKFLOW, "GET", "options", api_workflows.get_options, READ, None, "The workflow's options"),
        _a(f"{WORKFLOW}/instances", "GET", None, api_workflows.list_instances, READ, schemas.ListArgs,
           "List the workflow's execution instances"),
    ]  # fmt: skip


def control_actions() -> list[core.Action]:
    single = [
        _a(WORKFLOW, "PUT", name, handler, CONTROL, _SINGLE_ARGS.get(name), f"{name} one workflow")
        for name, handler in api_workflows.SINGLE_HANDLERS.items()
    ]
    bulk = [
        _a(WORKFLOWS, "PUT", name, handler, CONTROL, _BULK_ARGS.get(name, schemas.BulkArgs),
           f"{name} several workflows")
        for name, handler in api_bulk.BULK.items()
    ]  # fmt: skip
    return [*single, *bulk]


def _workflow_error_actions(base: str) -> list[core.Action]:
    one = f"{base}/<error>"
    return [
        _a(base, "GET", None, api_errors.list_of_workflow, READ, schemas.ListArgs,
           "List the workflow's specific error definitions"),
        _a(base, "POST", None, api_errors.create_on, WRITE_ERRORS, schemas.ErrDefBody,
           "Create an error definition for the workflow (global first unless forceworkflow)"),
        _a(base, "POST", "createOrUpdate", api_errors.upsert_on, WRITE_ERRORS, schemas.ErrDefBody,
           "Create or update an error definition for the workflow"),
        _a(one, "GET", None, api_errors.get_on, READ, None, "Read a workflow-specific error definition"),
        _a(one, "PUT", None, api_errors.update_on, WRITE_ERRORS, schemas.ErrDefBody,
           "Update a workflow-specific error definition"),
        _a(one, "PUT", "update", api_errors.update_on, WRITE_ERRORS, schemas.ErrDefBody,
           "Update a workflow-specific error definition"),
        _a(one, "DELETE", None, api_errors.delete_on, WRITE_ERRORS, None,
           "Delete a workflow-specific error definition"),
    ]  # fmt: skip


def _global_error_actions(base: str, *, listing: bool) -> list[core.Action]:
    one = f"{base}/<error>"
    found = [
        _a(one, "GET", None, api_errors.get_global, READ, None, "Read a global error definition"),
        _a(one, "PUT", None, api_errors.update_global, WRITE_ERRORS, schemas.ErrDefBody,
           "Update a global error definition"),
        _a(one, "PUT", "update", api_errors.update_global, WRITE_ERRORS, schemas.ErrDefBody,
           "Update a global error definition"),
        _a(one, "DELETE", None, api_errors.delete_global, WRITE_ERRORS, None,
           "Delete a global error definition"),
    ]  # fmt: skip
    if listing:
        found += [
            _a(base, "GET", None, api_errors.list_global, READ, schemas.ListArgs,
               "List global error definitions"),
            _a(base, "POST", None, api_errors.create_global, WRITE_ERRORS, schemas.ErrDefBody,
               "Create a global error definition"),
            _a(base, "POST", "createOrUpdate", api_errors.upsert_global, WRITE_ERRORS, schemas.ErrDefBody,
               "Create or update a global error definition"),
        ]  # fmt: skip
    return found


def error_actions() -> list[core.Action]:
    return [
        _a(ERRORS, "GET", None, api_errors.list_errors, READ, schemas.ErrorListArgs,
           "List error definitions"),
        _a(ERRORS, "GET", "search", api_errors.search, READ, schemas.SearchArgs,
           "Every definition (global and specific) of the given codes"),
        _a(ERRORS, "PUT", "reload", api_errors.reload, WRITE_ERRORS, None, "Reload error definitions"),
        _a(ERRORS, "POST", None, api_errors.create_any, WRITE_ERRORS, schemas.ErrDefBody,
           "Create an error definition (global, or for `workflowid`)"),
        _a(ERRORS, "POST", "createOrUpdate", api_errors.upsert_any, WRITE_ERRORS, schemas.ErrDefBody,
           "Create or update an error definition"),
        _a(f"{ERRORS}/workflow", "GET", None, api_errors.list_specific, READ, schemas.ListArgs,
           "List every workflow-specific error definition"),
        *_global_error_actions(f"{ERRORS}/global", listing=True),
        *_global_error_actions(ERRORS, listing=False),
        *_workflow_error_actions(f"{ERRORS}/workflow/<id_or_name>"),
        *_workflow_error_actions(f"{WORKFLOW}/errors"),
    ]  # fmt: skip


def step_actions() -> list[core.Action]:
    return [
        _a("/api/v1/steps", "GET", None, api_errors.list_steps, READ, schemas.ListArgs,
           "List registered step functions"),
        _a("/api/v1/steps/<name>", "GET", None, api_errors.get_step, READ, None, "Read a step function"),
    ]  # fmt: skip


def all_actions() -> list[core.Action]:
    return [*definition_actions(), *control_actions(), *error_actions(), *step_actions()]
