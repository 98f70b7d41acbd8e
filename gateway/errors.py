"""The gateway's error hierarchy: one class per code, each with its HTTP status and title.

`web/errors.py` is the only place that turns these into response bodies (`to_problem`). Nothing here
knows about Flask or SQL; plugins subclass through `gateway.core`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class GatewayError(Exception):
    """Base of every error the API reports on purpose."""

    status: ClassVar[int] = 500
    type: ClassVar[str] = "INTERNAL-ERROR"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str = "",
        *,
        errors: Sequence[FieldError] = (),
        position: int | None = None,
        parameter: str | None = None,
        retry_after: int | None = None,
        headers: Mapping[str, str] | None = None,
        results: Any = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = tuple(errors)
        self.position = position
        self.parameter = parameter
        self.retry_after = retry_after
        self.headers = dict(headers or {})
        self.results = results

    def with_parameter(self, parameter: str, offset: int = 0) -> GatewayError:
        """Name the query option the error belongs to (and shift its position), unless already set."""
        if self.parameter is None:
            self.parameter = parameter
            if self.position is not None:
                self.position += offset
        return self

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.parameter is not None:
            body["parameter"] = self.parameter
        if self.position is not None:
            body["position"] = self.position
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        if self.retry_after is not None:
            body["retryAfter"] = self.retry_after
        if self.results is not None:
            body["results"] = self.results
        return body


# --- status families -------------------------------------------------------------------------------


class BadRequest(GatewayError):
    status = 400
    type = "BAD-REQUEST"
    title = "Bad request"


class Unauthorized(GatewayError):
    status = 401
    type = "AUTHENTICATION-ERROR"
    title = "Unauthorized"


class Forbidden(GatewayError):
    status = 403
    type = "AUTHORIZATION-ERROR"
    title = "Forbidden"


class NotFound(GatewayError):
    status = 404
    type = "NOT-FOUND"
    title = "Not found"


class MethodNotAllowed(GatewayError):
    status = 405
    type = "METHOD-NOT-ALLOWED"
    title = "Method not allowed"


class NotAcceptable(GatewayError):
    status = 406
    type = "NOT-ACCEPTABLE"
    title = "Not acceptable"


class Conflict(GatewayError):
    status = 409
    type = "CONFLICT"
    title = "Conflict"


class PreconditionFailed(GatewayError):
    status = 412
    type = "PRECONDITION-FAILED"
    title = "Precondition failed"


class PayloadTooLarge(GatewayError):
    status = 413
    type = "PAYLOAD-TOO-LARGE"
    title = "Payload too large"


class UnsupportedMediaType(GatewayError):
    status = 415
    type = "UNSUPPORTED-MEDIA-TYPE"
    title = "Unsupported media type"


class PreconditionRequired(GatewayError):
    status = 428
    type = "PRECONDITION-REQUIRED"
    title = "Precondition required"


class TooManyRequests(GatewayError):
    status = 429
    type = "RATE-LIMITED"
    title = "Too many requests"


class InternalError(GatewayError):
    status = 500
    type = "INTERNAL-ERROR"
    title = "Internal error"


class Unavailable(GatewayError):
    status = 503
    type = "DATABASE-UNAVAILABLE"
    title = "Service unavailable"


class Timeout(GatewayError):
    status = 504
    type = "STATEMENT-TIMEOUT"
    title = "Query timeout"


# --- 400 ------------------------------------------------------------------------------------------


class BodyError(BadRequest):
    type = "BODY-ERROR"
    title = "Invalid body"


class InvalidOption(BadRequest):
    type = "INVALID-OPTION"
    title = "Invalid query option"


class InvalidAction(BadRequest):
    type = "INVALID-ACTION"
    title = "Invalid action"


class UnknownColumn(BadRequest):
    type = "UNKNOWN-COLUMN"
    title = "Unknown column"


class AmbiguousName(BadRequest):
    type = "AMBIGUOUS-NAME"
    title = "Ambiguous name"


class ExpandError(BadRequest):
    type = "EXPAND-ERROR"
    title = "Invalid $expand"


class TooComplex(BadRequest):
    type = "FILTER-TOO-COMPLEX"
    title = "Query too complex"


class PagingError(BadRequest):
    type = "PAGING-ERROR"
    title = "Invalid paging"


class ValruleError(BadRequest):
    type = "VALRULE-ERROR"
    title = "Invalid validation rule"


class ContextError(BadRequest):
    type = "CONTEXT-ERROR"
    title = "Invalid $context"


class InvalidId(BadRequest):
    type = "INVALID-ID"
    title = "Invalid id"


class ValidationError(BadRequest):
    type = "VALIDATION-ERROR"
    title = "Validation error"


class MandatoryMissing(BadRequest):
    type = "MANDATORY-MISSING"
    title = "Validation error"


class ReadonlyColumn(BadRequest):
    type = "READONLY-COLUMN"
    title = "Validation error"


class ReferenceNotFound(BadRequest):
    type = "REFERENCE-NOT-FOUND"
    title = "Validation error"


class ReferenceAmbiguous(BadRequest):
    type = "REFERENCE-AMBIGUOUS"
    title = "Validation error"


class BatchError(BadRequest):
    type = "BATCH-ERROR"
    title = "Invalid batch"


class SettingError(BadRequest):
    type = "SETTING-ERROR"
    title = "Invalid setting"


# --- 401 ------------------------------------------------------------------------------------------


class AuthenticationError(Unauthorized):
    type = "AUTHENTICATION-ERROR"


class TokenExpired(Unauthorized):
    type = "TOKEN-EXPIRED"


class TokenRevoked(Unauthorized):
    type = "TOKEN-REVOKED"


class AuthScopeError(Unauthorized):
    type = "AUTH-SCOPE-ERROR"


class RefreshError(Unauthorized):
    type = "REFRESH-ERROR"


class RefreshReused(Unauthorized):
    type = "REFRESH-REUSED"


# --- 403, 404, 409, 429 ---------------------------------------------------------------------------


class AuthorizationError(Forbidden):
    type = "AUTHORIZATION-ERROR"


class RouteNotFound(NotFound):
    type = "NOT-FOUND"


class TableNotFound(NotFound):
    type = "TABLE-NOT-FOUND"


class RecordNotFound(NotFound):
    type = "RECORD-NOT-FOUND"
    title = "Record not found"


class ColumnNotFound(NotFound):
    type = "COLUMN-NOT-FOUND"


class ValruleNotFound(NotFound):
    type = "VALRULE-NOT-FOUND"


class SettingNotFound(NotFound):
    type = "SETTING-NOT-FOUND"


class DuplicateKey(Conflict):
    type = "DUPLICATE-KEY"


class ReferencedRow(Conflict):
    type = "REFERENCED-ROW"


class ConcurrentUpdate(Conflict):
    type = "CONCURRENT-UPDATE"


class BulkError(Conflict):
    """Every id of a bulk action failed; `results` maps each id to its failure (plugins.md §5.3)."""

    type = "BULK-ERROR"


class ShutdownInProgress(Conflict):
    """The process is stopping and starts no new work (plugins.md §9.5)."""

    type = "SHUTDOWN-IN-PROGRESS"


class AccountLocked(TooManyRequests):
    type = "ACCOUNT-LOCKED"


class RateLimited(TooManyRequests):
    type = "RATE-LIMITED"


def all_error_classes() -> list[type[GatewayError]]:
    """Every concrete error class of the core (for the README table and the uniqueness test)."""
    seen: list[type[GatewayError]] = []
    stack: list[type[GatewayError]] = [GatewayError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def markdown_table(package: str = __name__) -> str:
    """The README error table of the core codes, or of one plugin package's codes."""
    rows, seen = ["| Status | `type` | Title |", "|---|---|---|"], set()
    mine = [
        c for c in all_error_classes() if c.__module__ == package or c.__module__.startswith(package + ".")
    ]
    for cls in sorted(mine, key=lambda c: (c.status, c.type)):
        if cls.type not in seen:
            seen.add(cls.type)
            rows.append(f"| {cls.status} | `{cls.type}` | {cls.title} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import importlib
    import sys

    # run as __main__: use the imported module, whose classes are the ones plugins subclass
    real = importlib.import_module("gateway.errors")
    target = sys.argv[1] if len(sys.argv) > 1 else "gateway.errors"
    if target != "gateway.errors":
        importlib.import_module(f"{target}.errors")  # a plugin's codes live in <plugin>/errors.py
    print(real.markdown_table(target))
