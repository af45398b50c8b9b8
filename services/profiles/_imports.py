"""Profile intake from the data platform: batch imports and single-subject upserts.

A batch is one transaction: all or nothing by default, or the valid rows with skip_invalid.
Its batch id makes a retry a no-op once it is applied; a rejected batch is recorded with its
report and may be retried with corrected data under the same id (docs/profile-import.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ImportBatch, Subject
from models.db import vault_of
from services import audit
from services.audit import Actor
from services.errors import Conflict, InvalidInput, NotFound
from services.facts import current as current_catalog
from services.profiles._checks import (
    KEEP,
    MODES,
    CheckedRow,
    RejectedRow,
    check_row,
    masked_identifier,
)
from services.profiles._formats import IDENTITY_FIELD, FileProblem, RawRow
from services.profiles._report import (
    Outcome,
    audited,
    batch_report,
    describe_profile,
    record_rejected,
)
from services.profiles._writes import BatchWriter

APPLIED = "applied"
SUBJECT_SOURCE = "data_platform"
CHUNK_ROWS = 2_000
CONCURRENT_WRITE = "同一主体正由另一请求写入，请稍后重试"
# The change events' reason is "import:" + the batch id, in 64 characters.
BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,56}$")


def import_profiles(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    batch_id: str,
    rows: Iterable[RawRow],
    source: str,
    mode: str = "replace",
    skip_invalid: bool = False,
) -> dict[str, Any]:
    """Import a batch of one kind; return its report (the stored one when already applied)."""
    _check_arguments(kind, mode, batch_id)
    try:
        stored = _stored_batch(session, batch_id)
        if stored is not None:
            # A retry of a rejected batch: lock its row, so two retries do not both apply.
            session.refresh(stored, with_for_update=True)
            if stored.status == APPLIED:
                return _replay(session, actor, stored)
        batch = stored or ImportBatch(batch_id=batch_id)
        batch.kind, batch.source, batch.status, batch.actor_id = kind, source, "applying", actor.id
        session.add(batch)
        try:
            session.flush()
        except IntegrityError:  # the same batch id, started a moment earlier, got there first
            session.rollback()
            return _replay_or_conflict(session, actor, batch_id)
        reason = f"import:{batch_id}"
        writer = BatchWriter(
            session,
            kind=kind,
            mode=mode,
            reason=reason,
            source=SUBJECT_SOURCE,
            placeholder=-batch.id,
        )
        outcome = _run(session, writer, rows, kind=kind, mode=mode, skip_invalid=skip_invalid)
        settings = {"mode": mode, "skip_invalid": skip_invalid, "change_event": None}
        if outcome.failed(skip_invalid):
            session.rollback()
            return record_rejected(
                session,
                actor,
                batch_id=batch_id,
                kind=kind,
                source=source,
                outcome=outcome,
                settings=settings,
            )
        settings["change_event"] = writer.finish()
        batch.status = APPLIED
        outcome.fill(batch, writer.counts, settings)
        audit.record(
            session,
            actor,
            "profiles.import",
            object_type="import_batches",
            object_id=batch_id,
            after=audited(batch),
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(CONCURRENT_WRITE) from None
    except BaseException:
        session.rollback()
        raise
    return batch_report(batch)


def import_report(*, session: Session, batch_id: str) -> dict[str, Any]:
    """Return the stored report of a batch, or raise NotFound."""
    batch = _stored_batch(session, batch_id)
    if batch is None:
        raise NotFound(f"没有批次号为「{batch_id}」的导入")
    return batch_report(batch)


def upsert_profile(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    identifier: str,
    record: dict[str, Any],
    mode: str = "replace",
) -> dict[str, Any]:
    """Insert or update one subject's profile (a batch of one); return it, masked."""
    _check_arguments(kind, mode, "upsert")
    raw = RawRow(1, {**record, IDENTITY_FIELD[kind]: identifier})
    catalog = current_catalog(session).of(kind)
    checked = check_row(raw, facts=catalog, mode=mode, vault=vault_of(session))
    if isinstance(checked, RejectedRow):
        raise InvalidInput("档案有误，未保存", errors=checked.errors)
    try:
        writer = BatchWriter(session, kind=kind, mode=mode, reason="upsert", source=SUBJECT_SOURCE)
        rejected = writer.add([checked])
        if rejected:
            raise InvalidInput("档案有误，未保存", errors=rejected[0].errors)
        writer.finish()
        outcome = next(name for name, count in writer.counts.items() if count)
        subject = session.scalars(
            select(Subject).where(Subject.identity_hash == checked.identity_hash)
        ).one()
        after = {"kind": kind, "mode": mode, "outcome": outcome}
        audit.record(session, actor, "profiles.upsert", subject, after=after)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(CONCURRENT_WRITE) from None
    except BaseException:
        session.rollback()
        raise
    return {**describe_profile(session, subject), "outcome": outcome}


