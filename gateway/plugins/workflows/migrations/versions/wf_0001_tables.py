"""Create the workflows plugin's gw_* tables.

Revision ID: wf_0001
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.plugins.workflows.tables import workflow_tables

revision = "wf_0001"
down_revision = None
branch_labels = ("workflows",)
depends_on = "0001_core"


def upgrade() -> None:
    metadata = sa.MetaData()
    workflow_tables(metadata)
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata = sa.MetaData()
    workflow_tables(metadata)
    metadata.drop_all(op.get_bind(), checkfirst=True)
