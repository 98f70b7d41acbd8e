"""Values that cross hooks: what plugins return from `register_*` and what the core hands to them.

Plain frozen dataclasses with no behaviour beyond small accessors; nothing here does I/O or imports Flask.
Plugins reach these through `gateway.core`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RowScope:
    """Extra row predicate from the `row_scope` hook: `clause(from_)` is ANDed to every read of the set."""

    clause: Callable[[FromClause], ColumnElement[bool]]
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class EntitySetSpec:
    """A plugin list resource over a gw_* table (plugins.md §4.1).

    `fields` maps public names to a column name of `table` or to a SQL expression over `table`/`joins`.
    `joins` are LEFT OUTER JOINs `(table, on_clause)`. `computed` fills `computed_fields` per page
    (`computed(records, actor)`); they are output-only. `defaults(now)` is the default condition when a
    request has no `$filter` and no search arguments. `aliases` enables seed paging aliases: `"limit"`
    (limit/offset/sort/desc) or `"page"` (PageNumber/PageSize).
    """

    name: str
    table: sa.Table
    fields: Mapping[str, str | ColumnElement[Any]]
    key: str
    tenant_column: str | None = None
    tenantless: bool = False
    joins: tuple[tuple[sa.Table, ColumnElement[bool]], ...] = ()
    default_orderby: str | None = None
    computed_fields: tuple[str, ...] = ()
    computed: Callable[[list[dict[str, Any]], Any], None] | None = None
    detail_only: tuple[str, ...] = ()
    defaults: Callable[[datetime], ColumnElement[bool]] | None = None
    aliases: str | None = None
    plugin: str = ""

    def column(self, field_name: str) -> ColumnElement[Any]:
        """The SQL expression of a declared (non-computed) field."""
        value = self.fields[field_name]
        return self.table.c[value] if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """A model write about to happen (`before_write`) or done in the open transaction (`after_write`)."""

    table: str
    action: str  # insert | update | delete
    key: Any
    values: Mapping[str, Any]
    actor: Any
    old: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """One `?action=` handler (plugins.md §3.1); `name=None` is the plain verb of `(rule, method)`.

    `handler(args, actor, **path)` returns a JSON value or a `Reply`. `args` is a marshmallow Schema
    class (or instance) for the merged query and body arguments; None accepts no arguments.
    """

    rule: str
    method: str
    name: str | None
    handler: Callable[..., Any]
    permission: str | None = None
    args: Any = None
    summary: str = ""
    plugin: str = ""

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.rule, self.method.upper(), self.name)


@dataclass(frozen=True, slots=True)
class PermissionSpec:
    """A declared permission; `implies` lists names or fnmatch patterns it grants, `!pattern` excludes."""

    name: str
    description: str = ""
    implies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Renderer:
    """An extra output format: `render(result, request)` returns the response body and its media type."""

    media_type: str
    render: Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed gw_job row as handlers see it."""

    id: int
    kind: str
    ref: str | None
    client_id: int
    payload: Any
    priority: int
    attempts: int
    max_attempts: int
    claimed_by: int | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class JobHandler:
    """A background job kind: `run(job, ctx)`; `on_dead(job, ctx, reason)` when recovery gives up."""

    run: Callable[[Job, Any], Any]
    on_dead: Callable[[Job, Any, str], Any] | None = None
    max_attempts: int = 1
    backoff_seconds: tuple[int, ...] = (30, 120, 600)

    def backoff(self, attempts: int) -> int:
        """Delay before attempt `attempts + 1` (the last value repeats)."""
        steps = self.backoff_seconds or (0,)
        return steps[min(max(attempts - 1, 0), len(steps) - 1)]


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    """Run `run(ctx)` about every `every_seconds` across all nodes (a str names a setting holding it)."""

    name: str
    every_seconds: float | str
    run: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class WorkSource:
    """Work claimed from a plugin's own table, polled by every runner after the job queue (no lease row).

    `poll(ctx)` runs what is due and returns how many units it ran (0 when idle). Returned from
    `register_periodic_tasks()` next to the PeriodicTasks.
    """

    name: str
    poll: Callable[[Any], int]


@dataclass(frozen=True, slots=True)
class JobContext:
    """What job handlers, periodic tasks and work sources receive."""

    gateway: Any
    session_id: int
    clock: Any
    settings: Any
    extra: Mapping[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()  # type: ignore[no-any-return]
