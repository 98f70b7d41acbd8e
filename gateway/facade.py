"""The Gateway facade plugins use (architecture.md §4, plugins.md): lists, model reads and writes, units of
work, jobs, row claims, bulk, audit, services, permissions and the clock.

One Gateway per app (in `app.extensions["gateway"].extras`); it holds no request state. Plugins reach it
through `gateway.core`; nothing here builds SQL over business tables itself.
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from gateway import errors
from gateway.actor import Actor
from gateway.hooks.registry import Registry
from gateway.hooks.types import EntitySetSpec, RowScope
from gateway.jobs import queue
from gateway.pipeline.entity_list import ListInputs, get_entity, list_entity
from gateway.pipeline.types import HttpResult, RawRequest
from gateway.uow import UnitOfWork, claim_rows, unit_of_work

ENGINE_USER = "<engine>"


class Jobs:
    """`gateway.jobs`: enqueue background work in the caller's unit of work (plugins.md §9.2)."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self.wakers: list[threading.Event] = []

    def enqueue(
        self,
        uow: UnitOfWork,
        kind: str,
        ref: str | None = None,
        payload: Any = None,
        not_before: datetime | None = None,
        priority: int = 500,
        *,
        client_id: int | None = None,
    ) -> int:
        handler = self._gateway.registry.jobs.get(kind)
        if handler is None:
            raise ValueError(f"unknown job kind {kind!r}")
        if client_id is None:
            client_id = uow.actor.client_id if uow.actor is not None else 0
        job_id = queue.enqueue(
            uow.connection,
            self._gateway.state.meta.job,
            kind=kind,
            ref=ref,
            payload=payload,
            now=self._gateway.clock.now(),
            not_before=not_before,
            priority=priority,
            client_id=client_id,
            max_attempts=handler.max_attempts,
        )
        uow.after_commit(self.wake)
        return job_id

    def wake(self) -> None:
        for event in self.wakers:
            event.set()


