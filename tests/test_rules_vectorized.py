"""The vectorized evaluator equals the scalar one: every subject's verdict and amount."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rules import BUILTIN, compile_item
from rules.catalog import FactType
from rules.columns import Columns
from rules.errors import RuleInvalid
from rules.item import ItemRules
from rules.language import COMPARE, allowed_ops
from rules.vectorized import evaluate_items, verdicts
from tests import rules_strategies as rs

DENSE = st.sampled_from([0.0, 0.02, 0.3, 1.0])  # masks all along … indices after the first child


def scalar_outcomes(item: ItemRules, profiles: list[dict], as_of: date) -> list[tuple]:
    """Return (verdict, fen or None, annual or None) per profile from the scalar evaluator."""
    out = []
    for facts in profiles:
        evaluation = item.evaluate(facts, as_of, explain=False)
        fen = annual = None
        if evaluation.amount is not None:
            fen, annual = evaluation.amount.fen, evaluation.amount.annual_fen
        out.append((int(evaluation.verdict), fen, annual))
    return out


def vector_outcomes(matches, size: int, gives_money: bool) -> list[tuple]:
    """Return the same triples from one item's vectorized matches."""
    out: list[tuple] = [(0, None, None)] * size
    for indices, amounts, verdict in (
        (matches.eligible, matches.eligible_amounts, 1),
        (matches.unknown, matches.unknown_amounts, 2),
    ):
        assert (amounts is not None) == gives_money
        for position, index in enumerate(indices.tolist()):
            if amounts is None or not amounts.known[position]:
                out[index] = (verdict, None, None)
            else:
                fen, annual = int(amounts.fen[position]), int(amounts.annual_fen[position])
                out[index] = (verdict, fen, annual)
    return out


@st.composite
def scenario(draw: st.DrawFn) -> tuple:
    """Items sharing conditions, a messy population and an evaluation date."""
    kind = draw(st.sampled_from(["person", "enterprise"]))
    as_of = draw(rs.AS_OF)
    items = []
    for _ in range(draw(st.integers(1, 4))):
        params: dict = {}
        pool = draw(st.lists(rs.condition(kind, as_of, params), min_size=1, max_size=6))
        rule = {} if draw(st.integers(0, 12)) == 0 else draw(rs.rule(pool))
        money = {} if draw(st.integers(0, 3)) == 0 else draw(rs.amount(kind, params, pool=pool))
        try:
            items.append(
                compile_item(
                    catalog=rs.CATALOG, subject_kind=kind, rule=rule, amount=money, params=params
                )
            )
        except RuleInvalid:  # e.g. contradictory bounds in one all-group: not a valid rule
            continue
    profiles = draw(st.lists(rs.profile(kind, as_of), min_size=1, max_size=25))
    return kind, as_of, items, profiles, draw(DENSE)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_vectorized_equals_scalar(case: tuple) -> None:
    kind, as_of, items, profiles, dense = case
    columns = Columns.from_profiles(rs.CATALOG.of(kind), profiles)
    results = evaluate_items(items, columns, as_of, dense_fraction=dense)
    for item, matches in zip(items, results, strict=True):
        expected = scalar_outcomes(item, profiles, as_of)
        got = vector_outcomes(matches, len(profiles), item.amount is not None)
        assert got == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_rebuilt_from_arrays_and_rows_gives_the_same(case: tuple) -> None:
    """Columns from ready arrays, and profiles decoded back from columns, evaluate the same."""
    kind, as_of, items, profiles, dense = case
    columns = Columns.from_profiles(rs.CATALOG.of(kind), profiles)
    stored = {
        name: (c.values, c.present, c.dictionary) if c.dictionary else (c.values, c.present)
        for name in columns.names
        if not (c := columns.column(name)).fact.derived
    }
    rebuilt = Columns.from_arrays(rs.CATALOG.of(kind), stored, size=len(profiles))
    decoded = [rebuilt.row(i) for i in range(len(profiles))]
    for item in items:
        bound = item.at(as_of).rule
        got = verdicts(bound, rebuilt, as_of, dense_fraction=dense)
        want = [int(item.verdict(facts, as_of)) for facts in decoded]
        assert got.tolist() == want


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a batch this size shrinks too slowly
)
@given(st.sampled_from(["person", "enterprise"]), rs.AS_OF, st.data())
def test_every_operator_of_every_fact(kind: str, as_of: date, data: st.DataObject) -> None:
    """One item per (fact, operator) and per two-fact pair, all evaluated together."""
    items = []
    for fact in rs.CATALOG.of(kind).values():
        ordered = fact.type in rs.ORDERED
        shapes = [(op, False) for op in allowed_ops(fact)]
        if fact.type is not FactType.TAGS:
            shapes += [(op, True) for op in (COMPARE if ordered else ("==", "!="))]
        for op, other in shapes:
            params: dict = {}
            doc = data.draw(rs.condition_on(kind, fact, op, as_of, params, other=other))
            items.append(
                compile_item(catalog=rs.CATALOG, subject_kind=kind, rule=doc, params=params)
            )
    profiles = data.draw(st.lists(rs.profile(kind, as_of), min_size=30, max_size=30))
    dense = data.draw(DENSE)
    results = evaluate_items(
        items, Columns.from_profiles(rs.CATALOG.of(kind), profiles), as_of, dense_fraction=dense
    )
    for item, matches in zip(items, results, strict=True):
        want = [int(item.verdict(facts, as_of)) for facts in profiles]
        assert matches.verdicts(len(profiles)).tolist() == want, item.rule


