"""Alembic runner for the meta database (core and plugin version locations) and the seed rows.

Runs only from `gateway init`, the demo and tests, never per request. Seeds the built-in `Admin` role and
the generated signing secret idempotently; it never touches tables other than gw_*.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from gateway.meta.tables import CoreTables, core_tables

ADMIN_ROLE = "Admin"
SECRET_NAME = "jwt"
_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection, plugin_locations: Sequence[str] = ()) -> Config:
    """An Alembic config without an ini file, bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("path_separator", "os")
    locations = [str(_SCRIPTS / "versions"), *plugin_locations]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes["connection"] = connection
    return config


def upgrade(url_or_engine: str | Engine, *, plugin_locations: Sequence[str] = ()) -> None:
    """Bring the meta database to the newest revision of every branch, then seed the Admin role."""
    engine = sa.create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn, plugin_locations), "heads")
        with engine.begin() as conn:
            seed(conn, core_tables(sa.MetaData()))
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def seed(conn: Connection, tables: CoreTables) -> None:
    """The built-in Admin role (client 0, admin) and the cache epoch row, created once."""
    role = tables.role
    found = conn.execute(
        sa.select(role.c.id).where(role.c.client_id == 0, role.c.name_lower == ADMIN_ROLE.lower())
    ).first()
    if found is None:
        conn.execute(
            role.insert().values(
                name=ADMIN_ROLE, name_lower=ADMIN_ROLE.lower(), client_id=0, is_admin=True, is_active=True
            )
        )
    epoch = tables.cache_epoch
    if conn.execute(sa.select(epoch.c.id).where(epoch.c.id == 1)).first() is None:
        conn.execute(epoch.insert().values(id=1, epoch=0))


def ensure_secret(conn: Connection, tables: CoreTables) -> bytes:
    """The generated HMAC secret (64 random bytes), created on first use."""
    table = tables.secret
    row = conn.execute(sa.select(table.c.value).where(table.c.name == SECRET_NAME)).first()
    if row is not None:
        return bytes(row.value)
    value = secrets.token_bytes(64)
    conn.execute(table.insert().values(name=SECRET_NAME, value=value, created=datetime.now(UTC)))
    return value


def current_heads(connection: Connection) -> tuple[str, ...]:
    """Revisions recorded in gw_alembic_version (empty before the first upgrade)."""
    if not sa.inspect(connection).has_table("gw_alembic_version"):
        return ()
    rows = connection.execute(sa.text("SELECT version_num FROM gw_alembic_version")).all()
    return tuple(sorted(r[0] for r in rows))
