"""Create the orders plugin's gw_* tables.

Revision ID: ord_0001
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.plugins.orders.tables import order_tables

revision = "ord_0001"
down_revision = None
branch_labels = ("orders",)
depends_on = "0001_core"


def upgrade() -> None:
    metadata = sa.MetaData()
    order_tables(metadata)
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata = sa.MetaData()
    order_tables(metadata)
    metadata.drop_all(op.get_bind(), checkfirst=True)
