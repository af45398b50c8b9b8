"""What staff do with 智能咨询: keep the lexicon (add, change, switch off a phrase; audited) and
read the questions that were not answered or not liked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AskQuestion, AskSynonym
from models.clock import utcnow
from services.ask._index import forget
from services.ask._lexicon import builtin
from services.audit import Actor, record
from services.errors import InvalidInput


def list_synonyms(*, session: Session) -> list[dict[str, Any]]:
    """The lexicon: every built-in phrase and every staff entry, which wins over a built-in."""
    rows = {row.phrase: row for row in session.scalars(select(AskSynonym))}
    shown = []
    for phrase, words in sorted(builtin().items()):
        row = rows.pop(phrase, None)
        shown.append(
            {
                "phrase": phrase,
                "words": list(row.words) if row else list(words),
                "enabled": row.enabled if row else True,
                "source": "staff" if row else "builtin",
            }
        )
    for phrase, row in sorted(rows.items()):
        shown.append(
            {"phrase": phrase, "words": list(row.words), "enabled": row.enabled, "source": "staff"}
        )
    return shown


def put_synonym(
    *, session: Session, actor: Actor, phrase: str, words: list[str], enabled: bool = True
) -> dict[str, Any]:
    """Add or change a phrase (or switch it off with enabled false); commit. Answers follow
    within seconds in every process (the index's signature changes)."""
    phrase = phrase.strip()
    words = [w.strip() for w in words if w and w.strip()]
    if not phrase or len(phrase) > 40:
        raise InvalidInput("词语应为 1 到 40 个字", errors={"phrase": ["应为 1 到 40 个字"]})
    if enabled and not words:
        raise InvalidInput("请填写对应的政策用语", errors={"words": ["至少一个"]})
    if any(len(w) > 40 for w in words) or len(words) > 10:
        raise InvalidInput("政策用语最多 10 个、每个 40 字", errors={"words": ["过多或过长"]})
    row = session.scalars(select(AskSynonym).where(AskSynonym.phrase == phrase)).one_or_none()
    before = None if row is None else {"words": row.words, "enabled": row.enabled}
    if row is None:
        row = AskSynonym(phrase=phrase)
        session.add(row)
    row.words, row.enabled, row.updated_by_id, row.updated_at = words, enabled, actor.id, utcnow()
    session.flush()
    record(
        session,
        actor,
        "ask_synonym.put",
        row,
        before=before,
        after={"phrase": phrase, "words": words, "enabled": enabled},
    )
    session.commit()
    forget(session)
    return {"phrase": phrase, "words": words, "enabled": enabled, "source": "staff"}


def list_questions(
    *,
    session: Session,
    answered: bool | None = None,
    feedback: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[AskQuestion], int]:
    """Questions newest first: the unanswered (answered false) and the disliked (feedback
    useless) are what staff work from."""
    query = select(AskQuestion)
    if answered is not None:
        query = query.where(AskQuestion.answered.is_(answered))
    if feedback is not None:
        query = query.where(AskQuestion.feedback == feedback)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:
        return [], total
    rows = session.scalars(
        query.order_by(AskQuestion.id.desc()).offset(offset).limit(page_size)
    ).all()
    return list(rows), total
