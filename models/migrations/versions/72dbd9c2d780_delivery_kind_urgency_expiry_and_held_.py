"""Delivery kind, urgency, expiry and held quota; attempts per delivery; paired subscription reports

Revision ID: 72dbd9c2d780
Revises: 1b80b354faf4
Create Date: 2026-11-27 07:51:34.853303
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "72dbd9c2d780"
down_revision: str | None = "1b80b354faf4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults only fill rows that already exist; the models give the values from now on
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("bundled", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_attempts_delivery_id_message_deliveries"),
            "message_deliveries",
            ["delivery_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("message_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("expires_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("quota_held", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("subscription_quotas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_unpaired", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("event_unpaired", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("unpaired_since", models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription_quotas", schema=None) as batch_op:
        batch_op.drop_column("unpaired_since")
        batch_op.drop_column("event_unpaired")
        batch_op.drop_column("client_unpaired")

    with op.batch_alter_table("message_deliveries", schema=None) as batch_op:
        batch_op.drop_column("quota_held")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("urgent")
        batch_op.drop_column("kind")

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_delivery_attempts_delivery_id_message_deliveries"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_delivery_id"))
        batch_op.drop_column("bundled")
        batch_op.drop_column("delivery_id")
