"""Helpers of the orders plugin tests: the users and roles of orders.md §16.1, the acceptance workflows and
error definitions, and `Api` for requests and state recipes."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import gateway.plugins.orders as orders_plugin
import gateway.plugins.workflows as workflows_plugin

START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
OPERATOR = (
    "orders.read",
    "orders.create",
    "orders.exec_sync",
    "orders.retry",
    "orders.block",
    "orders.cancel",
    "orders.set_error",
    "orders.reschedule",
    "orders.reprioritize",
    "orders.skip_step",
    "orders.lock",
    "orders.notes",
    "orders.edit_data",
    "orders.async",
    "orders.events",
)
USERS = {  # user -> (client, role name, permissions)
    "opA": (11, "Operator", OPERATOR),
    "opB": (11, "Operator", OPERATOR),
    "sup": (11, "Supervisor", ("orders.admin",)),
    "viewer": (11, "Viewer", ("orders.read",)),
    "keeper": (
        11,
        "Keeper",
        ("orders.admin", "orders.sensitive.read", "orders.sensitive.write", "orders.sensitive.delete"),
    ),
    "other": (12, "Other", ("orders.admin",)),
    "scoped": (11, "Scoped", (*OPERATOR, "workflows.access:ACC-V")),
}


def _scripted(name: str, step_type: str = "normal") -> dict[str, Any]:
    return {"name": name, "type": step_type, "function": "builtin.scripted"}


def acc_workflows() -> list[dict[str, Any]]:
    def doc(name: str, version: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {"name": name, "version": version, "autostart": 1, "max_instances": 5, "steps": steps, **extra}

    w_steps = [_scripted("s1"), _scripted("s2", "async"), _scripted("s3", "event")]
    return [
        doc("ACC-W", "1.0", w_steps, keylist=["invoice", "customer", "ref"], option_list=["opt1"]),
        doc("ACC-W", "2.0", w_steps, keylist=["invoice", "customer", "ref"], option_list=["opt1"]),
        doc("ACC-V", "1.0", [_scripted("s1")], keylist=["invoice"]),
        doc("ACC-OFF", "1.0", [_scripted("s1")], keylist=["invoice"], enabled=False),
        doc(
            "ACC-P",
            "1.0",
            [
                {
                    "name": "p1",
                    "type": "subworkflow",
                    "function": "builtin.subworkflow",
                    "options": {"workflow": "ACC-W"},
                },
                _scripted("p2"),
            ],
        ),
        doc("ACC-ARR", "1.0", [{"name": "a1", "type": "normal", "function": "builtin.scripted_array"}]),
    ]


def plugins() -> list[Any]:
    installed = {ep.value for ep in entry_points(group="gateway.plugins")}
    return [
        p
        for p, name in (
            (workflows_plugin, "gateway.plugins.workflows"),
            (orders_plugin, "gateway.plugins.orders"),
        )
        if name not in installed
    ]


def seed(app: Any, databases: Any) -> None:
    from gateway.meta import store
    from gateway.meta.store import RoleGrants

    state = app.extensions["gateway"]
    with databases.meta.begin() as conn:
        roles: dict[tuple[int, str], int] = {}
        for user, (client, role, perms) in USERS.items():
            if (client, role) not in roles:
                roles[(client, role)] = store.add_role(
                    conn,
                    state.meta,
                    role,
                    client_id=client,
                    is_admin=False,
                    grants=RoleGrants(permissions=perms, read=("c_bpartner",)),
                )
            user_id = store.add_user(conn, state.meta, user, None, is_service=False, now=START)
            store.assign_role(conn, state.meta, user_id, roles[(client, role)])
    bundle = state.extras["gateway.facade"].service("workflows._bundle")
    for doc in acc_workflows():
        bundle.definitions.create(doc)
    for body in (
        {"error": "ACC-ERR", "description": "acceptance error", "severity": "MAJOR"},
        {"error": "ACC-RETRY", "description": "retried", "retry_flag": True, "retry_delay_secs": 60},
        {"error": "ACC-BIZ", "description": "business", "business_flag": True},
    ):
        bundle.errors.create_global(body)


class Api:
    """Requests as a named user over HTTPS (or HTTP with secure=False)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        from gateway.testing import bearer, session_token

        if user not in self.tokens:
            if user == "admin":
                self.tokens[user] = session_token(
                    self.app, "GardenAdmin", client_id=11, role="GardenWorld Admin"
                )
            else:
                client, role, _ = USERS[user]
                self.tokens[user] = session_token(self.app, user, client_id=client, role=role)
        return bearer(self.tokens[user])

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str = "opA",
        secure: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Any:
        base = "https://localhost" if secure else "http://localhost"
        return self.client.open(
            f"/api/v1{path}",
            method=method,
            json=body,
            base_url=base,
            headers={**self.headers(user), **(headers or {})},
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, body, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def create(self, body: Any = None, wf: str = "ACC-W:1.0", **kw: Any) -> int:
        reply = self.post(f"/workflows/{wf}?action=createOrder", body or {"staticdata": {"a": 1}}, **kw)
        assert reply.status_code == 201, reply.get_json()
        return int(reply.get_json()["workflow_instanceid"])

    def detail(self, order_id: int, **kw: Any) -> dict[str, Any]:
        reply = self.get(f"/orders/{order_id}", **kw)
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()  # type: ignore[no-any-return]

    def status(self, order_id: int) -> str:
        return str(self.detail(order_id, user="admin")["workflowstatus"])

    def drain(self) -> dict[str, int]:
        from gateway.testing import run_background

        return run_background(self.app)

    def recipe(self, name: str) -> int:
        """The state recipes of orders.md §16.1 (on ACC-W 1.0 by opA)."""
        scripts = {
            "ERROR": {"s1": "error:ACC-ERR"},
            "RETRY": {"s1": "error:ACC-RETRY"},
            "ASYNC-WAITING": {"s2": "async"},
            "EVENT-WAITING": {"s3": "event:EV:k1"},
        }
        if name in scripts:
            order_id = self.create({"staticdata": {"script": scripts[name]}})
            self.drain()
            return order_id
        if name == "COMPLETE":
            order_id = self.create()
            self.drain()
            return order_id
        if name == "SCHEDULED":
            return self.create({"staticdata": {"a": 1}, "scheduled": "2026-01-15T13:00:00Z"})
        if name == "BLOCKED":
            return self.create({"staticdata": {"a": 1}, "status": "BLOCKED"})
        if name == "WAITING":
            parent = self.create({"staticdata": {"child": {"script": {"s2": "async"}}}}, wf="ACC-P")
            self.drain()
            return parent
        order_id = self.create()
        if name == "IN-PROGRESS":
            self.hold(order_id)
        elif name == "CANCELED":
            assert self.put(f"/orders/{order_id}?action=cancel").status_code == 200
        return order_id

    def hold(self, order_id: int, keep_status: bool = False) -> int:
        from gateway.plugins.orders.recovery import hold

        with self.app.app_context():
            return hold(
                self.app.extensions["gateway"].extras["gateway.facade"].service("orders._bundle").engine,
                order_id,
                keep_status,
            )
