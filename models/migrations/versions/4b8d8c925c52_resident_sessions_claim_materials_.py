"""Resident sessions, claim materials, search terms

Revision ID: 4b8d8c925c52
Revises: 72dbd9c2d780
Create Date: 2026-11-27 08:20:03.247380
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "4b8d8c925c52"
down_revision: str | None = "72dbd9c2d780"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_sessions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "wechat_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "token_hash",
            sa.LargeBinary(length=32)
            .with_variant(sa.VARBINARY(length=32), "mariadb")
            .with_variant(sa.VARBINARY(length=32), "mysql"),
            nullable=False,
        ),
        sa.Column("expires_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", models.base.UTCDateTime(), nullable=True),
        sa.Column(
            "replaced_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_users.id"],
            name=op.f("fk_resident_sessions_wechat_user_id_wechat_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_resident_sessions_token_hash")),
    )
    with op.batch_alter_table("resident_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_sessions_wechat_user_id"), ["wechat_user_id"], unique=False
        )

    op.create_table(
        "search_terms",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column(
            "policy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["policy_items.id"],
            name=op.f("fk_search_terms_item_id_policy_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_search_terms_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
    )
    with op.batch_alter_table("search_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_terms_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_terms_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index("ix_search_terms_term_policy_id", ["term", "policy_id"], unique=False)

    op.create_table(
        "claim_materials",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "uploaded_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_materials_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["wechat_users.id"],
            name=op.f("fk_claim_materials_uploaded_by_id_wechat_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_materials")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_claim_materials_storage_key")),
    )
    with op.batch_alter_table("claim_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_materials_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claim_materials_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )


def downgrade() -> None:
    # dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs)
    op.drop_table("claim_materials")
    op.drop_table("search_terms")
    op.drop_table("resident_sessions")
