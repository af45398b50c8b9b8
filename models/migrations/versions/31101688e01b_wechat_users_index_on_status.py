"""wechat_users: index on status (the resident check reads the users who are not active)

Revision ID: 31101688e01b
Revises: 7cb8eb76618c
Create Date: 2026-11-27 11:44:41.525389
"""

from collections.abc import Sequence

from alembic import op

revision: str = "31101688e01b"
down_revision: str | None = "7cb8eb76618c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wechat_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wechat_users_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wechat_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wechat_users_status"))
