"""The processes plugin's data model: Core tables gw_process … gw_notice (processes.md §13).

Declarations only, no I/O and no ORM. Timestamps go through `UtcDateTime`, so every backend stores UTC and
every read returns an aware UTC datetime, whatever the driver hands back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out: SQLite and MariaDB return naive values, PostgreSQL the session zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id() -> sa.Column[int]:
    return sa.Column("id", _ID, sa.Identity(), primary_key=True)


def _ts(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def _flag(name: str, default: bool) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean, nullable=False, default=default)


@dataclass(frozen=True, slots=True)
class ProcessTables:
    """One attribute per table of the plugin."""

    process: sa.Table
    version: sa.Table
    instance: sa.Table
    log: sa.Table
    file: sa.Table
    schedule: sa.Table
    notice: sa.Table


def _definition_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    process = sa.Table(
        "gw_process", md, _id(),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("value", sa.String(60), nullable=False, unique=True),
        sa.Column("slug", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text), sa.Column("help", sa.Text),
        sa.Column("handler", sa.String(60), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        _flag("is_report", False), _flag("is_active", True), _flag("handler_missing", False),
        _flag("allow_concurrent", True), _flag("record_required", False),
        sa.Column("defaults", sa.JSON), sa.Column("fixed", sa.JSON),
        sa.Column("version", sa.Integer, nullable=False, default=1),
        _ts("created", False), _ts("updated", False), sa.Column("modifier", sa.String(100)),
    )  # fmt: skip
    version = sa.Table(
        "gw_process_version", md, _id(),
        sa.Column("process_uid", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("definition_sha256", sa.CHAR(64), nullable=False),
        sa.Column("change_description", sa.Text),
        _ts("created", False), sa.Column("modifier", sa.String(100)),
        sa.UniqueConstraint("process_uid", "version", name="uq_gw_process_version"),
    )  # fmt: skip
    return {"process": process, "version": version}


def _run_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    instance = sa.Table(
        "gw_process_instance", md, _id(),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("process", sa.String(60), nullable=False),
        sa.Column("process_uid", sa.String(36), nullable=False),
        sa.Column("process_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        _flag("is_run_as_job", False), _flag("is_error", False),
        sa.Column("summary", sa.Text), sa.Column("data", sa.JSON),
        sa.Column("params", sa.JSON), sa.Column("params_key", sa.CHAR(64)),
        sa.Column("context", sa.JSON),
        sa.Column("model_name", sa.String(100)), sa.Column("table_id", _ID),
        sa.Column("record_id", sa.String(36)),
        sa.Column("report_type", sa.String(4)), sa.Column("is_summary", sa.Boolean),
        sa.Column("print_format_id", sa.String(60)),
        sa.Column("notification_type", sa.String(1)), sa.Column("notification_status", sa.JSON),
        sa.Column("node_id", sa.String(200)), sa.Column("engine_session_id", _ID),
        sa.Column("schedule_id", _ID),
        sa.Column("user_id", _ID), sa.Column("user_name", sa.String(100)),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
        sa.Column("client_name", sa.String(100)), sa.Column("role_id", _ID), sa.Column("org_id", sa.Integer),
        _ts("since", False), _ts("started"), _ts("finished"),
        sa.Column("report_file_id", sa.String(36)), sa.Column("export_file_id", sa.String(36)),
        sa.Index("ix_gw_process_instance_jobs", "client_id", "is_run_as_job", "status"),
    )  # fmt: skip
    log = sa.Table(
        "gw_process_log", md, _id(),
        sa.Column("instance_id", _ID, nullable=False), sa.Column("seq", sa.Integer, nullable=False),
        _ts("created", False), sa.Column("number", sa.Numeric(30, 10)), sa.Column("msg", sa.Text),
        sa.Index("ix_gw_process_log_instance", "instance_id", "seq"),
    )  # fmt: skip
    return {"instance": instance, "log": log}


def _output_tables(md: sa.MetaData) -> dict[str, sa.Table]:
    file = sa.Table(
        "gw_file", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False), sa.Column("sha256", sa.CHAR(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("instance_id", _ID), sa.Column("user_id", _ID),
        sa.Column("client_id", sa.Integer, nullable=False, default=0),
        _ts("created", False), _ts("expires"),
        sa.Column("content", sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")),
        sa.Index("ix_gw_file_expires", "expires"),
    )  # fmt: skip
    schedule = sa.Table(
        "gw_schedule", md, _id(),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("process_id", _ID, nullable=False), sa.Column("process", sa.String(60), nullable=False),
        sa.Column("payload", sa.JSON), sa.Column("cron", sa.String(100)),
        sa.Column("interval_seconds", sa.Integer), sa.Column("timezone", sa.String(64), nullable=False),
        _ts("start_at"), _ts("expires_at"), _flag("is_active", True),
        sa.Column("notification_type", sa.String(1), nullable=False, default="N"),
        sa.Column("run_as", sa.JSON, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False, default=0), sa.Column("org_id", sa.Integer),
        _ts("next_run"), _ts("last_run"), _ts("last_fired_local"),
        sa.Column("last_instance_id", _ID), sa.Column("last_outcome", sa.String(100)),
        _ts("created", False), _ts("updated", False),
        sa.Index("ix_gw_schedule_due", "is_active", "next_run"),
    )  # fmt: skip
    notice = sa.Table(
        "gw_notice", md, _id(),
        sa.Column("user_id", _ID), sa.Column("client_id", sa.Integer, nullable=False, default=0),
        _ts("created", False), _ts("expires"),
        sa.Column("title", sa.String(255), nullable=False), sa.Column("message", sa.Text),
        sa.Column("instance_id", _ID), _flag("is_error", False), sa.Column("file_ids", sa.JSON),
        sa.Index("ix_gw_notice_user", "user_id", "created"),
    )  # fmt: skip
    return {"file": file, "schedule": schedule, "notice": notice}


def declare_tables(metadata: sa.MetaData) -> ProcessTables:
    """Declare the plugin's tables on `metadata` (idempotent per MetaData) and return them."""
    if "gw_process" in metadata.tables:
        t = metadata.tables
        return ProcessTables(
            t["gw_process"], t["gw_process_version"], t["gw_process_instance"], t["gw_process_log"],
            t["gw_file"], t["gw_schedule"], t["gw_notice"],
        )  # fmt: skip
    tables: dict[str, sa.Table] = {}
    for declare in (_definition_tables, _run_tables, _output_tables):
        tables.update(declare(metadata))
    return ProcessTables(**tables)