class Gateway:
    """The per-app plugin API."""

    def __init__(self, state: Any, registry: Registry) -> None:
        self.state = state
        self.registry = registry
        self.jobs = Jobs(self)
        self.stopping = threading.Event()
        self._sync_session: int | None = None

    @property
    def clock(self) -> Any:
        return self.state.clock

    @property
    def settings(self) -> Any:
        return self.state.settings

    def derived_key(self, purpose: str) -> bytes:
        """32 bytes for `purpose`, derived from the app's signing secret (the configured `secret_key`,
        else the secret `gateway init` generated): never the same for two purposes, never a constant."""
        return hashlib.sha256(purpose.encode() + b":" + self.state.secret).digest()

    # --- lists over entity sets ------------------------------------------------------------------

    def list(
        self,
        spec_name: str,
        raw_or_args: RawRequest | Mapping[str, str] | None,
        actor: Actor,
        *,
        extra: Sequence[ColumnElement[bool]] = (),
    ) -> HttpResult:
        """The list envelope of entity set `spec_name` for the request's `$` options (plugins.md §4)."""
        spec = self.registry.entity_sets[spec_name]
        return list_entity(spec, _raw(raw_or_args), self._inputs(spec, actor), extra=extra)

    def record(self, spec_name: str, key: Any, actor: Actor) -> dict[str, Any]:
        """One record of an entity set (detail-only fields included); 404 when missing or invisible."""
        spec = self.registry.entity_sets[spec_name]
        return get_entity(spec, key, self._inputs(spec, actor))

    def _inputs(self, spec: EntitySetSpec, actor: Actor) -> ListInputs:
        scopes = tuple(
            s
            for s in self.state.plugins.hook.row_scope(entity_set=spec, actor=actor)
            if isinstance(s, RowScope)
        )
        if spec.tenantless and not scopes:
            # a tenantless set is protected only by its own row_scope: without one, it shows nothing
            scopes = (RowScope(lambda _from: sa.false(), fingerprint="fail-closed"),)
        return ListInputs(
            actor=actor,
            settings=self.state.runtime.for_client(actor.client_id),
            source=self.state.databases.meta,
            now=self.clock.now(),
            scopes=scopes,
        )

    # --- business tables through the models pipeline ------------------------------------------------

    def get(self, table: str, key: Any, actor: Actor | None = None) -> dict[str, Any]:
        """One record of a reflected table with the actor's rights and scope (api.md §4)."""
        from gateway.pipeline import ReadTarget, read

        who = actor or _current_actor()
        st = self.state
        raw = RawRequest("GET", f"/api/v1/models/{table}/{key}")
        result = read(
            raw,
            ReadTarget(table, str(key)),
            actor=who,
            catalog=st.catalog.current(),
            settings=st.runtime.for_client(who.client_id),
            source=st.databases.data,
            now=self.clock.now(),
        )
        return dict(result.body)

    def insert(self, table: str, values: Mapping[str, Any], actor: Actor | None = None) -> Any:
        return self._write("POST", table, None, values, actor)

    def update(self, table: str, key: Any, values: Mapping[str, Any], actor: Actor | None = None) -> Any:
        return self._write("PUT", table, key, values, actor)

    def delete(self, table: str, key: Any, actor: Actor | None = None) -> Any:
        return self._write("DELETE", table, key, None, actor)

    def _write(self, method: str, table: str, key: Any, values: Any, actor: Actor | None) -> Any:
        from gateway.facade_writes import model_write

        return model_write(self, method, table, key, values, actor or _current_actor())

    def query_models(
        self, table: str, options: Mapping[str, str], actor: Actor | None = None
    ) -> tuple[int, Iterator[dict[str, Any]]]:
        """(matched count, records streamed page by page) of a /models list read as the actor."""
        from gateway.facade_reads import query_models

        return query_models(self, table, options, actor or _current_actor(), self.state.databases.data)

    def check_model_query(self, table: str, options: Mapping[str, str], actor: Actor | None = None) -> None:
        """Raise the 400/403/404 a /models list with `options` would give; nothing is returned."""
        from gateway.facade_reads import check_model_query

        check_model_query(self, table, options, actor or _current_actor(), self.state.databases.data)

    def model_name_of(self, table_id: int) -> str | None:
        from gateway.facade_reads import model_name_of

        return model_name_of(self, table_id)

    def reset_caches(self, table: str | None = None, record: str | None = None) -> int:
        """What DELETE /api/v1/caches does; returns the number of entries reset."""
        from gateway.facade_reads import reset_caches

        return reset_caches(self, table, record)

    def actor_for(self, user_id: int, role_id: int, client_id: int, org_id: int) -> Actor:
        """The Actor of stored ids (jobs, schedules); 403 when the user or role lost access."""
        from gateway.facade_reads import actor_for

        return actor_for(self, user_id, role_id, client_id, org_id)

    def session_alive(self, session_id: int) -> bool:
        """Whether an engine session (gw_engine_session) still heartbeats."""
        from gateway.facade_reads import session_alive

        return session_alive(self, session_id)

    @contextmanager
    def bound(self, actor: Actor) -> Iterator[Any]:
        """A BoundGateway: model reads and writes as `actor` in one data transaction (rollback on error)."""
        from gateway.facade_reads import bound

        with bound(self, actor) as gw:
            yield gw

    def hook_results(self, hook: str) -> list[Any]:
        """Results of a plugin hook without arguments (e.g. `register_processes`), in plugin order."""
        return list(getattr(self.state.plugins.hook, hook)())

    # --- meta database work ------------------------------------------------------------------------

    @contextmanager
    def unit_of_work(self, actor: Actor | None = None, *, source: str | None = None) -> Iterator[UnitOfWork]:
        """A transaction on the meta database; `actor` defaults to the request's (engine outside one)."""
        who = actor if actor is not None else _current_actor_or_none()
        kind = source or ("api" if who is not None else "engine")
        with unit_of_work(self.state.databases.meta, actor=who, kind=kind, clock=self.clock) as uow:
            yield uow

    def claim_rows(self, select_stmt: sa.Select[Any], set_values: Mapping[str, Any]) -> list[Any]:
        """Claim rows of a plugin's own queue table (plugins.md §9.6); returns the claimed rows."""
        return claim_rows(self.state.databases.meta, select_stmt, set_values)

    def bulk(self, ids: Iterable[Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
        """Run `fn(id)` per distinct id (each in its own transaction); 409 BULK-ERROR when all fail."""
        distinct = list(dict.fromkeys(ids))
        if not distinct:
            raise errors.ValidationError(
                "ids must not be empty", errors=[errors.FieldError("ids", "required")]
            )
        cap = self.settings.bulk_max_ids
        if len(distinct) > cap:
            raise errors.ValidationError(
                f"at most {cap} ids per request", errors=[errors.FieldError("ids", f"more than {cap} ids")]
            )
        results: dict[str, Any] = {}
        failed = 0
        for ident in distinct:
            try:
                results[str(ident)] = fn(ident)
            except errors.GatewayError as exc:
                results[str(ident)] = f"{exc.type}: {exc.detail}"
                failed += 1
        if failed == len(distinct):
            raise errors.BulkError(f"all {failed} ids failed", results=results)
        return results

    def audit(
        self,
        uow: UnitOfWork,
        resource: str,
        resource_id: Any,
        action: str,
        old_state: str | None = None,
        new_state: str | None = None,
        note: str | None = None,
        detail: Any = None,
        *,
        plugin: str | None = None,
        client_id: int | None = None,
    ) -> None:
        """Write a gw_audit row in `uow`, so a rolled-back change leaves no audit row (plugins.md §10)."""
        actor = uow.actor
        values = {
            "created": self.clock.now(),
            "client_id": _client_of(actor, client_id),
            "user_id": actor.user_id if actor else None,
            "user_name": actor.user_name if actor else ENGINE_USER,
            "role_id": actor.role_id if actor else None,
            "source": uow.source,
            "plugin": plugin,
            "resource": resource,
            "resource_id": None if resource_id is None else str(resource_id),
            "action": action,
            "old_state": old_state,
            "new_state": new_state,
            "note": note,
            "detail": detail,
            "request_id": _request_id(),
        }
        uow.execute(self.state.meta.audit.insert().values(**values))

    # --- services, permissions, lifecycle -----------------------------------------------------------

    def service(self, name: str, *, required: bool = True) -> Any:
        """The service another plugin registered; None for a missing optional one."""
        found = self.registry.services.get(name)
        if found is None and required:
            raise LookupError(f"no plugin offers the service {name!r}")
        return found

    def allowed(self, actor: Actor, permission: str, resource: Any = None) -> bool:
        """Role grant (with `implies`) and `permission_allowed` votes: any False denies, a True grants."""
        votes = self.state.plugins.hook.permission_allowed(actor=actor, action=permission, resource=resource)
        if any(v is False for v in votes):
            return False
        return (
            any(v is True for v in votes)
            or actor.policy.has_permission(permission)
            or self._implied(actor, permission)
        )

    def require(self, actor: Actor, permission: str, resource: Any = None) -> None:
        if not self.allowed(actor, permission, resource):
            raise errors.AuthorizationError(f"Missing permission {permission}")

    def _implied(self, actor: Actor, permission: str) -> bool:
        base = permission.split(":", 1)[0]
        for spec in self.registry.permissions.values():
            if spec.implies and actor.policy.has_permission(spec.name) and _implies(spec.implies, base):
                return True
        return False

    def check_running(self) -> None:
        """409 SHUTDOWN-IN-PROGRESS while this process stops (plugins.md §9.5)."""
        if self.stopping.is_set():
            raise errors.ShutdownInProgress("the gateway is stopping; try again on another node")

    def drain(self, *, until_idle: bool = True, max_steps: int = 1000) -> dict[str, int]:
        """Run due periodic tasks, jobs and work sources in the calling thread (plugins.md §9.3)."""
        from gateway.jobs.runner import Runner, open_session

        if self._sync_session is None:
            self._sync_session = open_session(self.state, "server")
        return Runner(self, self._sync_session).drain(until_idle=until_idle, max_steps=max_steps)


def _implies(patterns: Sequence[str], permission: str) -> bool:
    excluded = any(fnmatch.fnmatchcase(permission, p[1:]) for p in patterns if p.startswith("!"))
    return not excluded and any(fnmatch.fnmatchcase(permission, p) for p in patterns if not p.startswith("!"))


def _client_of(actor: Actor | None, client_id: int | None) -> int:
    if client_id is not None:
        return client_id
    return actor.client_id if actor is not None else 0


def _raw(raw_or_args: RawRequest | Mapping[str, str] | None) -> RawRequest:
    if isinstance(raw_or_args, RawRequest):
        return raw_or_args
    if raw_or_args is None:
        from gateway.web.edge import raw_request

        return raw_request()
    return RawRequest("GET", "", args=tuple((k, str(v)) for k, v in raw_or_args.items()))


def _current_actor() -> Actor:
    from gateway.auth import current_actor

    return current_actor()


def _current_actor_or_none() -> Actor | None:
    from flask import g, has_request_context

    if not has_request_context():
        return None
    actor = g.get("gateway_actor")
    return actor if isinstance(actor, Actor) else None


def _request_id() -> str | None:
    from flask import g, has_request_context

    return str(g.get("request_id")) if has_request_context() and g.get("request_id") else None
