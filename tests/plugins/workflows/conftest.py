"""Fixtures of the workflows plugin tests: its tables on every backend, a Gateway stand-in over the
per-test savepoint source, and a Directory with the users, roles and `acc_doc` table of workflows.md §10."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import sqlalchemy as sa
from wftools import (
    DOC_APPROVAL,
    ROLE_GRANTS,
    SECRET,
    USER_ROLES,
    acc_doc_table,
    seed_accounts,
    sync_doc,
)

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


# --- HTTP fixtures: the plugin inside a real app, the acc_doc table and the users of workflows.md §10 ---


@pytest.fixture
def acc_doc(backend: Any) -> Iterator[None]:
    """`acc_doc` in the backend's database for one test (created before the per-test copy, dropped after)."""
    metadata = sa.MetaData()
    acc_doc_table(metadata)
    metadata.create_all(backend.engine, checkfirst=True)
    yield
    metadata.drop_all(backend.engine, checkfirst=True)


@pytest.fixture
def app(acc_doc: None, wf_databases: Databases) -> Any:
    from wf_fake_orders import FakeOrders

    from gateway.testing import make_test_app

    seed_accounts(wf_databases.meta, wf_databases.data)
    orders = FakeOrders()
    made = make_test_app({"secret_key": SECRET, "plugins": "workflows"}, databases=wf_databases,
                         plugins=[orders])  # fmt: skip
    made.config["fake_orders"] = orders
    return made


@pytest.fixture
def orders(app: Any) -> Any:
    return app.config["fake_orders"]


@pytest.fixture
def as_user(app: Any) -> Any:
    """as_user("ann") -> bearer headers of a session in the user's role and client; "admin" = SuperUser."""
    from gateway.testing import bearer, session_token

    def _login(user: str) -> dict[str, Any]:
        if user == "admin":
            return bearer(session_token(app, "SuperUser", client_id=0, role="Admin"))
        role = USER_ROLES[user]
        return bearer(session_token(app, user, client_id=ROLE_GRANTS[role][0], role=role))

    return _login
