"""THE plugin API: everything a plugin may use from the gateway, re-exported from one module.

Plugins import `gateway.core` and nothing else from `gateway` (architecture.md §4). Contract:

- `core.hookimpl` marks hook implementations; the hook value types (`Action`, `EntitySetSpec`, `RowScope`,
  `PermissionSpec`, `JobHandler`, `Job`, `JobContext`, `PeriodicTask`, `WorkSource`, `WriteEvent`,
  `Renderer`) describe what `register_*` hooks return.
- `core.gateway()` is the app's `Gateway`: `.list(spec_name, raw_or_args, actor, extra=())` (list envelope,
  plugins.md §4), `.record(spec_name, key, actor)`, `.get/insert/update/delete(table, ...)` through the
  /models pipeline with the actor's rights, `.unit_of_work(actor=None, source=None)` whose
  `execute(stmt)` runs Core statements over gw_* tables, `.jobs.enqueue(uow, kind, ref, payload,
  not_before, priority)`, `.claim_rows(select_stmt, set_values)`, `.bulk(ids, fn)`, `.audit(uow, resource,
  resource_id, action, old_state, new_state, note, detail)`, `.service(name)`, `.require(actor, perm)`,
  `.allowed(actor, perm, resource)`, `.check_running()`, `.clock`, `.settings`; for work done for a user
  outside a request: `.query_models(table, options, actor)`, `.check_model_query(...)`, `.actor_for(user,
  role, client, org)`, `.bound(actor)` (reads/writes in one data transaction), `.session_alive(id)`,
  `.model_name_of(table_id)`, `.reset_caches(table, record)`, `.hook_results(hook)`.
- `core.current_actor()`, `core.raw_request()` (the current request for `Gateway.list`),
  `core.is_secure_request()` (plugins.md §11), `core.Reply` (an HTTP result with status and headers).
- The step-author API (workflows.md §3): `step`, `StepSpec`, `StepContext`, `StepError`.
- The process-author API (processes.md §2): `process_handler`, `Param`, `ProcessContext`, `ProcessError`,
  `ParameterError`, `ProcessResult`, `ProcessHandler`.
- Clocks (`Clock`, `SystemClock`, `FixedClock`), the error classes and the argument fields (`Args`,
  `Bool`, `List`, `Timestamp`, `Hash`, plus marshmallow's `fields`, `Integer`, `String`).
"""

from __future__ import annotations

from flask import current_app, request
from marshmallow import fields
from marshmallow.fields import Integer, String

from gateway.actor import Actor
from gateway.errors import (
    AuthorizationError,
    BadRequest,
    BodyError,
    BulkError,
    Conflict,
    FieldError,
    Forbidden,
    GatewayError,
    InvalidAction,
    MethodNotAllowed,
    NotFound,
    PagingError,
    RecordNotFound,
    ShutdownInProgress,
    Unavailable,
    ValidationError,
)
from gateway.facade import ENGINE_USER, Gateway
from gateway.hooks.processes import (
    PARAM_TYPES,
    Param,
    ParameterError,
    ProcessContext,
    ProcessError,
    ProcessHandler,
    ProcessResult,
    definition_sha256,
    process_handler,
)
from gateway.hooks.specs import hookimpl
from gateway.hooks.steps import StepContext, StepError, StepSpec, step
from gateway.hooks.types import (
    Action,
    EntitySetSpec,
    Job,
    JobContext,
    JobHandler,
    PeriodicTask,
    PermissionSpec,
    Renderer,
    RowScope,
    WorkSource,
    WriteEvent,
)
from gateway.jobs.clock import Clock, FixedClock, SystemClock
from gateway.pipeline.types import HttpResult as Reply
from gateway.pipeline.types import RawRequest
from gateway.uow import UnitOfWork
from gateway.web.arguments import Args, Bool, Hash, List, Timestamp
from gateway.web.edge import raw_request


def gateway() -> Gateway:
    """The Gateway of the current app."""
    return current_app.extensions["gateway"].extras["gateway.facade"]  # type: ignore[no-any-return]


def current_actor() -> Actor:
    """The authenticated actor of the current request (401 when there is none)."""
    from gateway.auth import current_actor as _current_actor

    return _current_actor()


def is_secure_request() -> bool:
    """TLS (or a trusted proxy's X-Forwarded-Proto), or the development switch sensitive_allow_insecure."""
    if current_app.extensions["gateway"].settings.sensitive_allow_insecure:
        return True
    return bool(request.is_secure)


__all__ = [
    "Action",
    "Actor",
    "Args",
    "AuthorizationError",
    "BadRequest",
    "BodyError",
    "Bool",
    "BulkError",
    "Clock",
    "Conflict",
    "ENGINE_USER",
    "EntitySetSpec",
    "FieldError",
    "FixedClock",
    "Forbidden",
    "Gateway",
    "GatewayError",
    "Hash",
    "Integer",
    "InvalidAction",
    "Job",
    "JobContext",
    "JobHandler",
    "List",
    "MethodNotAllowed",
    "NotFound",
    "PARAM_TYPES",
    "PagingError",
    "Param",
    "ParameterError",
    "PeriodicTask",
    "PermissionSpec",
    "ProcessContext",
    "ProcessError",
    "ProcessHandler",
    "ProcessResult",
    "RawRequest",
    "RecordNotFound",
    "Renderer",
    "Reply",
    "RowScope",
    "ShutdownInProgress",
    "StepContext",
    "StepError",
    "StepSpec",
    "String",
    "SystemClock",
    "step",
    "Timestamp",
    "Unavailable",
    "UnitOfWork",
    "ValidationError",
    "WorkSource",
    "WriteEvent",
    "current_actor",
    "definition_sha256",
    "fields",
    "gateway",
    "hookimpl",
    "is_secure_request",
    "process_handler",
    "raw_request",
]
