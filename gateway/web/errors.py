"""The ONE error handler: every exception becomes the problem JSON of api.md §10.

GatewayError and FilterError render as themselves; werkzeug HTTP errors map to their codes; marshmallow
validation errors become VALIDATION-ERROR; anything else is a logged 500 whose body holds only the request id.
No other module builds an error body.
"""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from filter_grammar import FilterError
from gateway import errors
from gateway.observability import REQUEST_ID

log = logging.getLogger("gateway.errors")

_HTTP_ERRORS: dict[int, type[errors.GatewayError]] = {
    400: errors.BadRequest,
    401: errors.AuthenticationError,
    403: errors.AuthorizationError,
    404: errors.RouteNotFound,
    405: errors.MethodNotAllowed,
    406: errors.NotAcceptable,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    429: errors.RateLimited,
}


def to_gateway_error(exc: BaseException) -> errors.GatewayError:
    """Map any exception to the GatewayError that describes it to the client."""
    if isinstance(exc, errors.GatewayError):
        return exc
    if isinstance(exc, FilterError):
        return _filter_error(exc)
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    try:
        from marshmallow import ValidationError as MarshmallowError
    except ImportError:  # pragma: no cover - marshmallow is a dependency
        MarshmallowError = ()  # type: ignore[assignment,misc]
    if isinstance(exc, MarshmallowError):
        return errors.ValidationError("Invalid values", errors=_field_errors(exc.normalized_messages()))
    request_id = REQUEST_ID.get()
    log.exception("unhandled error (request %s)", request_id, exc_info=exc)
    return errors.InternalError(f"Internal error; reference {request_id}")


def _filter_error(exc: FilterError) -> errors.GatewayError:
    by_type = {
        "FILTER-TOO-COMPLEX": errors.TooComplex,
        "EXPAND-ERROR": errors.ExpandError,
        "PAGING-ERROR": errors.PagingError,
        "CONTEXT-ERROR": errors.ContextError,
    }
    parameter = getattr(exc, "parameter", None)
    cls = by_type.get(exc.type)
    if cls is not None:
        return cls(exc.detail, position=exc.position, parameter=parameter)
    err = _FilterProblem(exc.detail, position=exc.position, parameter=parameter)
    err.type = exc.type  # type: ignore[misc]
    return err


class _FilterProblem(errors.BadRequest):
    """A filter_grammar error (its `type` is one of the FILTER-* codes of that package)."""

    type = "FILTER-SYNTAX"
    title = "Invalid query"


def _http_error(exc: HTTPException) -> errors.GatewayError:
    status = exc.code or 500
    cls = _HTTP_ERRORS.get(status)
    if cls is None:
        return (
            errors.InternalError("Internal error")
            if status >= 500
            else errors.BadRequest(exc.description or "")
        )
    detail = exc.description or cls.title
    err = cls(detail if status != 404 else "No such resource")
    if status == 405:
        allow = exc.get_response().headers.get("Allow")
        if allow:
            err.headers["Allow"] = allow
    return err


def _field_errors(messages: object, prefix: str = "") -> list[errors.FieldError]:
    out: list[errors.FieldError] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.extend(_field_errors(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
    elif isinstance(messages, list):
        out.extend(
            errors.FieldError(prefix or "body", str(m)) for m in messages if not isinstance(m, dict | list)
        )
        for m in messages:
            if isinstance(m, dict | list):
                out.extend(_field_errors(m, prefix))
    else:
        out.append(errors.FieldError(prefix or "body", str(messages)))
    return out


def problem_parts(err: errors.GatewayError) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and JSON body of the problem answer to `err`."""
    headers = dict(err.headers)
    if err.retry_after is not None:
        headers["Retry-After"] = str(err.retry_after)
    if err.status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return err.status, headers, orjson.dumps(err.to_problem())


def problem_response(err: errors.GatewayError) -> Response:
    status, headers, body = problem_parts(err)
    response = Response(body, status=status, mimetype="application/json")
    for name, value in headers.items():
        response.headers[name] = value
    return response


def register_error_handler(app: Flask) -> None:
    app.register_error_handler(Exception, lambda exc: problem_response(to_gateway_error(exc)))
