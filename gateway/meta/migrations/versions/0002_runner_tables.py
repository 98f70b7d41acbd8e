"""Add the runner tables gw_engine_session and gw_periodic.

Revision ID: 0002_runner
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.meta.tables import core_tables

revision = "0002_runner"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_NAMES = ("gw_engine_session", "gw_periodic")


def _tables() -> list[sa.Table]:
    metadata = sa.MetaData()
    core_tables(metadata)
    return [metadata.tables[name] for name in _NAMES]


def upgrade() -> None:
    # checkfirst: revision 0001 declares the current core tables, so a fresh database already has them
    for table in _tables():
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in reversed(_tables()):
        table.drop(op.get_bind(), checkfirst=True)
