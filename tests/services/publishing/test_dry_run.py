"""Dry-run on a seeded population equals the scalar evaluator, subject by subject."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from models import PolicyItem, Subject
from rules import BUILTIN, compile_item
from rules.codes import DIVISIONS
from services import publishing
from services import staff as staff_service
from services.demo import _population as population
from services.demo import seed_demo
from services.errors import InvalidInput, NotFound
from services.publishing import dry_run
from services.publishing._dry_run import OTHER_DISTRICT
from tests import factories

AS_OF = population.AS_OF


@pytest.fixture
def seeded(session):  # type: ignore[no-untyped-def]
    """A demo database with a few hundred persons and some enterprises, and an admin actor."""
    seed_demo(session=session, persons=400, enterprises=80)
    staff, _ = factories.staff(session, "root", "admin")
    return staff_service.actor_of(staff)


def scalar_outcomes(session, item: PolicyItem, compiled) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Evaluate every subject of the item's kind one by one: (id, district, evaluation)."""
    rows = session.execute(
        select(Subject.id, Subject.district_code, Subject.facts)
        .where(Subject.kind == item.subject_type)
        .order_by(Subject.id)
    ).all()
    outcomes = []
    for row in rows:
        facts = row.facts if isinstance(row.facts, dict) else json.loads(row.facts)
        outcomes.append((row.id, row.district_code, facts, compiled.evaluate(facts, AS_OF)))
    return outcomes


def expected(outcomes: list[tuple]) -> dict:
    """Return what the dry-run should report, worked out from scalar evaluations."""
    verdicts = Counter(evaluation.verdict.word for *_, evaluation in outcomes)
    eligible = [e for *_, e in outcomes if e.verdict.word == "eligible"]
    unknown = [e for *_, e in outcomes if e.verdict.word == "unknown"]
    districts: Counter[tuple[str, str]] = Counter()
    for _, code, _, evaluation in outcomes:
        districts[(DIVISIONS.get(code, OTHER_DISTRICT), evaluation.verdict.word)] += 1
    known = [e.amount for e in eligible if e.amount is not None and e.amount.fen is not None]
    return {
        "counts": (verdicts["eligible"], verdicts["unknown"], verdicts["ineligible"]),
        "total_fen": sum(a.fen for a in known),
        "annual_fen": sum(a.annual_fen for a in known),
        "amount_unknown": sum(1 for e in eligible if e.amount and e.amount.fen is None),
        "unknown_annual_fen": sum(
            e.amount.annual_fen for e in unknown if e.amount and e.amount.fen is not None
        ),
        "districts": districts,
    }


def test_dry_run_counts_equal_the_scalar_evaluator_for_every_demo_item(session, seeded) -> None:
    items = session.scalars(select(PolicyItem).order_by(PolicyItem.id)).all()
    assert len(items) > 20
    for item in items:
        version = item.current_version
        compiled = compile_item(
            catalog=BUILTIN,
            subject_kind=item.subject_type,
            rule=version.rule,
            amount=version.amount,
            params=version.params,
        )
        want = expected(scalar_outcomes(session, item, compiled))
        got = dry_run(session=session, actor=seeded, item_id=item.id, as_of=AS_OF)
        assert (got["eligible"], got["unknown"], got["ineligible"]) == want["counts"], item.code
        assert got["source"] == "current" and got["version"] == 1
        if got["amount"] is not None:
            assert got["amount"]["total_fen"] == want["total_fen"], item.code
            assert got["amount"]["annual_fen"] == want["annual_fen"], item.code
            assert got["amount"]["eligible_amount_unknown"] == want["amount_unknown"], item.code
            assert got["amount"]["unknown_annual_fen"] == want["unknown_annual_fen"], item.code
        by_district = Counter()
        for row in got["districts"]:
            assert row["subjects"] == row["eligible"] + row["unknown"] + row["ineligible"]
            for verdict in ("eligible", "unknown", "ineligible"):
                if row[verdict]:
                    by_district[(row["name"], verdict)] += row[verdict]
        assert by_district == want["districts"], item.code


