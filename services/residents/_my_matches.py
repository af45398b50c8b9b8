"""我的政策 (精准送) and 红利预期: a resident's matches across every subject bound to them.

Built to be cheap on every open of the mini-program (docs/my-policies.md): one query reads the
bound subjects with their packed match rows, claims and grants; the items come from a copy per
process; nothing is evaluated but the one-line reason of the entries on the page shown (kept per
process by what it depends on), and a client that holds the page's ETag gets 304 before even
that. The read is _matches_read.py, the reasons _reasons.py, the items
copy services/matching/_live_items.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Claim, ClaimStatus, Grant, GrantStatus
from models.clock import SHANGHAI
from rules.amounts import PERIODS
from rules.eligibility import Eligibility
from rules.identifiers import mask_name
from services.matching import AMOUNT_KNOWN, ENDED, compiled_versions, live_item_facts
from services.residents._matches_read import BoundSubject, bound_subjects

VERDICTS = {member: member.word for member in Eligibility}
# A claim in one of these states means the resident already acted on the item.
CLAIM_OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWING, ClaimStatus.RETURNED)
CLAIM_ACTED = (*CLAIM_OPEN, ClaimStatus.APPROVED, ClaimStatus.PAID)
GRANT_ACTED = (GrantStatus.GRANTED, GrantStatus.CONFIRMED, GrantStatus.PAID, GrantStatus.DECLINED)
_LATEST = datetime.max.replace(tzinfo=SHANGHAI)


@dataclass
class MyMatches:
    """Every match of the resident's subjects, sorted; reasons are added per page."""

    cards: list[dict[str, Any]]
    subjects: dict[int, BoundSubject]
    today: date
    versions: dict[int, str] = field(default_factory=dict)  # version id -> subject kind

    @property
    def total(self) -> int:
        """Return how many matches there are."""
        return len(self.cards)

    def page(self, number: int, size: int) -> list[dict[str, Any]]:
        """Return one page of the sorted matches."""
        return self.cards[(number - 1) * size : number * size]

    def fingerprint(self, number: int, size: int) -> str:
        """Return what a page's content depends on, as one digest for its ETag: the entries
        with their claim and grant states, the profiles they are explained from, the day."""
        page = self.page(number, size)
        seqs = sorted(
            {(c["subject"]["id"], self.subjects[c["subject"]["id"]].profile_seq) for c in page}
        )
        # what a card shows beyond its item (named by the digest of its shown facts); the repr
        # of ints, strs and None is the same in every process
        cards = [
            (
                c["_item"],
                c["_version_id"],
                c["subject"]["id"],
                c["subject"]["name"],
                c["verdict"],
                c["amount_fen"],
                c["claim"] and tuple(c["claim"].values()),
                c["grant"] and tuple(c["grant"].values()),
            )
            for c in page
        ]
        state = (number, size, self.total, self.today.isoformat(), seqs, cards)
        return hashlib.sha1(repr(state).encode()).hexdigest()


def shown_name(kind: str, name: str) -> str:
    """Return a subject's name as a response shows it: a person's masked (张*), an
    enterprise's as registered (public, like its 统一社会信用代码)."""
    return mask_name(name) if kind == "person" else name


def annual(amount_fen: int | None, period: str | None) -> int | None:
    """Return what an amount is worth over the next 12 months (monthly x 12)."""
    if amount_fen is None:
        return None
    return amount_fen * PERIODS[period or "once"][1]


