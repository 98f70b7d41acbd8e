"""Shared helpers of the plugin's handlers: the bundle of the current app, workflow resolution with the
access scope, JSON-safe values and the scope conditions of list requests.

No Flask routing and no statements over business tables here; handlers in `api_*.py` and `routes.py` use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from gateway import core
from gateway.plugins.workflows.bundle import Bundle
from gateway.plugins.workflows.store import Workflow


def bundle() -> Bundle:
    return core.gateway().service("workflows._bundle")  # type: ignore[no-any-return]


def resolve(id_or_name: str, actor: core.Actor) -> Workflow:
    """The workflow of a path segment: 404 when unknown, 403 WORKFLOW-ACCESS-ERROR outside the scope."""
    return bundle().registry.get(id_or_name, actor)


def iso(value: datetime) -> str:
    """UTC with `Z`, second precision (plugins.md §3.3)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def with_select(raw: core.RawRequest, fields: str | None) -> core.RawRequest:
    """A request whose `$select` is `fields` (the `list`/`short` shortcuts) unless it names its own."""
    if fields is None or has_option(raw, "$select"):
        return raw
    return dataclasses.replace(raw, args=(*raw.args, ("$select", fields)))


def has_option(raw: core.RawRequest, name: str) -> bool:
    return any(k.lower() == name for k, _ in raw.args)


def drop_fields(result: core.Reply, names: Sequence[str]) -> core.Reply:
    for record in result.body.get("records", ()):
        for name in names:
            record.pop(name, None)
    return result
