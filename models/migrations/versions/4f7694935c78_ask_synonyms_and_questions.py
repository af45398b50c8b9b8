"""ask: synonyms and questions

ask_synonyms (the lexicon staff keep over the built-in one) and ask_questions (what was asked,
answered or not, and the feedback). New tables: no rows to fill.

Revision ID: 4f7694935c78
Revises: ec543cb8c296
Create Date: 2026-12-04 19:30:03.374160
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "4f7694935c78"
down_revision: str | None = "ec543cb8c296"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ask_questions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("feedback", sa.String(length=8), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column(
            "wechat_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_users.id"],
            name=op.f("fk_ask_questions_wechat_user_id_wechat_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_questions")),
    )
    with op.batch_alter_table("ask_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ask_questions_answered_created_at", ["answered", "created_at"], unique=False
        )

    op.create_table(
        "ask_synonyms",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("phrase", sa.String(length=40), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_users.id"],
            name=op.f("fk_ask_synonyms_updated_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_synonyms")),
        sa.UniqueConstraint("phrase", name=op.f("uq_ask_synonyms_phrase")),
    )


def downgrade() -> None:
    op.drop_table("ask_synonyms")
    op.drop_table("ask_questions")  # its index goes with it
