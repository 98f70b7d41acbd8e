"""Thin adapter from `Gateway.insert/update/delete` to the write pipeline of /api/v1/models.

Kept apart so the facade does not depend on the write pipeline's internal signature; the writes run with
the actor's rights, scope and error codes exactly as an HTTP write would.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.actor import Actor
from gateway.hooks.writes import write_hooks
from gateway.pipeline.types import RawRequest


def model_write(gateway: Any, method: str, table: str, key: Any, values: Any, actor: Actor) -> Any:
    """POST/PUT/DELETE of one record of `table`; returns the response body of the models endpoint."""
    from gateway.pipeline import writes
    from gateway.pipeline.types import Action

    path = f"/api/v1/models/{table}" + (f"/{key}" if key is not None else "")
    body = orjson.dumps(dict(values)) if values is not None else b""
    raw = RawRequest(method, path, headers={"content-type": "application/json"}, body=body)
    state = gateway.state
    action = {"POST": Action.INSERT, "PUT": Action.UPDATE, "DELETE": Action.DELETE}[method]
    hooks = write_hooks(state.plugins, gateway.clock, "plugin")
    result = writes.write(
        raw,
        writes.WriteTarget(table, None if key is None else str(key)),
        action,
        actor=actor,
        catalog=state.catalog.current(),
        settings=state.runtime.for_client(actor.client_id),
        source=state.databases.data,
        now=gateway.clock.now(),
        hooks=hooks,
    )
    if hooks is not None:
        hooks.committed()
    return result.body
