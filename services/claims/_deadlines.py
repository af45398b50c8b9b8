"""Claims' promised deadlines (承诺时限, in working days), kept right as the holiday calendar
learns new years.

A claim's `due_at` is computed when it is submitted (claims/_submit.py). A deadline that runs
into a year chinese_calendar does not know yet was counted Monday to Friday there; once the
package is upgraded with that year's holidays, the daily job recomputes the deadlines of the
claims still waiting for their department, from their submission and the days promised then.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import cast

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from models import Claim
from models.clock import local_now, to_local, unknown_workday_years, workday_deadline
from services.claims._steps import WAITING

log = logging.getLogger(__name__)

# How far ahead a promise made today may run: promised_days is at most 365 working days.
REACH = timedelta(days=550)


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
        # days is never None: the query leaves out claims that promise none
        if (due := workday_deadline(submitted, cast(int, days))) != old
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
    unknown = warn_about_calendar(to_local(latest).date() if latest else None)
    return {"due_dates_moved": len(moved), "unknown_years": len(unknown)}


def warn_about_calendar(until: date | None = None) -> list[int]:
    """Warn, and return them, when chinesecalendar does not know a year from today to `until`
    (by default as far as a promise made today may reach): promised days would count its
    holidays as working days there."""
    today = local_now().date()
    unknown = unknown_workday_years(today, max(until or today + REACH, today))
    if unknown:
        log.warning(
            "the working-day calendar (chinesecalendar) does not know %s yet: promised time "
            "limits count Monday to Friday there; give the year's holidays in "
            "instance/holidays.toml (KX_HOLIDAYS_FILE, docs/operations.md) or upgrade "
            "chinesecalendar",
            ", ".join(map(str, unknown)),
        )
    return unknown
