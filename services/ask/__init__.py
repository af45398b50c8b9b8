"""智能咨询: answer a resident's question from the published items, cite them, evaluate what the
question states (or the resident's own profile), and say plainly when nothing answers it.

Retrieval is BM25 over the items (_index), grown by a synonym lexicon staff keep (_lexicon);
intent and stated facts come from _understand; the text from _answer, built only from the items
and the rule engine. A question whose best item does not cover enough of it is declined, with the
hotline and a way to leave the question (docs/ask.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AskQuestion, Subject, SubjectBinding
from services.ask._answer import compose, yuan
from services.ask._index import (
    Entry,
    Index,
    best_clause,
    core_of,
    coverage,
    current_index,
    forget,
)
from services.ask._lexicon import builtin, current_lexicon
from services.ask._manage import list_questions, list_synonyms, put_synonym
from services.ask._model import ModelConfig, rephrase
from services.ask._understand import INTENTS, facts_in, intent_of
from services.errors import InvalidInput, NotFound
from services.residents import shown_name

MAX_QUESTION = 200
SHARE = 0.45  # the best item must cover this share of the question's rarity …
RARE = 1.2  # … and one word at least this rare (idf), or the question is declined
PERSONAL_REFUSAL = "personal: an answer built from a profile is not sent to the model"
MAX_PROFILES = 20  # the bound subjects an answer evaluates the cited items on
VERDICT_ORDER = {"eligible": 0, "unknown": 1, "ineligible": 2}
CITED_SHARE = 0.5  # other items cited when their score is at least this share of the best's
HOTLINE = "12345"
NO_ANSWER = (
    "暂时没有找到能回答这个问题的政策。"
    "您可以拨打 12345 政务服务便民热线咨询，或留下问题，工作人员会补充答案。"
)
_DIGITS = re.compile(r"\d{6,}")
# what a quoted clause should hold, by intent
CUES: dict[str, tuple[str, ...]] = {
    "amount": ("元", "标准"),
    "materials": ("材料", "证"),
    "process": ("申请", "发放", "办理"),
    "deadline": ("期", "日"),
    "eligibility": ("条件", "符合"),
}

__all__ = [
    "INTENTS",
    "Index",
    "ModelConfig",
    "MAX_QUESTION",
    "ask",
    "builtin",
    "current_index",
    "current_lexicon",
    "feedback",
    "forget",
    "list_questions",
    "list_synonyms",
    "put_synonym",
    "mask",
]


def mask(question: str) -> str:
    """The question as kept: runs of 6 or more digits (a 身份证号, a phone) hidden."""
    return _DIGITS.sub(lambda m: "*" * len(m.group(0)), question)


def _checked(question: str) -> str:
    text = " ".join((question or "").split())
    if not text:
        raise InvalidInput("请输入您的问题", errors={"question": ["请输入您的问题"]})
    if len(text) > MAX_QUESTION:
        message = f"问题最多 {MAX_QUESTION} 个字"
        raise InvalidInput(message, errors={"question": [message]})
    return text


def ask(
    *,
    session: Session,
    question: str,
    today: date,
    wechat_user_id: int | None = None,
    record: bool = True,
    model: ModelConfig | None = None,
) -> dict[str, Any]:
    """Answer one question (see the module); keep it for staff unless `record` is false. With
    a language model configured, the built answer may be rephrased (services/ask/_model.py)."""
    text = _checked(question)
    index = current_index(session)
    intent = intent_of(text)
    stated = facts_in(text)
    words = index.query(text)
    topics = index.topics(text)
    hits = _reranked(session, _named(index, index.search(words, k=5), text), stated, today)
    answered, share = False, 0.0
    if hits:
        share, rarest = coverage(index, hits[0][0], topics)
        answered = share >= SHARE and rarest >= RARE
    answer: dict[str, Any] = {
        "question": text,
        "intent": intent,
        "answered": answered,
        "confidence": round(min(1.0, share), 3) if answered else 0.0,
        "facts": _shown_facts(session, stated),
        "items": [],
        "answer": NO_ANSWER,
        "evaluation": None,
        "personal": None,
        "hotline": HOTLINE,
    }
    if answered:
        best_score = hits[0][1]
        cited = [(entry, score) for entry, score in hits if score >= CITED_SHARE * best_score][:3]
        top = cited[0][0]
        # what the question says the item reads comes first (我爸今年九十一: not the asker's own
        # profile); otherwise, logged in, the profiles bound to the asker
        evaluation = _stated(session, top, stated, today)
        profiles = [] if evaluation else _profiles(session, wechat_user_id)
        personal = _personal(session, profiles, top, today)
        if personal:
            several = sum(subject.kind == top.subject_type for subject in profiles) > 1
            said = f"{personal['subject_name']}的档案" if several else "您的档案"
        else:
            said = "您说的情况" + _stated_words(stated)
        cues = CUES.get(intent, ())
        fen = ((personal or evaluation or {}).get("amount") or {}).get("fen")
        if fen is not None:
            cues = (yuan(fen), *cues)
        items = [_cited(index, entry, words, cues) for entry, _ in cited]
        if personal:  # every cited item on my profiles, as the first one
            for item, (entry, _) in zip(items, cited, strict=True):
                item["mine"] = (
                    personal if entry is top else _personal(session, profiles, entry, today)
                )
        answer.update(
            answer=compose(top, intent, personal or evaluation, said, today),
            items=items,
            evaluation=evaluation,
            personal=personal,
        )
        if model is not None and personal:
            # built from a profile (ages, incomes, whose it is): never sent to a model
            answer["built_answer"], answer["model_refused"] = answer["answer"], PERSONAL_REFUSAL
        elif model is not None:
            answer["built_answer"] = answer["answer"]
            answer["answer"], answer["model_refused"] = rephrase(
                model, answer["answer"], answer["items"], stated
            )
    elif hits:  # not sure enough to answer; the nearest department may still help
        answer["hotline"] = f"{HOTLINE}；或 {hits[0][0].contact}" if hits[0][0].contact else HOTLINE
    if record:
        row = AskQuestion(
            question=mask(text),
            intent=intent,
            answered=answered,
            item_ids=[item["id"] for item in answer["items"]],
            confidence=answer["confidence"],
            wechat_user_id=wechat_user_id,
        )
        session.add(row)
        session.commit()
        answer["id"] = row.id
    return answer


NAMED = 1.5  # an item the question names outright (长寿补贴, 技能提升补贴) goes up this much


def _named(
    index: Index, hits: list[tuple[Entry, float]], question: str
) -> list[tuple[Entry, float]]:
    """Items the question names go up: their name, its core (without 补贴/奖励 …), or a word
    only their name has (长寿 of 百岁老人长寿补贴)."""
    scored = []
    for entry, score in hits:
        said = entry.name in question or core_of(entry.name) in question
        said = said or any(word in question for word in index.name_words.get(entry.id, ()))
        scored.append((entry, score * NAMED if said else score))
    return sorted(scored, key=lambda pair: -pair[1])


def _reranked(
    session: Session, hits: list[tuple[Entry, float]], stated: dict[str, Any], today: date
) -> list[tuple[Entry, float]]:
    """Items the question's own facts rule out (a 85-year-old asking: not the 百岁 item) go
    down: their score is halved."""
    if not stated or len(hits) < 2:
        return hits
    scored = []
    for entry, score in hits:
        result = _stated(session, entry, stated, today)
        # ruled out by what the question says (not by what it leaves unsaid: a missing fact
        # some conditions read as false)
        if result is not None and set(result["failing_facts"]) & set(stated):
            score *= 0.5
        scored.append((entry, score))
    return sorted(scored, key=lambda pair: -pair[1])


def feedback(
    *, session: Session, question_id: int, useful: bool | None, comment: str | None
) -> None:
    """Record 有用 / 没用, or the question left for staff with a comment."""
    row = session.get(AskQuestion, question_id)
    if row is None:
        raise NotFound("问题不存在")
    if useful is not None:
        row.feedback = "useful" if useful else "useless"
    if comment:
        row.comment = mask(comment.strip())[:500]
    session.commit()


def _cited(index: Index, entry: Entry, words: list[str], cues: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "code": entry.code,
        "name": entry.name,
        "benefit": entry.benefit,
        "mode": entry.mode,
        "department": entry.department,
        "policy_title": entry.policy_title,
        "doc_number": entry.doc_number,
        "clause": best_clause(index, entry, words, cues),
        "page": f"/pages/item/item?id={entry.id}",
        "mine": None,
    }


def _shown_facts(session: Session, stated: dict[str, Any]) -> list[dict[str, Any]]:
    from services.facts import current

    catalog = current(session)
    shown = []
    for key, value in stated.items():
        fact = catalog.find("person", key) or catalog.find("enterprise", key)
        if fact is not None:
            shown.append({"fact": key, "label": fact.label, "value": value})
    return shown


def _stated_words(stated: dict[str, Any]) -> str:
    if "age" in stated:
        return f"（{stated['age']} 周岁）"
    return ""


def _evaluated(rules: Any, facts: dict[str, Any], today: date) -> dict[str, Any]:
    from services.residents._calculator import failing_conditions

    evaluation = rules.evaluate(facts, today, explain=True)
    labels = rules.facts
    failing = (
        failing_conditions(evaluation.explanation)
        if evaluation.verdict.word == "ineligible" and evaluation.explanation is not None
        else []
    )
    return {
        "verdict": evaluation.verdict.word,
        "summary": evaluation.summary,
        "amount": None if evaluation.amount is None else evaluation.amount.to_dict(),
        "missing": [
            {"fact": name, "label": labels[name].label if name in labels else name}
            for name in evaluation.missing
        ],
        "reasons": [f.text for f in failing],
        "failing_facts": sorted({f.fact for f in failing if getattr(f, "fact", None)}),
    }


def _rules_of(session: Session, entry: Entry) -> Any:
    from services.matching import compiled_versions

    return compiled_versions(session, {entry.version_id: entry.subject_type}).get(entry.version_id)


def _stated(
    session: Session, entry: Entry, stated: dict[str, Any], today: date
) -> dict[str, Any] | None:
    """The cited item evaluated on the facts the question states (None when it states none the
    item reads)."""
    rules = _rules_of(session, entry)
    if rules is None:
        return None
    facts = {k: v for k, v in stated.items() if k in rules.facts}
    if not facts or not (set(facts) & (rules.facts_named() | rules.facts_used())):
        return None
    result = _evaluated(rules, facts, today)
    if result["verdict"] == "ineligible" and not set(result["failing_facts"]) & set(facts):
        # failed only on what the question does not say: not known, not refused
        result["verdict"] = "unknown"
        result["missing"] = [{"fact": "", "label": text} for text in result["reasons"]]
        result["reasons"] = []
    return result


def _profiles(session: Session, wechat_user_id: int | None) -> list[Subject]:
    """The subjects bound to the resident (every kind), in binding order; none when anonymous."""
    if wechat_user_id is None:
        return []
    return list(
        session.scalars(
            select(Subject)
            .join(SubjectBinding, SubjectBinding.subject_id == Subject.id)
            .where(
                SubjectBinding.wechat_user_id == wechat_user_id,
                SubjectBinding.status == "active",
            )
            .order_by(SubjectBinding.id)
            .limit(MAX_PROFILES)
        )
    )


def _personal(
    session: Session, profiles: list[Subject], entry: Entry, today: date
) -> dict[str, Any] | None:
    """The cited item on the resident's bound subjects of its kind: the one that fares best
    (eligible, then undecided, then not; the first bound on a tie), with whose profile it is
    (a person's name masked)."""
    subjects = [subject for subject in profiles if subject.kind == entry.subject_type]
    rules = _rules_of(session, entry) if subjects else None
    if rules is None:
        return None
    ranked = []
    for position, subject in enumerate(subjects):
        result = _evaluated(rules, subject.facts or {}, today)
        ranked.append((VERDICT_ORDER.get(result["verdict"], 3), position, result, subject))
    _, _, best, subject = min(ranked, key=lambda found: found[:2])
    return {**best, "subject_name": shown_name(subject.kind, subject.name)}
