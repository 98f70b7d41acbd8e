"""Facade helpers for plugins that act for a user outside a request: streamed /models queries, actors
rebuilt from stored ids, engine-session liveness, cache resets and the transactional `BoundGateway`.

Reads go through the read pipeline of /api/v1/models (`pipeline.read`), writes through the write pipeline;
nothing here builds SQL over business tables. Used only through `gateway.facade.Gateway`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa

from gateway import errors
from gateway.actor import Actor
from gateway.db import ConnectionSource, SavepointSource
from gateway.pipeline.types import RawRequest

QUERY_PAGE = 1000  # records per streamed page of `query_models`


def _read(gateway: Any, table: str, args: Mapping[str, str], actor: Actor, source: ConnectionSource) -> Any:
    from gateway.pipeline import ReadTarget, read

    st = gateway.state
    settings = st.runtime.for_client(actor.client_id)
    # one streamed page may be larger than the HTTP cap; the caller's $top still bounds the total
    settings = settings.replace(rest_max_records_size=max(settings.rest_max_records_size, QUERY_PAGE))
    raw = RawRequest("GET", f"/api/v1/models/{table}", args=tuple(args.items()))
    return read(
        raw,
        ReadTarget(table),
        actor=actor,
        catalog=st.catalog.current(),
        settings=settings,
        source=source,
        now=gateway.clock.now(),
    ).body


def query_models(
    gateway: Any, table: str, options: Mapping[str, str], actor: Actor, source: ConnectionSource
) -> tuple[int, Iterator[dict[str, Any]]]:
    """(matched row count, records) of a /models list read as `actor`, fetched page by page."""
    wanted = int(options.get("$top") or 0)
    base = {k: v for k, v in options.items() if k not in ("$top", "$skip")}
    first = _read(gateway, table, {**base, "$top": str(_size(wanted, 0)), "$skip": "0"}, actor, source)
    total = int(first.get("row-count", len(first["records"])))

    def stream() -> Iterator[dict[str, Any]]:
        page, skip = first["records"], 0
        while page:
            yield from page
            skip += len(page)
            size = _size(wanted, skip)
            if size <= 0 or len(page) < QUERY_PAGE:
                return
            args = {**base, "$top": str(size), "$skip": str(skip), "$count": "false"}
            page = _read(gateway, table, args, actor, source)["records"]

    return total, stream()


def _size(wanted: int, done: int) -> int:
    return QUERY_PAGE if wanted <= 0 else min(QUERY_PAGE, wanted - done)


def check_model_query(
    gateway: Any, table: str, options: Mapping[str, str], actor: Actor, source: ConnectionSource
) -> None:
    """Plan and run a one-row read so every 400/403/404 of the query surfaces before a run starts."""
    args = {k: v for k, v in options.items() if k not in ("$top", "$skip")}
    _read(gateway, table, {**args, "$top": "1", "$count": "false"}, actor, source)


def model_name_of(gateway: Any, table_id: int) -> str | None:
    """The model-name of a `GET /api/v1/models` id (None when unknown)."""
    model = gateway.state.meta.model
    with gateway.state.databases.meta.connect() as conn:
        found = conn.execute(sa.select(model.c.table_name).where(model.c.id == table_id)).scalar()
    return None if found is None else str(found)


def reset_caches(gateway: Any, table: str | None = None, record: str | None = None) -> int:
    """The effect of DELETE /api/v1/caches (all tables, or one table; a record resets its table's entries)."""
    st = gateway.state
    if table is not None and st.catalog.current().find(table) is None:
        raise errors.NotFound(f"Table {table} not found")
    return int(st.reset_caches(table))


def actor_for(gateway: Any, user_id: int, role_id: int, client_id: int, org_id: int) -> Actor:
    """The Actor of stored ids; 403 AUTHORIZATION-ERROR when the user or role is gone or no longer linked."""
    from gateway.auth import service
    from gateway.meta import store

    st = gateway.state
    with st.databases.meta.connect() as conn:
        user = store.get_user(conn, st.meta, user_id)
        roles = store.user_roles(conn, st.meta, user_id) if user is not None else []
    role = next((r for r in roles if r.id == role_id), None)
    if user is None or not user.is_active or role is None or role.client_id not in (0, client_id):
        raise errors.AuthorizationError(f"user {user_id} with role {role_id} no longer has access")
    return Actor(
        user_id=user.id,
        user_name=user.name,
        client_id=client_id,
        role_id=role_id,
        org_id=org_id,
        policy=service.policy(st, role_id),
        language=st.settings.default_language,
    )


def session_alive(gateway: Any, session_id: int) -> bool:
    """Whether engine session `session_id` still heartbeats (plugins.md §9.5)."""
    from gateway.jobs import leases

    st = gateway.state
    with st.databases.meta.connect() as conn:
        return leases.is_alive(
            conn, st.meta.engine_session, session_id, st.clock.now(), st.settings.lease_seconds
        )


@dataclass
class BoundGateway:
    """`core.Gateway` bound to one actor and one data transaction (processes.md §2.3 `ctx.gateway`).

    Reads see the transaction's own writes; `written` lists (table, key, action) for the caller's audit.
    """

    gateway: Any
    actor: Actor
    source: ConnectionSource
    written: list[tuple[str, str, str]] = field(default_factory=list)

    def get(self, table: str, key: Any) -> dict[str, Any]:
        from gateway.pipeline import ReadTarget, read

        st = self.gateway.state
        raw = RawRequest("GET", f"/api/v1/models/{table}/{key}")
        return dict(
            read(raw, ReadTarget(table, str(key)), actor=self.actor, catalog=st.catalog.current(),
                 settings=st.runtime.for_client(self.actor.client_id), source=self.source,
                 now=self.gateway.clock.now()).body
        )  # fmt: skip

    def list(self, table: str, options: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        return list(query_models(self.gateway, table, options or {}, self.actor, self.source)[1])

    def query_models(self, table: str, options: Mapping[str, str]) -> tuple[int, Iterator[dict[str, Any]]]:
        return query_models(self.gateway, table, options, self.actor, self.source)

    def check_model_query(self, table: str, options: Mapping[str, str]) -> None:
        check_model_query(self.gateway, table, options, self.actor, self.source)

    def insert(self, table: str, values: Mapping[str, Any]) -> Any:
        return self._write("POST", table, None, values)

    def update(self, table: str, key: Any, values: Mapping[str, Any]) -> Any:
        return self._write("PUT", table, key, values)

    def delete(self, table: str, key: Any) -> Any:
        return self._write("DELETE", table, key, None)

    def reset_caches(self, table: str | None = None, record: str | None = None) -> int:
        return reset_caches(self.gateway, table, record)

    def model_name_of(self, table_id: int) -> str | None:
        return model_name_of(self.gateway, table_id)

    def _write(self, method: str, table: str, key: Any, values: Any) -> Any:
        from gateway.pipeline import writes
        from gateway.pipeline.types import Action

        path = f"/api/v1/models/{table}" + (f"/{key}" if key is not None else "")
        body = orjson.dumps(dict(values)) if values is not None else b""
        raw = RawRequest(method, path, headers={"content-type": "application/json"}, body=body)
        st = self.gateway.state
        action = {"POST": Action.INSERT, "PUT": Action.UPDATE, "DELETE": Action.DELETE}[method]
        result = writes.write(
            raw, writes.WriteTarget(table, None if key is None else str(key)), action, actor=self.actor,
            catalog=st.catalog.current(), settings=st.runtime.for_client(self.actor.client_id),
            source=self.source, now=self.gateway.clock.now(),
        )  # fmt: skip
        ident = key if key is not None else (result.body or {}).get("id")
        self.written.append((table, str(ident), {"POST": "insert", "PUT": "update"}.get(method, "delete")))
        return result.body

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)


@contextmanager
def bound(gateway: Any, actor: Actor) -> Iterator[BoundGateway]:
    """One data transaction for a plugin's work as `actor`: committed on return, rolled back on any error."""
    with gateway.state.databases.data.begin() as conn:
        yield BoundGateway(gateway, actor, SavepointSource(conn))
