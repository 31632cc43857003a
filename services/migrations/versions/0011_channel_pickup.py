"""channel progress details (issue 6, 3.1.3): the application's 制卡批次, 装箱位置 and 领卡网点

Revision ID: 0011_channel_pickup
Revises: 0009_channel_photos
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_channel_pickup"
down_revision = "0009_channel_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channel_application", sa.Column("batch_no", sa.String(16), nullable=True))
    op.add_column("channel_application", sa.Column("box_position", sa.String(20), nullable=True))
    op.add_column("channel_application", sa.Column("outlet_code", sa.String(12), nullable=True))
    # applications made before: the outlet the resident chose, until the province says otherwise
    op.execute(
        "UPDATE channel_application SET outlet_code = form_public->>'outlet_code'"
        " WHERE form_public->>'outlet_code' IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("channel_application", "outlet_code")
    op.drop_column("channel_application", "box_position")
    op.drop_column("channel_application", "batch_no")
