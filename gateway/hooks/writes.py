"""The plugin manager behind the write pipeline's WriteHooks: `before_write` and `after_write` per row.

`after_write` receives a UnitOfWork over the write's own connection, so its follow-up statements commit or
roll back with the write; its after-commit callbacks wait for `committed()`, which the caller invokes once
its transaction (a request's, or a whole batch's) has committed.
"""

from __future__ import annotations

from typing import Any

import pluggy
from sqlalchemy.engine import Connection

from gateway.hooks.types import WriteEvent
from gateway.uow import UnitOfWork


class PluginWriteHooks:
    def __init__(self, plugins: pluggy.PluginManager, clock: Any, source: str) -> None:
        self.plugins = plugins
        self.clock = clock
        self.source = source
        self._pending: list[UnitOfWork] = []

    def before(self, event: WriteEvent) -> None:
        self.plugins.hook.before_write(event=event)

    def after(self, event: WriteEvent, conn: Connection) -> None:
        uow = UnitOfWork(conn, actor=event.actor, source=self.source, clock=self.clock)
        self.plugins.hook.after_write(event=event, uow=uow)
        self._pending.append(uow)

    def discard(self) -> None:
        """The transaction rolled back: its after-commit work must never run."""
        self._pending = []

    def committed(self) -> None:
        pending, self._pending = self._pending, []
        for uow in pending:
            uow.run_after_commit()


def write_hooks(plugins: pluggy.PluginManager, clock: Any, source: str) -> PluginWriteHooks | None:
    """Hooks for one request's writes, or None when no plugin implements either hook (no events built)."""
    if not plugins.hook.before_write.get_hookimpls() and not plugins.hook.after_write.get_hookimpls():
        return None
    return PluginWriteHooks(plugins, clock, source)
