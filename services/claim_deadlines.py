"""Claims' promised deadlines (承诺时限, in working days), kept right as the holiday calendar
learns new years.

A claim's `due_at` is computed when it is submitted (services/claims.py). A deadline that runs
into a year chinese_calendar does not know yet was counted Monday to Friday there; once the
package is upgraded with that year's holidays, the daily job recomputes the deadlines of the
claims still waiting for their department, from their submission and the days promised then.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from models import Claim
from models.clock import local_now, to_local, unknown_workday_years, workday_deadline
from services.claim_steps import WAITING

log = logging.getLogger(__name__)

# How far ahead a promise made today may run: promised_days is at most 365 working days.
PROMISE_REACH_DAYS = 550


def refresh_due_dates(*, session: Session) -> dict[str, int]:
    """Recompute the deadline of every claim still waiting for its department; return how many
    moved and how many years the deadlines reach that the calendar does not know.

    A claim resubmitted meanwhile keeps its new deadline: a row is written only while its
    submission is the one read.
    """
    rows = session.execute(
        select(Claim.id, Claim.submitted_at, Claim.promised_days, Claim.due_at).where(
            Claim.status.in_(WAITING), Claim.promised_days.is_not(None)
        )
    ).all()
    moved = [
        {"b_id": claim_id, "b_submitted": submitted, "b_due": due}
        for claim_id, submitted, days, old in rows
        if (due := workday_deadline(submitted, days)) != old
    ]
    if moved:
        session.connection().execute(
            update(Claim)
            .where(Claim.id == bindparam("b_id"), Claim.submitted_at == bindparam("b_submitted"))
            .values(due_at=bindparam("b_due")),
            moved,
        )
    latest = session.scalar(select(func.max(Claim.due_at)).where(Claim.status.in_(WAITING)))
    session.commit()
    today = local_now().date()
    unknown = unknown_workday_years(today, max(to_local(latest).date(), today) if latest else today)
    if unknown:
        log.warning(
            "waiting claims' deadlines reach %s, which chinesecalendar does not know yet: "
            "counted Monday to Friday there; upgrade chinesecalendar",
            ", ".join(map(str, unknown)),
        )
    return {"due_dates_moved": len(moved), "unknown_years": len(unknown)}
