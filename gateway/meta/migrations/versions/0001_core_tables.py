"""Create every core gw_* table.

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.meta.tables import core_tables

revision = "0001_core"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    metadata = sa.MetaData()
    core_tables(metadata)
    # checkfirst: the meta database may be the data database, which may already hold unrelated tables
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata = sa.MetaData()
    core_tables(metadata)
    metadata.drop_all(op.get_bind(), checkfirst=True)