def my_matches(*, session: Session, wechat_user_id: int, today: date) -> MyMatches:
    """Return the eligible and 还差一项 (unknown) items of every subject bound to the resident.

    Sorted by value and urgency: eligible before unknown, not yet acted on before claimed or
    granted, closing soonest first (no deadline last), then the larger yearly amount.
    """
    subjects, acts = bound_subjects(session, wechat_user_id)
    # (subject, item id, version id, verdict, amount or None) of every entry not ended; the
    # entries as Python tuples at once (numpy scalars cost more on each field read)
    active = [
        (subject, item_id, version_id, verdict, amount if flags & AMOUNT_KNOWN else None)
        for subject in subjects.values()
        for item_id, version_id, verdict, flags, _, _, amount in subject.entries.tolist()
        if not flags & ENDED
    ]
    items = live_item_facts(session, {entry[1] for entry in active}) if active else {}
    kinds = {version_id: subject.kind for subject, _, version_id, _, _ in active}
    compiled = compiled_versions(session, kinds)
    shown_subjects = {
        subject.id: {
            "id": subject.id,
            "kind": subject.kind,
            "name": shown_name(subject.kind, subject.name),
        }
        for subject in subjects.values()
    }
    cards = []
    for subject, item_id, version_id, verdict, fen in active:
        item = items.get(item_id)
        if item is None:  # taken down; the matcher ends the entry shortly
            continue
        rules = compiled.get(version_id)
        period = None if rules is None or rules.amount is None else rules.amount.period
        claim = acts.get(("claim", subject.id, item_id))
        grant = acts.get(("grant", subject.id, item_id))
        cards.append(
            {
                # the item's parts are shared by every card of the item (never changed)
                "item": item.shown_item,
                "policy": item.shown_policy,
                "department": item.shown_department,
                "subject": shown_subjects[subject.id],
                "verdict": VERDICTS[verdict],
                "amount_fen": fen,
                "period": period,
                "annual_fen": annual(fen, period),
                "apply_from": item.apply_from_text,
                "apply_until": item.apply_until_text,
                "mode": item.mode,
                "claim": None
                if claim is None
                else {"id": claim.id, "claim_no": claim.claim_no, "status": claim.status},
                "grant": None if grant is None else {"id": grant.id, "status": grant.status},
                "acted": (claim is not None and claim.status in CLAIM_ACTED)
                or (grant is not None and grant.status in GRANT_ACTED),
                "_version_id": version_id,
                "_until": item.apply_until,
                "_item": item.digest,
            }
        )
    cards.sort(key=_urgency)
    return MyMatches(cards, subjects, today, kinds)


def _urgency(card: dict[str, Any]) -> tuple:
    return (
        card["verdict"] != "eligible",
        card["acted"],
        card["_until"] or _LATEST,
        -(card["annual_fen"] or 0),
        card["item"]["id"],
        card["subject"]["id"],
    )


def my_summary(*, session: Session, wechat_user_id: int, today: date) -> dict[str, Any]:
    """Return the home page's 红利预期: expected this year, claimed, received, and counts.

    expected: the yearly value (monthly x 12) of every eligible match with a known amount;
    claimed: claims submitted, under review, returned or approved (approved amount when
    decided, else the expected one); received: paid claims and paid grants in this calendar
    year (Asia/Shanghai).
    """
    matches = my_matches(session=session, wechat_user_id=wechat_user_id, today=today)
    subject_ids = list(matches.subjects)
    claims = _all_claims(session, subject_ids)
    grants = _all_grants(session, subject_ids)
    eligible = [c for c in matches.cards if c["verdict"] == "eligible"]
    claimed = [c for c in claims if c.status in (*CLAIM_OPEN, ClaimStatus.APPROVED)]
    received = [
        fen
        for fen, paid_at in [(c.paid_fen, c.paid_at) for c in claims if c.status == "paid"]
        + [(g.amount_fen, g.paid_at) for g in grants if g.status == "paid"]
        if paid_at is not None and paid_at.astimezone(SHANGHAI).year == today.year
    ]
    return {
        "year": today.year,
        "subjects": len(subject_ids),
        "eligible_count": len(eligible),
        "unknown_count": len(matches.cards) - len(eligible),
        "expected_fen": sum(c["annual_fen"] or 0 for c in eligible),
        "claimed_count": len(claimed),
        "claimed_fen": sum(
            (c.approved_fen if c.approved_fen is not None else c.expected_fen) or 0 for c in claimed
        ),
        "received_count": len(received),
        "received_fen": sum(fen or 0 for fen in received),
    }


def _all_claims(session: Session, subject_ids: list[int]) -> list:
    if not subject_ids:
        return []
    return list(
        session.execute(
            select(
                Claim.status, Claim.expected_fen, Claim.approved_fen, Claim.paid_fen, Claim.paid_at
            ).where(Claim.subject_id.in_(subject_ids))
        )
    )


def _all_grants(session: Session, subject_ids: list[int]) -> list:
    if not subject_ids:
        return []
    return list(
        session.execute(
            select(Grant.status, Grant.amount_fen, Grant.paid_at).where(
                Grant.subject_id.in_(subject_ids)
            )
        )
    )
