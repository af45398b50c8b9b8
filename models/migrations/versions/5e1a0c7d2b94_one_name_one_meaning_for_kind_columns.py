"""one name, one meaning: the columns called `kind` that were not a subject's kind are renamed

change_events.kind -> scope (subject, item, full); outbox_messages.kind and
message_deliveries.kind -> topic (new_matches, claim_status …); staff_users.kind ->
account_type (human, machine); subscription_quotas.kind -> subscription_type (one_time,
long_term). A `kind` column now always means person or enterprise. Values are kept.

Revision ID: 5e1a0c7d2b94
Revises: bf8b3745a008
Create Date: 2026-12-04 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1a0c7d2b94"
down_revision: str | None = "bf8b3745a008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, old name, new name, type, server default
RENAMES = (
    ("change_events", "kind", "scope", sa.String(length=16), None),
    ("outbox_messages", "kind", "topic", sa.String(length=40), None),
    ("message_deliveries", "kind", "topic", sa.String(length=40), ""),
    ("staff_users", "kind", "account_type", sa.String(length=16), None),
    ("subscription_quotas", "kind", "subscription_type", sa.String(length=16), None),
)


def _rename(table: str, old: str, new: str, kind: sa.String, default: str | None) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(
            old,
            new_column_name=new,
            existing_type=kind,
            existing_nullable=False,
            existing_server_default=default,
        )


def upgrade() -> None:
    for table, old, new, kind, default in RENAMES:
        _rename(table, old, new, kind, default)


def downgrade() -> None:
    for table, old, new, kind, default in reversed(RENAMES):
        _rename(table, new, old, kind, default)
