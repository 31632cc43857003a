"""channel photos (issue 6): residents' photos and ID images, SM4-GCM encrypted, with face descriptors;
the resident session's document type and birth date (non-mainland documents)

Revision ID: 0009_channel_photos
Revises: 0007_channels
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_channel_photos"
down_revision = "0007_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "channel_resident_session",
        sa.Column("document_type", sa.String(2), server_default="01", nullable=False),
    )
    op.add_column("channel_resident_session", sa.Column("birth_date", sa.Date(), nullable=True))
    op.create_table(
        "channel_photo",
        sa.Column("photo_id", sa.String(40), nullable=False),
        sa.Column("person_token", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("media_type", sa.String(10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("content_cipher", sa.Text(), nullable=False),
        sa.Column("descriptor_cipher", sa.Text(), nullable=True),
        sa.Column("application_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_channel_photo")),
    )
    op.create_index(op.f("ix_channel_photo_person_token"), "channel_photo", ["person_token"])
    op.create_index(op.f("ix_channel_photo_application_id"), "channel_photo", ["application_id"])
    op.create_index(op.f("ix_channel_photo_created_at"), "channel_photo", ["created_at"])


def downgrade() -> None:
    op.drop_table("channel_photo")
    op.drop_column("channel_resident_session", "birth_date")
    op.drop_column("channel_resident_session", "document_type")
