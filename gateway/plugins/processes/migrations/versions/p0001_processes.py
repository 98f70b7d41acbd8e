"""Create the processes plugin's gw_* tables.

Revision ID: p0001_processes
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.plugins.processes.tables import declare_tables

revision = "p0001_processes"
down_revision = None
branch_labels = ("processes",)
depends_on = "0001_core"


def upgrade() -> None:
    metadata = sa.MetaData()
    declare_tables(metadata)
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata = sa.MetaData()
    declare_tables(metadata)
    metadata.drop_all(op.get_bind(), checkfirst=True)
