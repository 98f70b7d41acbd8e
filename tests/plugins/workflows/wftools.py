"""Shared values of the workflows plugin tests (documents, accounts, the acc_doc table).

A plain module, so that test modules import it by name instead of importing `conftest`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.jobs.clock import FixedClock

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
