"""Action arguments (plugins.md §3.3): query string and JSON body merged, and the lenient field types.

Merging refuses a key given in both places with different values; the marshmallow fields accept comma
lists, the boolean words of the seeds, ISO 8601 dates and JSON-object hashes. No Flask here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import orjson
from marshmallow import Schema, fields

from gateway.errors import BodyError, FieldError, ValidationError

_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


def merge_arguments(args: tuple[tuple[str, str], ...], body: bytes) -> dict[str, Any]:
    """Query parameters (minus `action` and `$` options) merged with a JSON object body."""
    merged: dict[str, Any] = {}
    for name, value in args:
        if name == "action" or name.startswith("$"):
            continue
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    if not body.strip():
        return merged
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BodyError("The body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BodyError("The body must be a JSON object")
    for name, value in payload.items():
        if name in merged and merged[name] != _as_text(value):
            raise ValidationError(
                f"'{name}' is given in the query string and in the body with different values",
                errors=[FieldError(name, "given twice with different values")],
            )
        merged[name] = value
    return merged


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_as_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class Bool(fields.Field):
    """true/false/1/0/yes/no/y/n/on/off, case-insensitive."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self.make_error("invalid")

    default_error_messages = {"invalid": "must be a boolean (true/false, yes/no, 1/0, on/off)"}


class List(fields.List):
    """A JSON array or a comma-separated string (blanks around commas ignored)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif not isinstance(value, list):
            value = [value]
        return super()._deserialize(value, attr, data, **kwargs)


class Timestamp(fields.Field):
    """ISO 8601 date or timestamp, any offset; a bare date is 00:00:00 UTC. Returns an aware UTC datetime."""

    default_error_messages = {"invalid": "must be an ISO 8601 date or timestamp"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


class Hash(fields.Field):
    """A JSON object (in the query string: its JSON text)."""

    default_error_messages = {"invalid": "must be a JSON object"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                raise self.make_error("invalid") from None
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return value


class Args(Schema):
    """Base schema of action arguments: unknown names are refused (marshmallow's RAISE)."""


def load_arguments(schema: Any, merged: dict[str, Any]) -> dict[str, Any]:
    """Validate `merged` with a Schema class or instance; no schema accepts no arguments at all."""
    if schema is None:
        if merged:
            names = ", ".join(sorted(merged))
            raise ValidationError(
                f"unknown argument(s): {names}",
                errors=[FieldError(n, "unknown argument") for n in sorted(merged)],
            )
        return {}
    instance = schema() if isinstance(schema, type) else schema
    return dict(instance.load(merged))
