"""Subjects: an enterprise's legal representative (name, keyed hash of the 身份证号)

Revision ID: 7cb8eb76618c
Revises: 4b8d8c925c52
Create Date: 2026-11-27 08:56:27.801775
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7cb8eb76618c"
down_revision: str | None = "4b8d8c925c52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("representative_name", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "representative_hash",
                sa.LargeBinary(length=32)
                .with_variant(sa.VARBINARY(length=32), "mariadb")
                .with_variant(sa.VARBINARY(length=32), "mysql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_column("representative_hash")
        batch_op.drop_column("representative_name")
