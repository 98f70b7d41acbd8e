"""The orders plugin's gw_* Core tables (orders.md §14) and a read-only view of the core's engine sessions.

Declarations only (no engine, no I/O, no ORM); timestamps are bound from the app clock, never server defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
_TS = sa.DateTime(timezone=True)
_SHA = sa.CHAR(64)


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, _ID, sa.Identity(), primary_key=True)


@dataclass(frozen=True, slots=True)
class OrderTables:
    """One attribute per table of the plugin, plus `session` (the core's gw_engine_session, read-only)."""

    order: sa.Table
    key: sa.Table
    unique_key: sa.Table
    step: sa.Table
    error: sa.Table
    note: sa.Table
    sensitive: sa.Table
    sensitive_alias: sa.Table
    sync_event: sa.Table
    session: sa.Table
    audit: sa.Table


def _order_table(md: sa.MetaData) -> sa.Table:
    # `run_from` precedes `workflowstatus`: MariaDB evaluates SET assignments left to right, and the claim
    # copies the status it replaces
    return sa.Table(
        "gw_order",
        md,
        _key("workflow_instanceid"),
        sa.Column("workflowid", _ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer),
        sa.Column("creator_user_id", sa.Integer),
        sa.Column("creator_name", sa.String(100)),
        sa.Column("run_from", sa.String(20)),
        sa.Column("workflowstatus", sa.String(20), nullable=False),
        sa.Column("workflowstatus_orig", sa.String(20)),
        sa.Column("status_sessionid", _ID, nullable=False),
        sa.Column("ready_at", _TS),
        sa.Column("retry_at", _TS),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("scheduled", _TS),
        sa.Column("started", _TS, nullable=False),
        sa.Column("processing_started", _TS),
        sa.Column("completed", _TS),
        sa.Column("modified", _TS, nullable=False),
        sa.Column("parent_workflow_instanceid", _ID),
        sa.Column("subworkflow", sa.Boolean, nullable=False),
        sa.Column("synchronous", sa.Boolean, nullable=False),
        sa.Column("business_error", sa.Boolean, nullable=False),
        sa.Column("custom_status", sa.String(100)),
        sa.Column("custom_status_desc", sa.Text),
        sa.Column("operator_lock", sa.String(100)),
        sa.Column("note_count", sa.Integer, nullable=False),
        sa.Column("warning_count", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("external_order_instanceid", sa.String(200)),
        sa.Column("staticdata", sa.JSON),
        sa.Column("dynamicdata", sa.JSON),
        sa.Column("run_options", sa.JSON),
        sa.Column("held", sa.JSON),
        sa.Column("has_sensitive_data", sa.Boolean, nullable=False),
        sa.Index("ix_gw_order_dispatch", "status_sessionid", "ready_at", "priority"),
        sa.Index("ix_gw_order_client_modified", "client_id", "modified"),
        sa.Index("ix_gw_order_workflow_status", "workflowid", "workflowstatus"),
        sa.Index("ix_gw_order_parent", "parent_workflow_instanceid"),
    )


def _key_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    key = sa.Table(
        "gw_order_key",
        md,
        _key("id"),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.Column("keyname", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_sha256", _SHA, nullable=False),
        sa.Index("ix_gw_order_key_value", "keyname", "value_sha256"),
        sa.Index("ix_gw_order_key_order", "workflow_instanceid"),
    )
    unique = sa.Table(
        "gw_order_unique_key",
        md,
        _key("id"),
        sa.Column("scope", sa.String(1), nullable=False),
        sa.Column("scope_value", sa.String(200), nullable=False),
        sa.Column("keyname", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_sha256", _SHA, nullable=False),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.UniqueConstraint("scope", "scope_value", "keyname", "value_sha256", name="uq_gw_order_unique_key"),
        sa.Index("ix_gw_order_unique_key_order", "workflow_instanceid"),
    )
    return key, unique


def _run_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    step = sa.Table(
        "gw_order_step",
        md,
        sa.Column("workflow_instanceid", _ID, primary_key=True, autoincrement=False),
        sa.Column("stepid", _ID, primary_key=True, autoincrement=False),
        sa.Column("ind", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stepstatus", sa.String(20), nullable=False),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("skip", sa.Boolean, nullable=False),
        sa.Column("custom_status", sa.String(100)),
        sa.Column("started", _TS),
        sa.Column("completed", _TS),
        sa.Column("subworkflow_instanceid", _ID),
        sa.Column("business_error", sa.Boolean, nullable=False),
        sa.Column("async_key", sa.String(400)),
        sa.Column("answer", sa.JSON),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("event_type", sa.String(100)),
        sa.Column("event_key", sa.String(400)),
    )
    error = sa.Table(
        "gw_order_error",
        md,
        _key("error_instanceid"),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("stepid", _ID),
        sa.Column("stepname", sa.String(64)),
        sa.Column("ind", sa.Integer),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("retry", sa.Integer, nullable=False),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("info", sa.Text),
        sa.Column("business_error", sa.Boolean, nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Index("ix_gw_order_error_order", "workflow_instanceid"),
        sa.Index("ix_gw_order_error_created", "created"),
    )
    note = sa.Table(
        "gw_order_note",
        md,
        _key("note_id"),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Index("ix_gw_order_note_order", "workflow_instanceid"),
    )
    return step, error, note


def _sensitive_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    sensitive = sa.Table(
        "gw_order_sensitive",
        md,
        _key("id"),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("skey", sa.String(100), nullable=False),
        sa.Column("svalue_hmac", _SHA, nullable=False),
        sa.Column("svalue_enc", sa.Text, nullable=False),
        sa.Column("data_enc", sa.Text, nullable=False),
        sa.Column("aliases_enc", sa.Text, nullable=False),
        sa.Column("meta", sa.JSON),
        sa.UniqueConstraint("workflow_instanceid", "skey", "svalue_hmac", name="uq_gw_order_sensitive"),
        sa.Index("ix_gw_order_sensitive_value", "skey", "svalue_hmac"),
    )
    alias = sa.Table(
        "gw_order_sensitive_alias",
        md,
        _key("id"),
        sa.Column("sensitive_id", _ID, nullable=False),
        sa.Column("alias_hmac", _SHA, nullable=False),
        sa.Index("ix_gw_order_sensitive_alias", "alias_hmac"),
        sa.Index("ix_gw_order_sensitive_alias_owner", "sensitive_id"),
    )
    event = sa.Table(
        "gw_sync_event",
        md,
        _key("id"),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("eventkey", sa.String(400), nullable=False),
        sa.Column("posted_at", _TS, nullable=False),
        sa.UniqueConstraint("client_id", "type", "eventkey", name="uq_gw_sync_event"),
    )
    return sensitive, alias, event


def _session_view(md: sa.MetaData) -> sa.Table:
    """The columns of the core's gw_engine_session this plugin reads (liveness) and writes (sync runs)."""
    return sa.Table(
        "gw_engine_session",
        md,
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(10)),
        sa.Column("node_id", sa.String(200)),
        sa.Column("hostname", sa.String(200)),
        sa.Column("pid", sa.Integer),
        sa.Column("started", _TS),
        sa.Column("heartbeat_at", _TS),
        sa.Column("stopped_at", _TS),
    )


def _audit_view(md: sa.MetaData) -> sa.Table:
    """The columns of the core's gw_audit this plugin reads for `AuditEvents`."""
    return sa.Table(
        "gw_audit",
        md,
        sa.Column("audit_id", _ID, primary_key=True),
        sa.Column("created", _TS),
        sa.Column("client_id", sa.Integer),
        sa.Column("user_name", sa.String(100)),
        sa.Column("source", sa.String(20)),
        sa.Column("resource", sa.String(40)),
        sa.Column("resource_id", sa.String(100)),
        sa.Column("action", sa.String(60)),
        sa.Column("old_state", sa.String(100)),
        sa.Column("new_state", sa.String(100)),
        sa.Column("note", sa.Text),
    )


def order_tables(metadata: sa.MetaData) -> OrderTables:
    """Add the plugin's tables to `metadata`; the engine-session view lives in a MetaData of its own."""
    order = _order_table(metadata)
    key, unique = _key_tables(metadata)
    step, error, note = _run_tables(metadata)
    sensitive, alias, event = _sensitive_tables(metadata)
    views = sa.MetaData()
    return OrderTables(
        order,
        key,
        unique,
        step,
        error,
        note,
        sensitive,
        alias,
        event,
        _session_view(views),
        _audit_view(views),
    )


# The plugin's schema description used at run time (entity sets and statements must share one set of Table
# objects); it is a constant, never mutated.
TABLES = order_tables(sa.MetaData())
