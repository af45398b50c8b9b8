"""What an import tells its caller and keeps: the batch report, the rejected record, the profile.

Reports and audit entries carry counts, line numbers, masked identifiers and reasons, never a
profile's facts or a person's number in clear.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ImportBatch, Subject
from models.clock import utcnow
from models.db import vault_of
from rules.identifiers import mask_id_number, mask_name, mask_phone
from services import audit
from services.audit import Actor
from services.errors import Conflict
from services.profiles._checks import RejectedRow
from services.profiles._subjects import ID_NUMBER_CONTEXT, PHONE_CONTEXT

REJECTED = "rejected"
NO_CHANGES = {"inserted": 0, "updated": 0, "unchanged": 0}


class Outcome:
    """What reading and checking a batch found: rows seen, rejected rows, a file problem."""

    REPORT_LIMIT = 10_000  # rejected rows listed in a report; the count is always exact

    def __init__(self) -> None:
        self.total = 0
        self.rejected = 0
        self.rows: list[dict[str, Any]] = []
        self.file_error: dict[str, Any] | None = None

    def reject(self, row: RejectedRow) -> None:
        """Count a rejected row and list it while the report has room."""
        self.rejected += 1
        if len(self.rows) < self.REPORT_LIMIT:
            self.rows.append(row.as_dict())

    def failed(self, skip_invalid: bool) -> bool:
        """Tell whether the batch must change nothing."""
        if self.file_error is not None or self.total == 0:
            return True
        return self.rejected > 0 and (not skip_invalid or self.rejected == self.total)

    def fill(self, batch: ImportBatch, counts: dict[str, int], settings: dict[str, Any]) -> None:
        """Put the counts and the report on the batch row."""
        batch.total_rows, batch.rejected = self.total, self.rejected
        batch.inserted, batch.updated = counts["inserted"], counts["updated"]
        batch.unchanged = counts["unchanged"]
        batch.created_at = utcnow()
        batch.report = {
            **settings,
            "rejected_rows": sorted(self.rows, key=lambda row: row["line"]),
            "rejected_rows_truncated": self.rejected > len(self.rows),
            "file_error": self.file_error,
        }


def batch_report(batch: ImportBatch) -> dict[str, Any]:
    """Return the report of a stored batch as the API and the CLI show it."""
    report = batch.report or {}
    return {
        "batch_id": batch.batch_id,
        "kind": batch.kind,
        "source": batch.source,
        "status": batch.status,
        "mode": report.get("mode"),
        "skip_invalid": report.get("skip_invalid", False),
        "total_rows": batch.total_rows,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "change_event": report.get("change_event"),
        "rejected_rows": report.get("rejected_rows", []),
        "rejected_rows_truncated": report.get("rejected_rows_truncated", False),
        "file_error": report.get("file_error"),
        "created_at": batch.created_at,
        "replayed": False,
    }


def record_rejected(
    session: Session,
    actor: Actor,
    *,
    batch_id: str,
    kind: str,
    source: str,
    outcome: Outcome,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Store a batch that changed nothing, with its report, in a transaction of its own."""
    query = select(ImportBatch).where(ImportBatch.batch_id == batch_id).with_for_update()
    batch = session.scalar(query) or ImportBatch(batch_id=batch_id)
    if batch.status == "applied":  # a concurrent run under the same id was applied meanwhile
        session.rollback()
        raise Conflict(
            f"批次「{batch_id}」已由另一次请求导入", errors={"batch_id": ["批次号已使用"]}
        )
    batch.kind, batch.source, batch.status, batch.actor_id = kind, source, REJECTED, actor.id
    outcome.fill(batch, NO_CHANGES, settings)
    session.add(batch)
    audit.record(session, actor, "profiles.import", object_type="import_batches",
                 object_id=batch_id, after=audited(batch))  # fmt: skip
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"批次「{batch_id}」正在由另一次请求导入，请稍后查询结果") from None
    return batch_report(batch)


def audited(batch: ImportBatch) -> dict[str, Any]:
    """Return what the audit log keeps of a batch: counts and settings, no personal data."""
    return {
        "kind": batch.kind,
        "source": batch.source,
        "status": batch.status,
        "mode": batch.report.get("mode"),
        "skip_invalid": batch.report.get("skip_invalid"),
        "total_rows": batch.total_rows,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "change_event": batch.report.get("change_event"),
    }


def describe_profile(session: Session, subject: Subject) -> dict[str, Any]:
    """Return a stored profile with the 身份证号, phone and every person's name masked."""
    vault = vault_of(session)
    person = subject.kind == "person"
    if person and subject.id_number_enc:
        identifier = mask_id_number(vault.decrypt(subject.id_number_enc, context=ID_NUMBER_CONTEXT))
    else:
        identifier = subject.uscc or ""
    phone = subject.phone_enc and vault.decrypt(subject.phone_enc, context=PHONE_CONTEXT)
    return {
        "id": subject.id,
        "kind": subject.kind,
        "identifier": identifier,
        "name": mask_name(subject.name) if person else subject.name,
        "phone": mask_phone(phone) if phone else None,
        "district_code": subject.district_code,
        # The legal representative's name, masked; their 身份证号 is not stored, only its hash.
        "legal_representative_name": (
            mask_name(subject.representative_name) if subject.representative_name else None
        ),
        "facts": subject.facts,
        "profile_seq": subject.profile_seq,
        "updated_at": subject.updated_at,
    }
