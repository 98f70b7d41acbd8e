"""The core gw_* tables of the meta database, declared once on a caller's MetaData.

Only declarations: no engine, no I/O. Portable types (identity integer keys, timezone-aware timestamps,
lower-case snake_case names) so the same tables serve SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
_TS = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", _ID, sa.Identity(), primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, _ID, sa.ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


@dataclass(frozen=True, slots=True)
class CoreTables:
    """One attribute per core table."""

    user: sa.Table
    role: sa.Table
    user_role: sa.Table
    role_org: sa.Table
    role_table: sa.Table
    role_column_deny: sa.Table
    role_permission: sa.Table
    session: sa.Table
    refresh_token: sa.Table
    api_token: sa.Table
    login_failure: sa.Table
    login_rate: sa.Table
    secret: sa.Table
    sysconfig: sa.Table
    val_rule: sa.Table
    model: sa.Table
    sequence: sa.Table
    cache_epoch: sa.Table
    audit: sa.Table
    job: sa.Table
    engine_session: sa.Table
    periodic: sa.Table


def _identity_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    user = sa.Table(
        "gw_user", md, _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_lower", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("is_active", sa.Boolean, nullable=False, default=True),
        sa.Column("is_service", sa.Boolean, nullable=False, default=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("password_changed", _TS),
    )  # fmt: skip
    role = sa.Table(
        "gw_role", md, _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_lower", sa.String(100), nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
        sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
        sa.Column("is_active", sa.Boolean, nullable=False, default=True),
        sa.UniqueConstraint("client_id", "name_lower", name="uq_gw_role_client_name"),
    )  # fmt: skip
    user_role = sa.Table(
        "gw_user_role", md,
        _fk("user_id", "gw_user.id"), _fk("role_id", "gw_role.id"),
        sa.PrimaryKeyConstraint("user_id", "role_id", name="pk_gw_user_role"),
    )  # fmt: skip
    role_org = sa.Table(
        "gw_role_org", md, _fk("role_id", "gw_role.id"), sa.Column("org_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("role_id", "org_id", name="pk_gw_role_org"),
    )  # fmt: skip
    role_table = sa.Table(
        "gw_role_table", md, _fk("role_id", "gw_role.id"),
        sa.Column("table_pattern", sa.String(128), nullable=False),
        sa.Column("can_write", sa.Boolean, nullable=False, default=False),
        sa.PrimaryKeyConstraint("role_id", "table_pattern", name="pk_gw_role_table"),
    )  # fmt: skip
    role_column_deny = sa.Table(
        "gw_role_column_deny", md, _fk("role_id", "gw_role.id"),
        sa.Column("table_pattern", sa.String(128), nullable=False),
        sa.Column("column_name", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "table_pattern", "column_name", name="pk_gw_role_column_deny"),
    )  # fmt: skip
    role_permission = sa.Table(
        "gw_role_permission", md, _fk("role_id", "gw_role.id"),
        sa.Column("permission", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "permission", name="pk_gw_role_permission"),
    )  # fmt: skip
    return locals()


def _token_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    session = sa.Table(
        "gw_session", md, _id(),
        _fk("user_id", "gw_user.id"), _fk("role_id", "gw_role.id"),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("warehouse_id", sa.Integer),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("absolute_expires_at", _TS, nullable=False),
        sa.Column("logged_out_at", _TS),
        sa.Column("revoke_reason", sa.String(1)),
    )  # fmt: skip
    refresh_token = sa.Table(
        "gw_refresh_token", md, _id(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _fk("session_id", "gw_session.id"),
        sa.Column("parent_id", _ID),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS),
        sa.Column("revoked_at", _TS),
    )  # fmt: skip
    api_token = sa.Table(
        "gw_api_token", md, _id(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _fk("user_id", "gw_user.id"), _fk("role_id", "gw_role.id"),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False, default=0),
        sa.Column("warehouse_id", sa.Integer),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("expires_at", _TS),
        sa.Column("last_used_at", _TS),
        sa.Column("revoked_at", _TS),
    )  # fmt: skip
    login_failure = sa.Table(
        "gw_login_failure", md,
        sa.Column("name_lower", sa.String(100), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, default=0),
        sa.Column("window_start", _TS, nullable=False),
        sa.Column("locked_until", _TS),
    )  # fmt: skip
    login_rate = sa.Table(
        "gw_login_rate", md,
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("minute", sa.BigInteger, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, default=0),
        sa.PrimaryKeyConstraint("address", "minute", name="pk_gw_login_rate"),
    )  # fmt: skip
    secret = sa.Table(
        "gw_secret", md, _id(),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("created", _TS, nullable=False),
    )  # fmt: skip
    return locals()


def _service_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    sysconfig = sa.Table(
        "gw_sysconfig", md,
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
        sa.Column("value", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("updated", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", "client_id", name="pk_gw_sysconfig"),
    )  # fmt: skip
    val_rule = sa.Table(
        "gw_val_rule", md, _id(),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("table_name", sa.String(128)),
        sa.Column("filter", sa.Text, nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("is_active", sa.Boolean, nullable=False, default=True),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
    )  # fmt: skip
    model = sa.Table(
        "gw_model", md, _id(), sa.Column("table_name", sa.String(128), nullable=False, unique=True)
    )
    sequence = sa.Table(
        "gw_sequence", md,
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("next_value", sa.BigInteger, nullable=False),
    )  # fmt: skip
    cache_epoch = sa.Table(
        "gw_cache_epoch", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger, nullable=False, default=0),
    )  # fmt: skip
    return locals()


def _work_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    audit = sa.Table(
        "gw_audit", md,
        sa.Column("audit_id", _ID, sa.Identity(), primary_key=True),
        sa.Column("created", _TS, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
        sa.Column("user_id", _ID), sa.Column("user_name", sa.String(100)), sa.Column("role_id", _ID),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("plugin", sa.String(50)), sa.Column("resource", sa.String(50), nullable=False),
        sa.Column("resource_id", sa.String(100)), sa.Column("action", sa.String(100), nullable=False),
        sa.Column("old_state", sa.String(100)), sa.Column("new_state", sa.String(100)),
        sa.Column("note", sa.Text), sa.Column("detail", sa.JSON), sa.Column("request_id", sa.String(64)),
        sa.Index("ix_gw_audit_resource", "resource", "resource_id", "audit_id"),
        sa.Index("ix_gw_audit_created", "created"),
    )  # fmt: skip
    job = sa.Table(
        "gw_job", md, _id(),
        sa.Column("kind", sa.String(100), nullable=False), sa.Column("ref", sa.String(200)),
        sa.Column("client_id", sa.Integer, nullable=False, default=0), sa.Column("payload", sa.JSON),
        sa.Column("priority", sa.Integer, nullable=False, default=500),
        sa.Column("status", sa.String(10), nullable=False, default="queued"),
        sa.Column("not_before", _TS), sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("max_attempts", sa.Integer, nullable=False, default=1),
        sa.Column("claimed_by", _ID), sa.Column("claimed_at", _TS), sa.Column("lease_until", _TS),
        sa.Column("finished_at", _TS), sa.Column("last_error", sa.Text),
        sa.Column("created", _TS, nullable=False),
        sa.Index("ix_gw_job_claim", "status", "not_before", "priority", "id"),
    )  # fmt: skip
    return locals()


def _runner_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    """Engine sessions and periodic-task leases (plugins.md §9.5, §9.7); added by revision 0002."""
    engine_session = sa.Table(
        "gw_engine_session", md, _id(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.Column("hostname", sa.String(200), nullable=False), sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started", _TS, nullable=False), sa.Column("heartbeat_at", _TS, nullable=False),
        sa.Column("stopped_at", _TS),
        sa.Index("ix_gw_engine_session_heartbeat", "heartbeat_at"),
    )  # fmt: skip
    periodic = sa.Table(
        "gw_periodic", md,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("every_seconds", sa.Float, nullable=False), sa.Column("next_run_at", _TS, nullable=False),
        sa.Column("holder", _ID), sa.Column("lease_until", _TS), sa.Column("last_run_at", _TS),
        sa.Column("last_error", sa.Text),
    )  # fmt: skip
    return locals()


def core_tables(metadata: sa.MetaData) -> CoreTables:
    """Declare every core gw_* table on `metadata` and return them by role."""
    tables: dict[str, sa.Table] = {}
    for declare in (_identity_tables, _token_tables, _service_tables, _work_tables, _runner_tables):
        tables.update({name: t for name, t in declare(metadata).items() if isinstance(t, sa.Table)})
    return CoreTables(**tables)
