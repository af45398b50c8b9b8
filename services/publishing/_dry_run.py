"""Dry-run an item's rule over every subject of its kind: how many, for how much, and where.

The counts come from the vectorized evaluator over a column snapshot, so a draft is tried
against the whole population before it is published; a few samples are evaluated one by one
with the scalar evaluator to show what residents would read (masked, no identity numbers).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subject
from models.clock import local_now
from rules import ItemRules, RuleInvalid, compile_item
from rules.cases import run_item
from rules.codes import DIVISIONS
from rules.eligibility import Eligibility
from rules.identifiers import mask_name
from rules.language import Condition, Group, Node
from rules.vector_amounts import Amounts
from rules.vectorized import ItemMatches, evaluate_items
from services.audit import Actor
from services.errors import InvalidInput
from services.facts import current as current_catalog
from services.profiles import Snapshot, load_snapshot
from services.publishing._access import detail_of, item_for
from services.publishing._content import EMPTY

DOCUMENTS = ("rule", "amount", "params")
OTHER_DISTRICT = "其他/外地"
MOST_MISSING = 5
# in the order counts and samples are shown
VERDICT_CODES = {
    m.word: m for m in (Eligibility.ELIGIBLE, Eligibility.UNKNOWN, Eligibility.INELIGIBLE)
}


def dry_run(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    changes: Mapping[str, Any] | None = None,
    as_of: date | None = None,
    samples: int = 3,
) -> dict[str, Any]:
    """Evaluate an item's rule and amount (or unsaved ones in `changes`) over its subjects."""
    item = item_for(session, actor, item_id)
    detail = detail_of(session, item)
    base = detail.draft or detail.current
    changes = {key: value for key, value in (changes or {}).items() if key in DOCUMENTS}
    source = "body" if changes else ("draft" if detail.draft else "current")
    content = {
        key: changes[key] if key in changes else getattr(base, key, EMPTY[key]) for key in DOCUMENTS
    }
    as_of = as_of or local_now().date()
    try:
        compiled = compile_item(
            catalog=current_catalog(session),
            subject_kind=item.subject_type,
            **content,
            check_dates=(as_of,),
        )
    except RuleInvalid as exc:
        raise InvalidInput("规则、金额或参数有误，无法试算", errors=exc.by_path()) from None
    snapshot = load_snapshot(session, item.subject_type, compiled.facts_used())
    (matches,) = evaluate_items([compiled], snapshot.columns, as_of)
    verdicts = matches.verdicts(len(snapshot))
    return {
        "item_id": item.id,
        "subject_type": item.subject_type,
        "as_of": as_of,
        "source": source,
        "version": None if source == "body" or base is None else base.version,
        "subjects": len(snapshot),
        "eligible": len(matches.eligible),
        "unknown": len(matches.unknown),
        "ineligible": len(snapshot) - len(matches.eligible) - len(matches.unknown),
        "amount": _amount_totals(matches),
        "districts": _districts(snapshot, verdicts, matches),
        "missing_facts": _missing_facts(compiled, snapshot, matches.unknown),
        "samples": _samples(session, compiled, snapshot, verdicts, as_of, samples),
    }


def _amount_totals(matches: ItemMatches) -> dict[str, Any] | None:
    """Return the eligible subjects' total per period and over 12 months (None: no money)."""
    eligible, unknown = matches.eligible_amounts, matches.unknown_amounts
    if eligible is None or unknown is None:
        return None
    return {
        "period": eligible.period,
        "total_fen": int(eligible.fen[eligible.known].sum()),
        "annual_fen": _annual(eligible),
        "eligible_amount_unknown": int((~eligible.known).sum()),
        "unknown_annual_fen": _annual(unknown),
    }


def _annual(amounts: Amounts) -> int:
    return int(amounts.annual_fen[amounts.known].sum())


