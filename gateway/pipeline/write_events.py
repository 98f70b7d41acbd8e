"""The plugins' view of model writes: `before_write` may refuse a row write, `after_write` follows it up
in the same transaction (plugins.md §2). One WriteEvent per row, child rows included.

`write` receives a WriteHooks object from the caller (the web layer wires the plugin manager); the
pipeline itself knows nothing of plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from gateway.actor import Actor
from gateway.catalog.model import EntitySet
from gateway.hooks.types import WriteEvent


class WriteHooks(Protocol):
    def before(self, event: WriteEvent) -> None:
        """Raise a GatewayError to refuse the write (the whole request's transaction rolls back)."""

    def after(self, event: WriteEvent, conn: Connection) -> None:
        """The row was written on `conn`, whose transaction is still open."""


def write_event(
    entity: EntitySet,
    action: str,
    key: Any,
    values: Mapping[str, Any],
    actor: Actor,
    old: Mapping[str, Any] | None = None,
) -> WriteEvent:
    """`table` is the model name (as in /api/v1/models/{table}); `values` by column name."""
    return WriteEvent(entity.model_name, action, key, dict(values), actor, None if old is None else dict(old))
