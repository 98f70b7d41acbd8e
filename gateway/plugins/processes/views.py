"""Helpers shared by the plugin's blueprints: the service, permission checks, the access scope, JSON bodies
and list envelopes.

Flask-facing glue only; no SQL and no domain rules here.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, jsonify, request

from gateway import core
from gateway.plugins.processes import definitions
from gateway.plugins.processes.errors import ProcessAccessError
from gateway.plugins.processes.service import ProcessService

_TRUE = ("true", "1", "y", "yes", "on")


def svc() -> ProcessService:
    return core.gateway().service("processes.registry")  # type: ignore[no-any-return]


def actor(permission: str) -> Any:
    who = core.current_actor()
    core.gateway().require(who, permission)
    return who


def monitor(who: Any) -> bool:
    return core.gateway().allowed(who, "processes.monitor")


def scope_of(who: Any) -> set[str] | None:
    """Slugs the role may see; None = every process (no `processes.access:*` entry at all)."""
    if who.policy.is_admin:
        return None
    granted = {
        p.split(":", 1)[1].lower() for p in who.policy.permissions if p.startswith("processes.access:")
    }
    return None if not granted or "*" in granted else granted


def visible(who: Any, row: dict[str, Any]) -> dict[str, Any]:
    """403 PROCESS-ACCESS-ERROR for a process outside the role's access scope."""
    allowed = scope_of(who)
    if allowed is not None and row["slug"] not in allowed:
        raise ProcessAccessError(f"process {row['slug']} is outside the role's access scope")
    return row


def process(who: Any, ref: str) -> dict[str, Any]:
    return visible(who, definitions.load(svc(), ref))


def body() -> dict[str, Any]:
    """The JSON object body ({} when empty); 400 BODY-ERROR for anything else."""
    if not request.get_data():
        return {}
    try:
        parsed = orjson.loads(request.get_data())
    except orjson.JSONDecodeError:
        raise core.BodyError("the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise core.BodyError("the body must be a JSON object")
    return parsed


def flag(name: str) -> bool:
    return request.args.get(name, "").lower() in _TRUE


def envelope(result: Any) -> Response:
    response = jsonify(result.body)
    response.status_code = result.status
    for name, value in dict(result.headers or {}).items():
        response.headers[name] = value
    return response


def args_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k not in names}


def attachment(payload: Any, filename: str) -> Response:
    response = Response(orjson.dumps(payload), content_type="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def columns(spec_name: str) -> Any:
    """Columns of an entity set's own Table, for conditions passed as `extra` to `Gateway.list`."""
    return core.gateway().registry.entity_sets[spec_name].table.c
