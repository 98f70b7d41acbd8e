"""Helpers of the integration tests (workflows plugin with the real orders engine): the users, roles,
`acc_doc` table and workflows of workflows.md §10 and orders.md §16.1, and `Env` for requests as a user."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import sqlalchemy as sa

from gateway.jobs.clock import FixedClock

W = "/api/v1/workflow"
START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
OPERATOR = (
    "orders.read", "orders.create", "orders.exec_sync", "orders.retry", "orders.block", "orders.cancel",
    "orders.set_error", "orders.reschedule", "orders.skip_step", "orders.async", "orders.edit_data",
)  # fmt: skip
ROLES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    # role -> (client, read tables, permissions)
    "Approver": (11, (), ()),
    "Supervisor": (11, ("acc_doc",), ("activities.supervise", "activities.start", "workflows.read")),
    "Clerk": (11, ("acc_doc", "c_order"), ("activities.start", "orders.read")),
    "Operator": (11, ("acc_doc",), OPERATOR),
}
USERS = {"ann": "Approver", "bob": "Approver", "sue": "Supervisor", "cli": "Clerk", "opA": "Operator"}
ACC_DOC_ROWS = [(1, 11, "D-1"), (2, 11, "D-2"), (3, 12, "D-3")]

DOC_APPROVAL: dict[str, Any] = {
    "name": "DOC-APPROVAL", "version": "1.0", "record_table": "acc_doc", "autostart": 1, "max_instances": 5,
    "option_list": ["retry_delay_secs"],
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


def plugin_modules() -> dict[str, Any]:
    """Installed plugins plus workflows and orders (both always present in these tests)."""
    import gateway.plugins.orders as orders_plugin
    import gateway.plugins.workflows as workflows_plugin

    modules = {ep.value: ep.load() for ep in entry_points(group="gateway.plugins")}
    modules.setdefault("gateway.plugins.workflows", workflows_plugin)
    modules["gateway.plugins.orders"] = orders_plugin
    return modules


def migration_locations() -> list[str]:
    return [m.register_migrations() for m in plugin_modules().values() if hasattr(m, "register_migrations")]


def extra_plugins() -> list[Any]:
    """Workflows and orders when they are not installed as entry points (the app loads those itself)."""
    installed = {ep.value for ep in entry_points(group="gateway.plugins")}
    modules = plugin_modules()
    return [
        modules[name]
        for name in ("gateway.plugins.workflows", "gateway.plugins.orders")
        if name not in installed
    ]


def scripted(name: str, version: str = "1.0", **extra: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "autostart": 1, "max_instances": 10,
            "steps": [{"name": "s1", "type": "normal", "function": "builtin.scripted"}], **extra}  # fmt: skip


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


def seed(app: Any) -> None:
    """Roles, users and `acc_doc` rows in the test's databases; DOC-APPROVAL, SYNC and OTHER defined."""
    from gateway.meta import store
    from gateway.meta.store import RoleGrants

    state = app.extensions["gateway"]
    now = FixedClock().now()
    with state.databases.meta.begin() as conn:
        roles = {
            name: store.add_role(conn, state.meta, name, client_id=client, is_admin=False,
                                 grants=RoleGrants(read=read, permissions=perms))
            for name, (client, read, perms) in ROLES.items()
        }  # fmt: skip
        for user, role in USERS.items():
            user_id = store.add_user(conn, state.meta, user, None, is_service=False, now=now)
            store.assign_role(conn, state.meta, user_id, roles[role])
    uid = "00000000-0000-4000-8000-{:012d}"
    rows = [{"acc_doc_ID": k, "AD_Client_ID": c, "DocumentNo": n, "acc_doc_UU": uid.format(k)}
            for k, c, n in ACC_DOC_ROWS]  # fmt: skip
    with state.databases.data.begin() as conn:
        conn.execute(acc_doc_table(sa.MetaData()).insert(), rows)
    bundle = state.extras["gateway.facade"].service("workflows._bundle")
    for doc in (copy.deepcopy(DOC_APPROVAL), scripted("SYNC"), scripted("OTHER")):
        bundle.definitions.create(doc)


class Env:
    """Requests as a named user ("admin" = GardenWorld Admin of client 11) and the background runner."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        from gateway.testing import bearer, session_token

        if user not in self.tokens:
            if user == "admin":
                token = session_token(self.app, "GardenAdmin", client_id=11, role="GardenWorld Admin")
            else:
                token = session_token(self.app, user, client_id=ROLES[USERS[user]][0], role=USERS[user])
            self.tokens[user] = token
        return bearer(self.tokens[user])

    def call(self, method: str, path: str, body: Any = None, user: str = "admin") -> Any:
        return self.client.open(
            f"/api/v1{path}",
            method=method,
            json=body,
            base_url="https://localhost",
            headers=self.headers(user),
        )

    def ok(self, method: str, path: str, body: Any = None, user: str = "admin", status: int = 200) -> Any:
        reply = self.call(method, path, body, user)
        assert reply.status_code == status, (path, reply.get_json())
        return reply.get_json()

    def drain(self) -> dict[str, int]:
        from gateway.testing import run_background

        return run_background(self.app, until_idle=True)

    def clock(self) -> FixedClock:
        from gateway.testing import app_clock

        return app_clock(self.app)

    # --- workflows plugin ---
    def start(
        self, record: int = 1, user: str = "cli", workflow: str = "DOC-APPROVAL", model: str = "acc_doc"
    ) -> Any:
        body = {"workflow": workflow, "model-name": model, "record-id": record}
        return self.call("POST", "/workflow/start", body, user)

    def started(self, record: int = 1, **kw: Any) -> tuple[int, int]:
        reply = self.start(record, **kw)
        assert reply.status_code == 201, reply.get_json()
        body = reply.get_json()
        return int(body["workflow_instanceid"]), int(body["activities"][0]["id"])

    def inbox(self, user: str) -> list[dict[str, Any]]:
        return self.ok("GET", "/workflow", user=user)["records"]  # type: ignore[no-any-return]

    def act(self, user: str, action: str, node: Any, body: dict[str, Any] | None = None) -> Any:
        return self.call("PUT", f"/workflow/{action}/{node}", body or {}, user)

    def node(self, node: Any, user: str = "admin") -> dict[str, Any]:
        return self.ok("GET", f"/workflow/nodes/{node}", user=user)  # type: ignore[no-any-return]

    def record(self, model: str, key: int) -> dict[str, Any]:
        return self.ok("GET", f"/models/{model}/{key}")  # type: ignore[no-any-return]

    # --- orders plugin ---
    def order(self, order_id: int, user: str = "admin") -> dict[str, Any]:
        return self.ok("GET", f"/orders/{order_id}", user=user)  # type: ignore[no-any-return]

    def step(self, order_id: int, name: str) -> dict[str, Any]:
        [step] = [s for s in self.order(order_id)["StepInstances"] if s["stepname"] == name]
        return step  # type: ignore[no-any-return]

    def create(self, workflow: str, staticdata: dict[str, Any], user: str = "opA") -> int:
        body = self.ok(
            "POST", f"/workflows/{workflow}?action=createOrder", {"staticdata": staticdata}, user, 201
        )
        return int(body["workflow_instanceid"])
