"""Alembic environment of the meta database: runs on the connection handed over by `gateway.meta.migrate`.

No engine is built here and no URL is read from a file; the version table is `gw_alembic_version`.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table="gw_alembic_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
