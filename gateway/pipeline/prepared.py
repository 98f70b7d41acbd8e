"""Prepared record reads: a repeated single-record read skips parsing, planning and binding.

`GET /models/<table>/<key>[/<column>]` with the same query arguments, for the same role policy, catalog
and settings, always runs the same cached statements with the same fixed values: only the key and the
actor's scope values change. The first such read stores what it derived (plan, statements, fixed values,
encoder spec, render options) in the app's `prepared` cache under a key naming those objects; the next ones
take it from there and go straight to the database. Option parsing, the shape key and the bind loop were a
fifth of a warm single-record request's CPU besides the database round trip.

Entries hold the catalog, settings and policy they were built for, so the identities in their keys
cannot be reused by other objects while the entry lives; a reloaded catalog, a changed setting or a
reloaded role gets new objects and so new entries. Reads whose values are not fixed by the request's
shape are never prepared: bound literals (an expand's `$filter`, whose `now()` moves) and `showsql`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.actor import Actor, RolePolicy
from gateway.catalog import Catalog
from gateway.pipeline.plan.values import is_uuid
from gateway.pipeline.query.select import Built
from gateway.pipeline.query.shape import StatementCache
from gateway.pipeline.render.encoder import EncoderSpec, RenderOptions
from gateway.pipeline.types import RawRequest, ReadPlan
from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class PreparedRead:
    plan: ReadPlan
    built: Built
    params: Mapping[str, Any]  # the statements' fixed values: everything but the key and the scope
    options: RenderOptions
    spec: EncoderSpec
    as_json: bool
    owners: tuple[Catalog, Settings, RolePolicy]  # what the key names by identity


def prepared_key(
    raw: RawRequest,
    table: str,
    key: str,
    column: str | None,
    actor: Actor,
    catalog: Catalog,
    settings: Settings,
) -> Hashable:
    """The cache key of a record read: its shape as the request states it, and the objects it was planned
    with by identity (each entry keeps them alive, see the module doc)."""
    ids = (id(catalog), id(settings), id(actor.policy))
    return ("record", table, column, is_uuid(key), raw.args, actor.is_system, ids)


def find_prepared(
    cache: StatementCache, key: Hashable, prepare: Callable[[], PreparedRead | None]
) -> PreparedRead | None:
    """The prepared read under `key`, prepared now on a miss; None when this read cannot be prepared
    (remembered too, so that such a shape is examined once)."""
    found: PreparedRead | None = cache.get_or_build(key, prepare)
    return found