def add_facts(session: Session, subject: Subject, facts: dict[str, Any], *, reason: str) -> bool:
    """Merge already normalised facts into one stored subject's profile, with its change event
    (re-matched like any profile change); tell whether anything changed. Nothing is committed."""
    row = CheckedRow(
        line=1,
        identifier="",
        identity_hash=subject.identity_hash,
        name=None,
        phone=KEEP,
        facts=dict(facts),
        deleted=(),
        representative=KEEP,
    )
    writer = BatchWriter(session, kind=subject.kind, mode="merge", reason=reason, source=reason)
    writer.add([row])
    changed = writer.finish() is not None
    session.expire(subject)
    return changed


def _run(
    session: Session,
    writer: BatchWriter,
    rows: Iterable[RawRow],
    *,
    kind: str,
    mode: str,
    skip_invalid: bool,
) -> Outcome:
    """Check every row and hand the valid ones to the writer, a chunk at a time."""
    outcome = Outcome()
    vault = vault_of(session)
    catalog = current_catalog(session).of(kind)
    first_line: dict[bytes, int] = {}
    try:
        for chunk in _chunks(iter(rows), CHUNK_ROWS):
            valid: list[CheckedRow] = []
            for raw in chunk:
                outcome.total += 1
                checked = check_row(raw, facts=catalog, mode=mode, vault=vault)
                if isinstance(checked, CheckedRow):
                    checked = _unique(checked, first_line, kind)
                if isinstance(checked, RejectedRow):
                    outcome.reject(checked)
                else:
                    valid.append(checked)
            for rejected in writer.add(valid):
                outcome.reject(rejected)
            if outcome.rejected and not skip_invalid and writer.writing:
                writer.stop_writing()
    except FileProblem as problem:
        outcome.file_error = {"line": problem.line, "message": problem.message}
    if outcome.total == 0 and outcome.file_error is None:
        outcome.file_error = {"line": 0, "message": "批次中没有任何档案"}
    return outcome


def _unique(row: CheckedRow, first_line: dict[bytes, int], kind: str) -> CheckedRow | RejectedRow:
    """Reject a second row for a subject already in this batch."""
    first = first_line.setdefault(row.identity_hash, row.line)
    if first == row.line:
        return row
    message = f"与第{first}行是同一主体；一个批次中每个主体只能出现一次"
    field = IDENTITY_FIELD[kind]
    return RejectedRow(row.line, masked_identifier(kind, row.identifier), {field: [message]})


def _chunks(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _check_arguments(kind: str, mode: str, batch_id: str) -> None:
    errors = {}
    if kind not in IDENTITY_FIELD:
        errors["kind"] = ["应为 person 或 enterprise"]
    if mode not in MODES:
        errors["mode"] = ["应为 replace 或 merge"]
    if not isinstance(batch_id, str) or not BATCH_ID.match(batch_id):
        errors["batch_id"] = ["批次号应为 1 至 57 个字母、数字或 . _ : -，以字母或数字开头"]
    if errors:
        raise InvalidInput("导入参数有误", errors=errors)


def _stored_batch(session: Session, batch_id: str) -> ImportBatch | None:
    return session.scalar(select(ImportBatch).where(ImportBatch.batch_id == batch_id))


def _replay(session: Session, actor: Actor, batch: ImportBatch) -> dict[str, Any]:
    """Answer a retried batch with its stored report; subjects are not touched."""
    after = {"status": batch.status, "kind": batch.kind}
    audit.record(
        session,
        actor,
        "profiles.import.replay",
        object_type="import_batches",
        object_id=batch.batch_id,
        after=after,
    )
    session.commit()
    return {**batch_report(batch), "replayed": True}


def _replay_or_conflict(session: Session, actor: Actor, batch_id: str) -> dict[str, Any]:
    stored = _stored_batch(session, batch_id)
    if stored is not None and stored.status == APPLIED:
        return _replay(session, actor, stored)
    raise Conflict(f"批次「{batch_id}」正在导入，请稍后查询结果")


def list_batches(
    *,
    session: Session,
    kind: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the batches, newest first (their reports without the rejected rows,
    which import_report gives), and the count."""
    query = select(ImportBatch)
    if kind:
        query = query.where(ImportBatch.kind == kind)
    if status:
        query = query.where(ImportBatch.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    batches = session.scalars(
        query.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return [{**batch_report(batch), "rejected_rows": []} for batch in batches], total
