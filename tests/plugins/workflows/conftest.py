"""Fixtures of the workflows plugin tests: its tables on every backend, a Gateway stand-in over the
per-test savepoint source, and a Directory with the users, roles and `acc_doc` table of workflows.md §10."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.actor import Actor, RolePolicy
from gateway.db import Databases
from gateway.jobs.clock import FixedClock
from gateway.plugins.workflows.bundle import Bundle
from gateway.plugins.workflows.facts import ColumnFacts, RoleRef, TableFacts, UserRef
from gateway.plugins.workflows.tables import workflow_tables

_CREATED: set[str] = set()


@pytest.fixture
def _wf_tables(backend: Any) -> None:
    """The plugin's tables on the backend's template database, created once (before the per-test copy)."""
    if backend.url not in _CREATED:
        metadata = sa.MetaData()
        workflow_tables(metadata)
        metadata.create_all(backend.engine, checkfirst=True)
        _CREATED.add(backend.url)


@pytest.fixture
def wf_databases(_wf_tables: None, databases: Databases) -> Databases:
    return databases


@dataclass
class FakeGateway:
    source: Any
    clock: FixedClock = field(default_factory=FixedClock)
    audits: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    records: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    settings: Any = None

    @contextmanager
    def unit_of_work(self, actor: Any = None, *, source: str | None = None) -> Iterator[Any]:
        with self.source.begin() as conn:
            yield conn

    def audit(self, uow: Any, resource: str, resource_id: Any, action: str, *args: Any, **kw: Any) -> None:
        self.audits.append((resource, resource_id, action, args, kw))

    def service(self, name: str, *, required: bool = True) -> Any:
        return self.services.get(name)

    def get(self, table: str, key: Any, actor: Any = None) -> dict[str, Any]:
        return self.records[(table, key)]

    def update(self, table: str, key: Any, values: dict[str, Any], actor: Any = None) -> Any:
        if (table, key) not in self.records:
            from gateway.errors import RecordNotFound

            raise RecordNotFound(f"{table}/{key} not found")
        self.updates.append((table, key, values))
        self.records[(table, key)].update(values)


ACC_DOC = TableFacts(
    "acc_doc", "acc_doc_ID",
    {c.name.lower(): c for c in (
        ColumnFacts("acc_doc_ID", False), ColumnFacts("DocumentNo", False, 30),
        ColumnFacts("IsApproved", True, 1), ColumnFacts("DocStatus", False, 2),
        ColumnFacts("PriorityRule", False, 1), ColumnFacts("Note", False, 20),
        ColumnFacts("SalesRep_ID", False), ColumnFacts("AD_Client_ID", False),
    )},
    model_id=42, uid="acc_doc_UU", identifier=("DocumentNo",),
)  # fmt: skip
USERS = {
    "ann": UserRef(101, "ann", True, frozenset({11}), frozenset({201})),
    "bob": UserRef(102, "bob", True, frozenset({11}), frozenset({201})),
    "sue": UserRef(103, "sue", True, frozenset({11}), frozenset({202})),
    "cli": UserRef(104, "cli", True, frozenset({11}), frozenset({203})),
    "zed": UserRef(105, "zed", True, frozenset({12}), frozenset({204})),
}
ROLES = {"approver": RoleRef(201, "Approver", 11), "supervisor": RoleRef(202, "Supervisor", 11)}


class FakeDirectory:
    def user(self, name_or_id: Any) -> UserRef | None:
        for user in USERS.values():
            if str(name_or_id).lower() in (user.name, str(user.user_id)):
                return user
        return None

    def role(self, name_or_id: Any) -> RoleRef | None:
        for role in ROLES.values():
            if str(name_or_id).lower() in (role.name.lower(), str(role.role_id)):
                return role
        return None

    def table(self, model_name: str) -> TableFacts | None:
        return ACC_DOC if model_name.lower() == "acc_doc" else None


def actor(name: str, client_id: int = 11, permissions: tuple[str, ...] = (), admin: bool = False) -> Actor:
    user = USERS.get(name)
    policy = RolePolicy(
        role_id=1, role_name="R", client_id=client_id, is_admin=admin, permissions=frozenset(permissions)
    )
    return Actor(user.user_id if user else 1, name, client_id, 1, 0, policy)


@pytest.fixture
def gw(wf_databases: Databases) -> FakeGateway:
    return FakeGateway(wf_databases.meta)


@pytest.fixture
def bundle(gw: FakeGateway) -> Bundle:
    made = Bundle(gw)
    directory = FakeDirectory()
    for service in (made.activities, made.definitions):
        service.directory = directory
    made.directory = directory
    return made


DOC_APPROVAL: dict[str, Any] = {
    "name": "DOC-APPROVAL", "version": "1.0", "description": "Approve documents", "author": "ops",
    "record_table": "acc_doc", "keylist": ["docno"], "options": {"reminder_hours": 24},
    "option_list": ["reminder_hours", "retry_delay_secs"], "autostart": 1,
    "max_instances": 5, "enabled": True,
    "steps": [
        {"name": "approve", "type": "approval", "responsible": {"role": "Approver"}, "priority": 80,
         "description": "Approve the document", "set_on_approve": {"DocStatus": "CO"}},
        {"name": "choose", "type": "userchoice", "column": "PriorityRule", "responsible": {"invoker": True},
         "values": [{"value": "1", "name": "Urgent"}, {"value": "5", "name": "Medium"},
                    {"value": "9", "name": "Low"}]},
        {"name": "tell", "type": "notify", "responsible": {"user": "ann"}},
        {"name": "post", "type": "normal", "function": "builtin.noop"},
    ],
}  # fmt: skip


def sync_doc(version: str = "1.0", name: str = "SYNC", **extra: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "autostart": 1, "max_instances": 10,
            "steps": [{"name": "s1", "type": "normal", "function": "builtin.scripted"}], **extra}  # fmt: skip


@pytest.fixture
def doc_approval() -> dict[str, Any]:
    import copy

    return copy.deepcopy(DOC_APPROVAL)


@pytest.fixture
def make_sync() -> Any:
    return sync_doc


@pytest.fixture
def make_actor() -> Any:
    return actor


__all__ = ["replace"]
