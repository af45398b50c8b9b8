"""subject_matches.entries: every row starts with its format byte (1)

Rows written before (format 0: the fixed-width entries alone, 26 bytes each) get the byte in
front, in the database in one statement; services/matching/_store.py reads both formats, so a
row this revision has not reached yet still reads right. Downgrade takes the byte off again.

Revision ID: 6b2f0a1c9d3e
Revises: 5e1a0c7d2b94
Create Date: 2026-12-04 11:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6b2f0a1c9d3e"
down_revision: str | None = "5e1a0c7d2b94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_SIZE = 26  # services.matching._store.ENTRY.itemsize, fixed for format 0 and 1


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        add = "CAST(X'01' || entries AS BLOB)"
    else:
        add = "CONCAT(X'01', entries)"
    op.execute(
        f"UPDATE subject_matches SET entries = {add} WHERE LENGTH(entries) % {ENTRY_SIZE} = 0"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        strip = "CAST(SUBSTR(entries, 2) AS BLOB)"
    else:
        strip = "SUBSTRING(entries, 2)"
    op.execute(
        f"UPDATE subject_matches SET entries = {strip} WHERE LENGTH(entries) % {ENTRY_SIZE} = 1"
    )