def test_reference_example_counts() -> None:
    """The docs/rules.md example over a tiny hand-made population."""
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={
            "all": [
                {"fact": "hukou_district", "op": "in", "value": ["3715"]},
                {"fact": "age", "op": ">=", "value": 80},
            ]
        },
        amount={"kind": "fixed", "fen": 10000, "period": "monthly"},
    )
    people = [
        {"hukou_district": "371502", "birth_date": "1944-05-01"},
        {"hukou_district": "371502", "birth_date": "1946-11-28"},  # 80 tomorrow
        {"hukou_district": "370102", "birth_date": "1930-01-01"},
        {"birth_date": "1930-01-01"},
        {"hukou_district": "371502"},
    ]
    [matches] = evaluate_items(
        [item], Columns.from_profiles(BUILTIN.of("person"), people), date(2026, 11, 27)
    )
    assert matches.eligible.tolist() == [0]
    assert matches.unknown.tolist() == [3, 4]
    assert matches.eligible_amounts.annual_fen.tolist() == [120000]
    assert matches.verdicts(5).tolist() == [1, 0, 0, 2, 2]


def test_items_of_the_other_kind_are_refused() -> None:
    item = compile_item(catalog=BUILTIN, subject_kind="enterprise", rule={})
    with pytest.raises(ValueError):
        evaluate_items([item], Columns.from_profiles(BUILTIN.of("person"), [{}]), date(2026, 1, 1))


def test_empty_rule_everyone_and_many_items_share() -> None:
    rule = {"fact": "veteran", "op": "==", "value": True}
    items = [
        compile_item(catalog=BUILTIN, subject_kind="person", rule=r)
        for r in ({}, rule, rule, {"not": rule})
    ]
    people = [{"veteran": True}, {"veteran": False}, {}, {"veteran": 1}]
    results = evaluate_items(
        items, Columns.from_profiles(BUILTIN.of("person"), people), date(2026, 1, 1)
    )
    assert [m.verdicts(4).tolist() for m in results] == [
        [1, 1, 1, 1],
        [1, 0, 2, 2],
        [1, 0, 2, 2],
        [0, 1, 2, 2],
    ]
    assert np.array_equal(results[1].eligible, results[2].eligible)


@settings(max_examples=40, deadline=None)
@given(st.lists(rs.profile("person", date(2026, 11, 27)), min_size=1, max_size=30))
def test_tiers_by_an_ordered_level_agree(profiles: list[dict]) -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={},
        amount={
            "kind": "tiers",
            "fact": "skill_certificate",
            "period": "yearly",
            "tiers": [
                {"max": "intermediate", "fen": 100000},
                {"min": "senior", "max": "technician", "fen": 200000},
                {"min": "senior_technician", "fen": 300000},
            ],
        },
    )
    as_of = date(2026, 11, 27)
    columns = Columns.from_profiles(BUILTIN.of("person"), profiles)
    (matches,) = evaluate_items([item], columns, as_of)
    assert vector_outcomes(matches, len(profiles), True) == scalar_outcomes(item, profiles, as_of)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rs.days_near(date(2028, 2, 29)), min_size=1, max_size=40),
    st.sampled_from(["years_since", "months_since"]),
    st.sampled_from(COMPARE),
    st.integers(0, 30),
    st.one_of(st.none(), rs.days_near(date(2028, 2, 29))),
    rs.AS_OF,
)
def test_whole_years_and_months_since_agree_on_month_ends_and_leap_days(
    days: list[date], op: str, compare_to: str, count: int, on: date | None, as_of: date
) -> None:
    """The vectorized test turns "whole years (months) since" into date bounds; the scalar one
    counts. They agree on Feb 29, month ends, future dates and a fixed `on` day."""
    condition: dict = {"fact": "birth_date", "op": op, "value": {compare_to: count}}
    if on is not None:
        condition["on"] = on.isoformat()
    item = compile_item(catalog=BUILTIN, subject_kind="person", rule=condition)
    people = [{"birth_date": day.isoformat()} for day in days] + [{}]
    got = verdicts(item.at(as_of).rule, Columns.from_profiles(BUILTIN.of("person"), people), as_of)
    assert got.tolist() == [int(item.verdict(person, as_of)) for person in people]
