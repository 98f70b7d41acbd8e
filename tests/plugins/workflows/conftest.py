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


# --- HTTP fixtures: the plugin inside a real app, the acc_doc table and the users of workflows.md §10 ---

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-abcdefghijklmnop"
ROLE_GRANTS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    # role -> (client, read tables, permissions)
    "Approver": (11, (), ()),
    "Supervisor": (11, ("acc_doc",), ("activities.supervise", "activities.start", "workflows.read")),
    "Clerk": (11, ("acc_doc",), ("activities.start",)),
    "Approver12": (12, ("acc_doc",), ("activities.start",)),
    "Scoped": (11, (), ("workflows.read", "workflows.control", "workflows.access:OTHER")),
}
USER_ROLES = {"ann": "Approver", "bob": "Approver", "sue": "Supervisor", "cli": "Clerk", "zed": "Approver12",
              "sco": "Scoped"}  # fmt: skip
ACC_DOC_ROWS = [(1, 11, "D-1"), (2, 11, "D-2"), (3, 12, "D-3")]


def acc_doc_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "acc_doc", metadata,
        sa.Column("acc_doc_ID", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("AD_Client_ID", sa.Integer, nullable=False),
        sa.Column("DocumentNo", sa.String(30)),
        sa.Column("IsApproved", sa.CHAR(1), server_default="N"),
        sa.Column("DocStatus", sa.CHAR(2), server_default="DR"),
        sa.Column("PriorityRule", sa.String(1)),
        sa.Column("Note", sa.String(20)),
        sa.Column("SalesRep_ID", sa.Integer),
        sa.Column("acc_doc_UU", sa.String(36)),
    )  # fmt: skip


@pytest.fixture
def acc_doc(backend: Any) -> Iterator[None]:
    """`acc_doc` in the backend's database for one test (created before the per-test copy, dropped after)."""
    metadata = sa.MetaData()
    acc_doc_table(metadata)
    metadata.create_all(backend.engine, checkfirst=True)
    yield
    metadata.drop_all(backend.engine, checkfirst=True)


def seed_accounts(meta: Any, data: Any) -> None:
    from gateway.meta import store
    from gateway.meta.store import RoleGrants
    from gateway.meta.tables import core_tables

    tables = core_tables(sa.MetaData())
    now = FixedClock().now()
    with meta.begin() as conn:
        roles = {
            name: store.add_role(conn, tables, name, client_id=client, is_admin=False,
                                 grants=RoleGrants(orgs=(0,), read=read, permissions=perms))
            for name, (client, read, perms) in ROLE_GRANTS.items()
        }  # fmt: skip
        for user, role in USER_ROLES.items():
            user_id = store.add_user(conn, tables, user, None, is_service=False, now=now)
            store.assign_role(conn, tables, user_id, roles[role])
    table = acc_doc_table(sa.MetaData())
    with data.begin() as conn:
        rows = [
            {
                "acc_doc_ID": k,
                "AD_Client_ID": c,
                "DocumentNo": n,
                "acc_doc_UU": f"00000000-0000-4000-8000-{k:012d}",
            }
            for k, c, n in ACC_DOC_ROWS
        ]
        conn.execute(table.insert(), rows)


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
