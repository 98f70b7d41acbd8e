"""The workflows plugin's gw_* Core tables: definitions, steps, execution instances, error definitions,
activities and their history.

Declarations only (no engine, no I/O, no ORM); timestamps are bound from the app clock, never server defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
_TS = sa.DateTime(timezone=True)


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, _ID, sa.Identity(), primary_key=True)


@dataclass(frozen=True, slots=True)
class WorkflowTables:
    """One attribute per table of the plugin."""

    workflow: sa.Table
    step: sa.Table
    exec_instance: sa.Table
    error_definition: sa.Table
    activity: sa.Table
    history: sa.Table


def _definition_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    workflow = sa.Table(
        "gw_workflow", md, _key("workflowid"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("version_sort", sa.String(120), nullable=False),
        sa.Column("description", sa.Text), sa.Column("author", sa.String(100)),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("deprecated", sa.Boolean, nullable=False),
        sa.Column("autostart", sa.Integer, nullable=False),
        sa.Column("manual_autostart", sa.Boolean, nullable=False),
        sa.Column("max_instances", sa.Integer, nullable=False),
        sa.Column("options", sa.JSON), sa.Column("option_list", sa.JSON), sa.Column("keylist", sa.JSON),
        sa.Column("record_table", sa.String(128)),
        sa.Column("steps_hash", sa.String(64), nullable=False),
        sa.Column("config_version", sa.Integer, nullable=False),
        sa.Column("created", _TS, nullable=False), sa.Column("modified", _TS, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_gw_workflow_name_version"),
    )  # fmt: skip
    step = sa.Table(
        "gw_workflow_step", md, _key("stepid"),
        sa.Column("workflowid", _ID, sa.ForeignKey("gw_workflow.workflowid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("function", sa.String(200)),
        sa.Column("definition", sa.JSON),
        sa.UniqueConstraint("workflowid", "name", name="uq_gw_workflow_step_name"),
    )  # fmt: skip
    return workflow, step


def _runtime_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    exec_instance = sa.Table(
        "gw_exec_instance", md, _key("execid"),
        sa.Column("workflowid", _ID, nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started", _TS, nullable=False), sa.Column("stopped", _TS),
        sa.Column("current_order", _ID), sa.Column("node", sa.String(200)),
        sa.Column("holder", _ID), sa.Column("lease_until", _TS),
        sa.Index("ix_gw_exec_instance_wf_status", "workflowid", "status"),
    )  # fmt: skip
    error_definition = sa.Table(
        "gw_error_definition", md, _key("id"),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("workflowid", _ID, nullable=False),  # 0 = global, so the unique index works everywhere
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("retry_flag", sa.Boolean, nullable=False),
        sa.Column("retry_delay_secs", sa.Integer),
        sa.Column("business_flag", sa.Boolean, nullable=False),
        sa.Column("created", _TS, nullable=False), sa.Column("modified", _TS, nullable=False),
        sa.UniqueConstraint("error", "workflowid", name="uq_gw_error_definition_error_wf"),
    )  # fmt: skip
    return exec_instance, error_definition


def _activity_tables(md: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    activity = sa.Table(
        "gw_wf_activity", md, _key("id"),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("client_id", sa.Integer, nullable=False), sa.Column("org_id", sa.Integer),
        sa.Column("workflow_instanceid", _ID, nullable=False),
        sa.Column("workflowid", _ID, nullable=False), sa.Column("workflow", sa.String(100), nullable=False),
        sa.Column("stepid", _ID, nullable=False), sa.Column("ind", sa.Integer, nullable=False),
        sa.Column("node_name", sa.String(64), nullable=False),
        sa.Column("node_type", sa.String(20), nullable=False),
        sa.Column("node_description", sa.Text), sa.Column("node_help", sa.Text),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("node_column", sa.String(128)), sa.Column("node_choice_type", sa.String(10)),
        sa.Column("node_values", sa.JSON),
        sa.Column("table_name", sa.String(128), nullable=False),
        sa.Column("ad_table_id", sa.Integer),
        sa.Column("record_id", _ID), sa.Column("record_key", sa.String(100), nullable=False),
        sa.Column("record_uid", sa.String(36)), sa.Column("summary", sa.String(300)),
        sa.Column("wf_state", sa.String(2), nullable=False),
        sa.Column("order_waiting", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(20)), sa.Column("value", sa.Text),
        sa.Column("owner_user_id", _ID), sa.Column("owner", sa.String(100)),
        sa.Column("assignee_role_id", _ID),
        sa.Column("responsible", sa.JSON), sa.Column("responsible_text", sa.String(200)),
        sa.Column("creator_user_id", _ID),
        sa.Column("created", _TS, nullable=False), sa.Column("completed", _TS),
        sa.Index("ix_gw_wf_activity_state_owner", "wf_state", "owner_user_id"),
        sa.Index("ix_gw_wf_activity_order_step", "workflow_instanceid", "stepid", "ind"),
    )  # fmt: skip
    history = sa.Table(
        "gw_wf_history", md, _key("id"),
        sa.Column("activity_id", _ID, sa.ForeignKey("gw_wf_activity.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("user_id", _ID), sa.Column("user_name", sa.String(100)),
        sa.Column("action", sa.String(20), nullable=False), sa.Column("message", sa.Text),
        sa.Index("ix_gw_wf_history_activity", "activity_id", "id"),
    )  # fmt: skip
    return activity, history


def workflow_tables(metadata: sa.MetaData) -> WorkflowTables:
    """Declare the plugin's tables on `metadata` (once per MetaData) and return them by role."""
    if "gw_workflow" in metadata.tables:
        t = metadata.tables
        return WorkflowTables(
            t["gw_workflow"], t["gw_workflow_step"], t["gw_exec_instance"],
            t["gw_error_definition"], t["gw_wf_activity"], t["gw_wf_history"],
        )  # fmt: skip
    workflow, step = _definition_tables(metadata)
    exec_instance, error_definition = _runtime_tables(metadata)
    activity, history = _activity_tables(metadata)
    return WorkflowTables(workflow, step, exec_instance, error_definition, activity, history)
