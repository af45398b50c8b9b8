"""consents, self-declared facts, ratings

resident_consents (隐私保护指引, 身份证号, 银行卡: the text version agreed to and when),
fact_supplements (补充信息: a declared fact under review) with claim_materials.supplement_id
(the materials that prove it), claim_ratings (好差评). New tables and a nullable column: no
rows to fill.

Revision ID: ec543cb8c296
Revises: 482dc18b18d6
Create Date: 2026-12-04 18:22:25.402471
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "ec543cb8c296"
down_revision: str | None = "482dc18b18d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_consents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "wechat_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("granted_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["wechat_user_id"],
            ["wechat_users.id"],
            name=op.f("fk_resident_consents_wechat_user_id_wechat_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_consents")),
        sa.UniqueConstraint(
            "wechat_user_id",
            "purpose",
            "version",
            name=op.f("uq_resident_consents_wechat_user_id_purpose_version"),
        ),
    )
    with op.batch_alter_table("resident_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_consents_wechat_user_id"), ["wechat_user_id"], unique=False
        )

    op.create_table(
        "fact_supplements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "department_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("fact", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "declared_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "reviewer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_id"],
            ["wechat_users.id"],
            name=op.f("fk_fact_supplements_declared_by_id_wechat_users"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_fact_supplements_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["policy_items.id"], name=op.f("fk_fact_supplements_item_id_policy_items")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["staff_users.id"],
            name=op.f("fk_fact_supplements_reviewer_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_fact_supplements_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_supplements")),
    )
    with op.batch_alter_table("fact_supplements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fact_supplements_department_id_status", ["department_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fact_supplements_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "claim_ratings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_ratings_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["policy_items.id"], name=op.f("fk_claim_ratings_item_id_policy_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_ratings")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_claim_ratings_claim_id")),
    )
    with op.batch_alter_table("claim_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_ratings_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("claim_materials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "supplement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_claim_materials_supplement_id"), ["supplement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_materials_supplement_id_fact_supplements"),
            "fact_supplements",
            ["supplement_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_materials", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_claim_materials_supplement_id_fact_supplements"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_claim_materials_supplement_id"))
        batch_op.drop_column("supplement_id")
    # a table's indexes go with it (MariaDB refuses to drop one a foreign key needs first)
    op.drop_table("claim_ratings")
    op.drop_table("fact_supplements")
    op.drop_table("resident_consents")
