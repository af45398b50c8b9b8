"""Profiles (一人一档 / 一企一档): intake from the data platform (JSON Lines, CSV, JSON rows,
one profile at a time), every record checked against the facts catalog, all or nothing per batch,
with a report; subjects' identities (encrypted 身份证号, look-up hashes); and the columnar
snapshot that vectorized matching and dry-runs read.

Others call what __all__ lists. Internals: _formats (reading files), _checks (one record),
_writes and _sql (storing a batch; _sql is the MariaDB fast path), _report, _subjects,
_snapshot.
"""

from __future__ import annotations

from services.profiles._checks import normalised_value
from services.profiles._formats import FORMATS, format_of, read_json_rows, read_rows
from services.profiles._imports import (
    APPLIED,
    BATCH_ID,
    add_facts,
    import_profiles,
    import_report,
    list_batches,
    upsert_profile,
)
from services.profiles._snapshot import Snapshot, build_chunks, facts_needed, load_snapshot
from services.profiles._subjects import (
    ID_NUMBER_CONTEXT,
    NAME_MAX,
    identity_hash,
    insert_subject_rows,
    representative_hash,
    subject_row,
)

__all__ = [
    "add_facts",
    "APPLIED",
    "BATCH_ID",
    "FORMATS",
    "ID_NUMBER_CONTEXT",
    "NAME_MAX",
    "Snapshot",
    "build_chunks",
    "facts_needed",
    "format_of",
    "identity_hash",
    "import_profiles",
    "import_report",
    "insert_subject_rows",
    "list_batches",
    "load_snapshot",
    "normalised_value",
    "read_json_rows",
    "read_rows",
    "representative_hash",
    "subject_row",
    "upsert_profile",
]
