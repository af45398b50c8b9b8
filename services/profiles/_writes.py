"""Writing checked profiles of one kind: bulk inserts and updates, and the change events.

Every changed subject gets a `subject` change event and that event's id as its profile_seq.
An enterprise's legal representative is not a profile fact (no rule reads it): a change of it
alone updates the row and counts as updated, but writes no event and keeps profile_seq, so it
causes no re-match.
Past FULL_AFTER changed subjects one `full` event is written instead and every changed subject
gets its id (docs/matching.md: a vectorized reconcile beats thousands of scalar re-matches).
Rows are written chunk by chunk as they are read, with a placeholder profile_seq; the events
come last, just before the caller commits the batch's one transaction. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from models import ChangeEvent, ChangeScope, Subject
from models.base import table_of
from models.clock import utcnow
from models.db import cursor_result, vault_of
from services.profiles._checks import KEEP, CheckedRow, RejectedRow, masked_identifier
from services.profiles._sql import SET_SEQ, UPDATE_PROFILE, UPDATE_REPRESENTATIVE, update_subjects
from services.profiles._subjects import (
    PHONE_CONTEXT,
    canonical_json,
    insert_subject_rows,
    naive_utc_text,
    subject_row,
)

FULL_AFTER = 2_000
DISTRICT_FACT = {"person": "residence_district", "enterprise": "registered_district"}
_SUBJECTS = table_of(Subject)
_EVENTS = table_of(ChangeEvent)


class BatchWriter:
    """Apply checked rows of one kind in the session's transaction, chunk by chunk."""

    def __init__(
        self,
        session: Session,
        *,
        kind: str,
        mode: str,
        reason: str,
        source: str,
        placeholder: int = 0,
    ) -> None:
        self.session = session
        self.vault = vault_of(session)
        self.kind, self.mode, self.reason, self.source = kind, mode, reason, source
        # profile_seq of the rows written until the event exists; unique to the batch (< 0)
        # so that one indexed UPDATE finds them at the end.
        self.placeholder = placeholder
        self.counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        self._profile_changes = 0  # inserted or updated facts, name or phone: an event each
        self.writing = True
        self._new_hashes: list[bytes] = []  # while few: the events are one per subject
        self._changed_ids: list[int] = []
        self._now = utcnow()
        self._stamp = naive_utc_text(self._now)

    @property
    def changed(self) -> int:
        """Return how many subjects the batch inserts or changes the profile of (re-matched)."""
        return self._profile_changes

    def stop_writing(self) -> None:
        """Keep checking rows but write nothing more: the transaction will be rolled back."""
        self.writing = False

    def add(self, rows: list[CheckedRow]) -> list[RejectedRow]:
        """Plan and write one chunk; return the rows only the stored subjects can reject."""
        stored = self._stored([row.identity_hash for row in rows])
        rejected: list[RejectedRow] = []
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        representatives: list[dict[str, Any]] = []
        for row in rows:
            current = stored.get(row.identity_hash)
            if current is None and row.name is None:
                identifier = masked_identifier(self.kind, row.identifier)
                rejected.append(RejectedRow(row.line, identifier, {"name": ["新主体必须提供名称"]}))
                continue
            if current is None:
                new.append(self._new_row(row))
                continue
            planned = self._update(row, current)
            representative = self._representative(row, current)
            if planned is not None:
                changed.append(planned)
            if representative is not None:
                representatives.append(representative)
            if planned is None and representative is None:
                self.counts["unchanged"] += 1
            else:
                self.counts["updated"] += 1
        self.counts["inserted"] += len(new)
        self._profile_changes += len(new) + len(changed)
        if self.writing:
            insert_subject_rows(self.session, new)
            update_subjects(self.session, UPDATE_PROFILE, changed)
            update_subjects(self.session, UPDATE_REPRESENTATIVE, representatives)
            if self.changed <= FULL_AFTER:
                self._new_hashes += [row["identity_hash"] for row in new]
                self._changed_ids += [row["b_id"] for row in changed]
        return rejected

    def finish(self) -> str | None:
        """Write the change events and set profile_seq; return the scope of the event written.

        The events are written last, just before the caller commits, so that an event id is
        never much older than the moment its changes become visible.
        """
        if not self.changed:
            return None
        if self.changed > FULL_AFTER:
            if self.placeholder >= 0:
                raise ValueError("a batch past FULL_AFTER needs its own negative placeholder")
            seq = self._full_event()
            self.session.execute(
                update(_SUBJECTS)
                .where(_SUBJECTS.c.profile_seq == self.placeholder)
                .values(profile_seq=seq)
            )
            return ChangeScope.FULL.value
        subject_ids = self._changed_ids + list(self._ids(self._new_hashes).values())
        seqs = self._subject_events(subject_ids)
        stamp = self._stamp
        rows = [{"b_id": i, "profile_seq": seq, "updated_at": stamp} for i, seq in seqs.items()]
        update_subjects(self.session, SET_SEQ, rows)
        return ChangeScope.SUBJECT.value

    def _stored(self, hashes: list[bytes]) -> dict[bytes, Any]:
        """Return the stored subjects with these identity hashes, by hash."""
        if not hashes:
            return {}
        columns = [Subject.id, Subject.identity_hash, Subject.facts_hash, Subject.name]
        if self.kind == "enterprise":
            columns += [Subject.representative_name, Subject.representative_hash]
        columns += (
            [Subject.phone_enc, Subject.facts] if self.mode == "merge" else [Subject.phone_enc]
        )
        query = select(*columns).where(Subject.identity_hash.in_(hashes))
        return {row.identity_hash: row for row in self.session.execute(query)}

    def _ids(self, hashes: list[bytes]) -> dict[bytes, int]:
        if not hashes:
            return {}
        query = select(Subject.identity_hash, Subject.id).where(Subject.identity_hash.in_(hashes))
        return {row.identity_hash: row.id for row in self.session.execute(query)}

    def _new_row(self, row: CheckedRow) -> dict[str, Any]:
        assert row.name is not None
        planned = subject_row(
            vault=self.vault,
            kind=self.kind,
            identifier=row.identifier,
            name=row.name,
            facts=row.facts,
            phone=None if row.phone == KEEP else row.phone,
            district_code=row.facts.get(DISTRICT_FACT[self.kind]),
            source=self.source,
            facts_as_json=True,
        )
        planned["created_at"] = planned["updated_at"] = self._now
        planned["profile_seq"] = self.placeholder
        if isinstance(row.representative, tuple):
            planned["representative_name"], planned["representative_hash"] = row.representative
        return planned

    def _representative(self, row: CheckedRow, current: Any) -> dict[str, Any] | None:
        """Return the update of an enterprise's legal representative, or None when as is."""
        if self.kind != "enterprise" or row.representative == KEEP:
            return None
        name, digest = row.representative if isinstance(row.representative, tuple) else (None, None)
        if name == current.representative_name and digest == current.representative_hash:
            return None
        return {
            "b_id": current.id,
            "representative_name": name,
            "representative_hash": digest,
            "updated_at": self._stamp,
        }

    def _update(self, row: CheckedRow, current: Any) -> dict[str, Any] | None:
        """Return the update of a stored subject, or None when facts, name and phone are as is."""
        facts = row.facts
        if self.mode == "merge":
            facts = {**current.facts, **row.facts}
            for name in row.deleted:
                facts.pop(name, None)
        text = canonical_json(facts)
        digest = hashlib.sha256(text.encode()).hexdigest()
        name = current.name if row.name is None else row.name
        keep_phone = row.phone == KEEP
        same = digest == current.facts_hash and name == current.name
        if same and not keep_phone:
            same = self._phone_of(current.phone_enc) == row.phone
        if same:
            return None
        if keep_phone:
            phone_enc = current.phone_enc
        elif row.phone is None:
            phone_enc = None
        else:
            phone_enc = self.vault.encrypt(row.phone, context=PHONE_CONTEXT)
        return {
            "b_id": current.id,
            "name": name,
            "phone_enc": phone_enc,
            "district_code": facts.get(DISTRICT_FACT[self.kind]),
            "facts": text,
            "facts_hash": digest,
            "profile_seq": self.placeholder,
            "updated_at": self._stamp,
        }

    def _phone_of(self, sealed: bytes | None) -> str | None:
        return self.vault.decrypt(sealed, context=PHONE_CONTEXT) if sealed else None

    def _full_event(self) -> int:
        """Insert the one `full` event of this batch and return its id."""
        values = {"scope": ChangeScope.FULL.value, "subject_id": None, "reason": self.reason}
        result = cursor_result(self.session.execute(insert(_EVENTS).values(values)))
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT without RETURNING has its key
        return key[0]

    def _subject_events(self, subject_ids: list[int]) -> dict[int, int]:
        """Insert one `subject` event per subject; return the event id by subject id."""
        statement = insert(_EVENTS).returning(
            _EVENTS.c.id, _EVENTS.c.subject_id, sort_by_parameter_order=True
        )
        rows = [
            {"scope": ChangeScope.SUBJECT.value, "subject_id": subject_id, "reason": self.reason}
            for subject_id in subject_ids
        ]
        return {
            subject_id: event_id for event_id, subject_id in self.session.execute(statement, rows)
        }
