"""seal claims' contact phone

A column for the sealed 联系电话; the phones kept in clear before are sealed by `kuaixiang db
upgrade` after the schema (it holds the data key; services/claims/_contact.py).

Revision ID: 1ab0b5073902
Revises: 4f7694935c78
Create Date: 2026-12-04 20:42:17.341608
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1ab0b5073902"
down_revision: str | None = "4f7694935c78"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contact_phone_enc",
                sa.LargeBinary(length=255)
                .with_variant(sa.VARBINARY(length=255), "mariadb")
                .with_variant(sa.VARBINARY(length=255), "mysql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("contact_phone_enc")