def test_missing_facts_count_the_unknown_subjects_lacking_each_fact(session, seeded) -> None:
    item = session.scalars(select(PolicyItem).where(PolicyItem.code == "LC-MZ-2025-01-01")).one()
    rule = {
        "all": [
            {"fact": "hukou_district", "op": "in", "value": ["3715"]},
            {"fact": "household_income_fen", "op": "<", "value": 3000000},
        ]
    }
    got = dry_run(
        session=session, actor=seeded, item_id=item.id, changes={"rule": rule}, as_of=AS_OF
    )
    compiled = compile_item(catalog=BUILTIN, subject_kind="person", rule=rule)
    outcomes = scalar_outcomes(session, item, compiled)
    said = Counter(name for *_, e in outcomes if e.verdict.word == "unknown" for name in e.missing)
    assert got["unknown"] > 0 and got["source"] == "body" and got["version"] is None
    assert {row["fact"]: row["subjects"] for row in got["missing_facts"]} == dict(said)
    assert got["missing_facts"][0]["label"] == "家庭年收入"


def test_samples_are_explained_masked_and_agree_with_the_counts(session, seeded) -> None:
    item = session.scalars(select(PolicyItem).where(PolicyItem.code == "LC-MZ-2025-01-01")).one()
    got = dry_run(session=session, actor=seeded, item_id=item.id, as_of=AS_OF)
    shown = Counter(sample["verdict"] for sample in got["samples"])
    for verdict in ("eligible", "unknown", "ineligible"):
        assert shown[verdict] == min(3, got[verdict])
    names = dict(session.execute(select(Subject.id, Subject.name)).all())
    for sample in got["samples"]:
        assert sample["name"] != names[sample["subject_id"]] and "*" in sample["name"]
        assert sample["summary"].startswith(("符合", "不符合", "还差"))
    text = json.dumps(got, ensure_ascii=False, default=str)
    assert not re.search(r"\d{17}[\dX]", text)  # no identity number anywhere
    assert not re.search(r"(19|20)\d\d年\d{1,2}月\d{1,2}日", text)  # no birth date shown


def test_a_draft_rule_is_tried_before_it_is_saved_and_an_invalid_one_is_refused(
    session, seeded
) -> None:
    item = session.scalars(select(PolicyItem).where(PolicyItem.code == "LC-MZ-2025-01-01")).one()
    wider = {"fact": "age", "op": ">=", "value": 70}
    base = dry_run(session=session, actor=seeded, item_id=item.id, as_of=AS_OF)
    tried = dry_run(
        session=session, actor=seeded, item_id=item.id, changes={"rule": wider}, as_of=AS_OF
    )
    assert tried["eligible"] > base["eligible"]
    assert tried["amount"]["period"] == "monthly"  # the amount comes from the current version
    publishing.save_draft(session=session, actor=seeded, item_id=item.id, changes={"rule": wider})
    drafted = dry_run(session=session, actor=seeded, item_id=item.id, as_of=AS_OF)
    assert drafted["source"] == "draft" and drafted["version"] == 2
    assert drafted["eligible"] == tried["eligible"]
    with pytest.raises(InvalidInput) as refused:
        dry_run(
            session=session,
            actor=seeded,
            item_id=item.id,
            changes={"rule": {"fact": "age", "op": "has_any", "value": [1]}},
        )
    assert list(refused.value.errors) == ["$.op"]
    with pytest.raises(InvalidInput) as no_value:
        dry_run(session=session, actor=seeded, item_id=item.id, as_of=date(2020, 1, 1))
    assert "$params.min_age" in no_value.value.errors  # no standard in force that day


def test_dry_run_is_scoped_like_the_item(session, seeded) -> None:
    item = session.scalars(select(PolicyItem).where(PolicyItem.code == "LC-MZ-2025-01-01")).one()
    staff, _ = factories.staff(session, "rs", "publisher:LC-RS")
    with pytest.raises(NotFound):
        dry_run(session=session, actor=staff_service.actor_of(staff), item_id=item.id)