def _districts(
    snapshot: Snapshot, verdicts: np.ndarray, matches: ItemMatches
) -> list[dict[str, Any]]:
    """Return the counts (and eligible amounts over 12 months) per district, largest first."""
    codes, groups = np.unique(snapshot.district_codes.astype("U12"), return_inverse=True)
    keys = [code if code in DIVISIONS else None for code in codes]
    names = list(dict.fromkeys(keys))
    group = np.array([names.index(key) for key in keys], np.intp)[groups.reshape(-1)]
    size = len(names)
    counts = {
        word: np.bincount(group[verdicts == code], minlength=size)
        for word, code in VERDICT_CODES.items()
    }
    annual = np.zeros(size, np.int64)
    amounts = matches.eligible_amounts
    if amounts is not None:
        known = amounts.known
        np.add.at(annual, group[matches.eligible[known]], amounts.annual_fen[known])
    rows = [
        {
            "code": key,
            "name": OTHER_DISTRICT if key is None else DIVISIONS[key],
            "subjects": int(sum(counts[word][index] for word in counts)),
            **{word: int(counts[word][index]) for word in counts},
            "annual_fen": int(annual[index]),
        }
        for index, key in enumerate(names)
    ]
    return sorted(rows, key=lambda row: (row["code"] is None, -row["subjects"], row["code"]))


def _missing_facts(
    compiled: ItemRules, snapshot: Snapshot, unknown: np.ndarray
) -> list[dict[str, Any]]:
    """Return the stored facts the rule reads that the most unknown subjects lack."""
    counter: Counter[str] = Counter()
    for name in sorted(_rule_facts(compiled.rule)):
        lacking = int((~snapshot.columns.column(name).present[unknown]).sum())
        if lacking:
            counter[name] = lacking
    return [
        {"fact": name, "label": compiled.facts[name].label, "subjects": count}
        for name, count in counter.most_common(MOST_MISSING)
    ]


def _rule_facts(node: Node | None) -> set[str]:
    """Return the stored facts a rule reads (a derived fact by its inputs)."""
    if node is None:
        return set()
    if isinstance(node, Group):
        return set().union(*(_rule_facts(child) for child in node.children))
    assert isinstance(node, Condition)
    facts = [node.fact] + ([node.other] if node.other is not None else [])
    return {name for fact in facts for name in (fact.derived_from or (fact.name,))}


def _samples(
    session: Session,
    compiled: ItemRules,
    snapshot: Snapshot,
    verdicts: np.ndarray,
    as_of: date,
    per_verdict: int,
) -> list[dict[str, Any]]:
    """Evaluate a few subjects of each verdict one by one, as residents would read them."""
    chosen: list[int] = []
    for code in VERDICT_CODES.values():
        where = np.flatnonzero(verdicts == code)
        if len(where) and per_verdict > 0:
            picks = np.unique(np.linspace(0, len(where) - 1, min(per_verdict, len(where))))
            chosen += [int(snapshot.subject_ids[where[int(p)]]) for p in picks]
    rows = session.execute(
        select(Subject.id, Subject.name, Subject.facts).where(Subject.id.in_(chosen or [-1]))
    ).all()
    by_id = {row.id: row for row in rows}
    out = []
    for subject_id in chosen:
        row = by_id.get(subject_id)
        if row is None:  # deleted since the snapshot was read
            continue
        facts = row.facts if isinstance(row.facts, dict) else json.loads(row.facts or "{}")
        evaluation = compiled.evaluate(facts, as_of, explain=True)
        amount = evaluation.amount
        out.append(
            {
                "subject_id": subject_id,
                "name": mask_name(row.name),
                "verdict": evaluation.verdict.word,
                "summary": evaluation.summary,
                "missing": evaluation.missing,
                "explanation": None
                if evaluation.explanation is None
                else evaluation.explanation.to_dict(),
                # The trace is left out: it may show a sensitive value (income, say) in clear.
                "amount": None
                if amount is None
                else {"fen": amount.fen, "period": amount.period, "annual_fen": amount.annual_fen},
            }
        )
    return out


def run_cases(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    changes: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Run an item's cases on its rule and amount (or unsaved ones and cases in `changes`),
    as publishing would: the problems of the content by JSON path, or each case's result."""
    item = item_for(session, actor, item_id)
    detail = detail_of(session, item)
    base = detail.draft or detail.current
    wanted = (*DOCUMENTS, "cases")
    changes = {key: value for key, value in (changes or {}).items() if key in wanted}
    document = {
        key: changes[key] if key in changes else getattr(base, key, EMPTY[key]) for key in wanted
    }
    report = run_item(
        {"subject_type": item.subject_type, **document},
        catalog=current_catalog(session),
        default_as_of=as_of or local_now().date(),
    )
    return {
        "errors": RuleInvalid(list(report.errors)).by_path() if report.errors else {},
        "results": [result.to_dict() for result in report.results],
        "passed": sum(result.passed for result in report.results),
        "failed": len(report.failed),
    }
