"""Columns: encodings, ready arrays, and derived facts equal to rules/profile.py at boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import BUILTIN, compile_item
from rules.columns import Columns, civil, from_days, to_days
from rules.columns_derived import derive_column
from rules.evaluate import window_start
from rules.profile import Profile
from rules.vectorized import verdicts
from tests import rules_strategies as rs

BOUNDARY_DAYS = [
    date(2024, 2, 29),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2023, 1, 31),
    date(2023, 12, 31),
    date(2024, 3, 31),
    date(2026, 11, 27),
]


def test_encodings_and_missing_is_not_zero() -> None:
    people = [
        {"education": "master", "assistance_tags": ["tekun", "dibao"], "hukou_district": "371502"},
        {"education": "primary", "assistance_tags": [], "hukou_district": "3701", "veteran": False},
        {"education": "phd", "assistance_tags": ["dibao", "x"], "hukou_district": "37150a"},
        {"birth_date": "1970-01-02", "household_size": 0, "household_income_fen": 0},
    ]
    columns = Columns.from_profiles(BUILTIN.of("person"), people)
    education = columns.column("education")
    assert education.values.dtype == np.int8
    assert education.values.tolist()[:2] == [6, 0] and education.present.tolist() == [1, 1, 0, 0]
    tags = columns.column("assistance_tags")
    assert tags.values.dtype == np.uint64 and tags.values.tolist()[:2] == [0b11, 0]
    assert tags.present.tolist() == [True, True, False, False]  # [] is present, and empty
    codes = columns.column("hukou_district")
    assert codes.dictionary == ("3701", "371502") and codes.values.dtype == np.int32
    assert codes.present.tolist() == [True, True, False, False]
    birth = columns.column("birth_date")
    assert birth.values.dtype == np.int32 and birth.values[3] == 1 and birth.present[3]
    assert columns.column("veteran").present.tolist() == [False, True, False, False]
    assert not columns.column("household_size").present[3]  # 0 is below the minimum of 1
    assert columns.column("household_income_fen").present[3]  # 0 fen is a value
    assert columns.row(0) == {
        "hukou_district": "371502",
        "education": "master",
        "assistance_tags": ["dibao", "tekun"],
    }


def test_ready_arrays_are_checked_and_codes_sorted() -> None:
    columns = Columns.from_arrays(
        BUILTIN.of("person"),
        {
            "hukou_district": (
                np.array([0, 1, 2, 3, 7]),
                np.ones(5, bool),
                ["371502", "3701", "bad", "371502"],
            ),
            "education": (np.array([1, 300, -1, 7, 2]), np.array([1, 1, 1, 1, 0], bool)),
            "household_size": (np.array([0, 1, 31, 5, 2]), np.ones(5, bool)),
            "assistance_tags": (np.array([1, 16, 15, 0, 3]), np.ones(5, bool)),
        },
    )
    codes = columns.column("hukou_district")
    assert codes.dictionary == ("3701", "371502")
    assert codes.values.tolist() == [1, 0, 0, 1, 0]
    assert codes.present.tolist() == [True, True, False, True, False]
    assert columns.column("education").present.tolist() == [True, False, False, True, False]
    assert columns.column("education").values.tolist() == [1, 0, 0, 7, 0]
    assert columns.column("household_size").present.tolist() == [False, True, False, True, True]
    assert columns.column("assistance_tags").present.tolist() == [True, False, True, True, True]
    with pytest.raises(ValueError):
        Columns.from_arrays(BUILTIN.of("person"), {"age": (np.zeros(1, int), np.ones(1, bool))})
    with pytest.raises(ValueError):
        Columns.from_arrays(BUILTIN.of("person"), {"veteran": (np.zeros(1, int), np.ones(1, bool))})


def test_a_number_too_big_for_a_float_is_malformed_not_a_crash() -> None:
    """rules/values.py let OverflowError escape for a decimal fact; now it is missing."""
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="enterprise",
        rule={"fact": "rd_ratio", "op": ">=", "value": 3},
    )
    firms = [{"rd_ratio": 10**400}, {"rd_ratio": 4}]
    as_of = date(2026, 1, 1)
    assert [item.verdict(firm, as_of).word for firm in firms] == ["unknown", "eligible"]
    columns = Columns.from_profiles(BUILTIN.of("enterprise"), firms)
    assert columns.column("rd_ratio").present.tolist() == [False, True]
    assert verdicts(item.at(date(2026, 1, 1)).rule, columns, date(2026, 1, 1)).tolist() == [2, 1]


def test_integers_beyond_int64_cannot_be_encoded_and_count_as_missing() -> None:
    """A documented deviation: the scalar evaluator keeps them, columns cannot hold them."""
    columns = Columns.from_profiles(
        BUILTIN.of("enterprise"), [{"employees": 2**63}, {"employees": 2**63 - 1}]
    )
    assert columns.column("employees").present.tolist() == [False, True]


def test_civil_dates_match_python_across_the_calendar() -> None:
    days = np.arange(to_days(date(1, 1, 1)), to_days(date(9999, 12, 31)) + 1, 97)
    days = np.concatenate([days, [to_days(d) for d in BOUNDARY_DAYS]])
    year, month, day = civil(days)
    expected = [from_days(d) for d in days.tolist()]
    assert year.tolist() == [d.year for d in expected]
    assert month.tolist() == [d.month for d in expected]
    assert day.tolist() == [d.day for d in expected]


def _anniversaries(as_of: date) -> list[date]:
    """Dates a whole number of years and months before as_of, and a day either side."""
    out = []
    for years in (0, 1, 4, 18, 60, 80):
        for months in (0, 1, 11):
            total = as_of.year * 12 + as_of.month - 1 - years * 12 - months
            year, month = divmod(total, 12)
            for day in (as_of.day, 28, 29, 30, 31, 1):
                try:
                    start = date(year, month + 1, day)
                except ValueError:
                    continue
                out.extend(start + timedelta(days=shift) for shift in (-1, 0, 1))
    return out + [date(2000, 2, 29), date(2004, 2, 29), date(1999, 3, 1), date(2000, 1, 31)]


def _scalar(kind: str, people: list[dict], name: str, as_of: date) -> list:
    return [Profile(BUILTIN.of(kind), facts, as_of).get(name) for facts in people]


def _vector(kind: str, people: list[dict], name: str, as_of: date) -> list:
    column = derive_column(Columns.from_profiles(BUILTIN.of(kind), people), name, as_of)
    return [int(v) if p else None for v, p in zip(column.values, column.present, strict=True)]


@pytest.mark.parametrize("as_of", BOUNDARY_DAYS)
def test_derived_facts_at_birthdays_month_ends_and_feb_29(as_of: date) -> None:
    days = [d.isoformat() for d in _anniversaries(as_of)]
    people = [{"birth_date": d, "social_insurance_since": d} for d in days]
    for name in ("age", "social_insurance_months"):
        assert _vector("person", people, name, as_of) == _scalar("person", people, name, as_of)
    firms = [{"founded_on": d} for d in days]
    got = _vector("enterprise", firms, "years_since_founding", as_of)
    assert got == _scalar("enterprise", firms, "years_since_founding", as_of)


@settings(max_examples=150, deadline=None)
@given(rs.AS_OF, st.data())
def test_derived_facts_equal_the_scalar_ones(as_of: date, data: st.DataObject) -> None:
    people = data.draw(st.lists(rs.profile("person", as_of), min_size=1, max_size=20))
    for name in ("age", "social_insurance_months", "years_since_graduation"):
        assert _vector("person", people, name, as_of) == _scalar("person", people, name, as_of)
    income = _vector("person", people, "per_capita_income_fen", as_of)
    assert income == _scalar("person", people, "per_capita_income_fen", as_of)


def test_a_derived_fact_given_outright_wins_even_when_malformed() -> None:
    people = [{"birth_date": "1950-01-01", "age": 30}, {"birth_date": "1950-01-01", "age": -3}, {}]
    people.append({"birth_date": "1950-01-01", "age": None})
    assert _vector("person", people, "age", date(2026, 1, 1)) == [30, None, None, 76]


@pytest.mark.parametrize("as_of", BOUNDARY_DAYS)
@pytest.mark.parametrize("unit", ["days", "months", "years"])
def test_within_last_at_the_edges_of_the_window(as_of: date, unit: str) -> None:
    for count in (1, 2, 3, 12):
        start = window_start(as_of, unit, count)
        edges = [start - timedelta(days=1), start, start + timedelta(days=1), as_of]
        edges.append(as_of + timedelta(days=1))
        people = [{"business_registered_on": d.isoformat()} for d in edges]
        rule = {"fact": "business_registered_on", "op": "within_last", "value": {unit: count}}
        item = compile_item(catalog=BUILTIN, subject_kind="person", rule=rule)
        got = verdicts(
            item.at(as_of).rule, Columns.from_profiles(BUILTIN.of("person"), people), as_of
        )
        assert got.tolist() == [0, 0, 1, 1, 0]
        assert [item.verdict(p, as_of).word for p in people][2:4] == ["eligible", "eligible"]


WAN = 1_000_000  # 1 万元 in fen


@pytest.mark.parametrize(
    ("firm", "size"),
    [
        ({"industry_code": "C3484", "employees": 45, "revenue_fen": 1200 * WAN}, "small"),
        ({"industry_code": "C3484", "employees": 1200, "revenue_fen": 50000 * WAN}, "large"),
        ({"industry_code": "C3484", "employees": 1200, "revenue_fen": 3000 * WAN}, "medium"),
        ({"industry_code": "I6510", "employees": 8, "revenue_fen": 40 * WAN}, "micro"),
        ({"industry_code": "F5212", "employees": 60, "revenue_fen": 600 * WAN}, "medium"),
        (
            {"industry_code": "E4700", "revenue_fen": 7000 * WAN, "total_assets_fen": 6000 * WAN},
            "medium",
        ),
        ({"industry_code": "G5920", "employees": 150, "revenue_fen": 2000 * WAN}, "medium"),
        ({"industry_code": "M7320", "employees": 150}, "medium"),
        ({"industry_code": "C3484", "employees": 45}, None),  # revenue unknown: cannot classify
        ({"employees": 45, "revenue_fen": 1200 * WAN}, None),
    ],
)
def test_enterprise_size_follows_the_2011_standard(firm: dict, size: str | None) -> None:
    """企业规模 (《中小企业划型标准规定》): per industry, every measure must reach its line."""
    as_of = date(2026, 12, 4)
    facts = BUILTIN.of("enterprise")
    assert Profile(facts, firm, as_of).get("enterprise_size") == size
    column = derive_column(Columns.from_profiles(facts, [firm]), "enterprise_size", as_of)
    got = facts["enterprise_size"].values[column.values[0]] if column.present[0] else None
    assert got == size


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "industry_code": st.sampled_from(
                    [
                        "A0112",
                        "C3484",
                        "E4700",
                        "F5124",
                        "F5212",
                        "G5920",
                        "G6010",
                        "G5410",
                        "H6110",
                        "I6320",
                        "I6510",
                        "K7010",
                        "K7020",
                        "L7211",
                        "M7320",
                    ]
                ),
                "employees": st.integers(0, 2500),
                "revenue_fen": st.integers(0, 250000).map(lambda n: n * WAN),
                "total_assets_fen": st.integers(0, 150000).map(lambda n: n * WAN),
            },
        ),
        min_size=1,
        max_size=30,
    )
)
def test_classifications_agree_on_columns_and_profiles(firms: list[dict]) -> None:
    as_of = date(2026, 12, 4)
    facts = BUILTIN.of("enterprise")
    column = derive_column(Columns.from_profiles(facts, firms), "enterprise_size", as_of)
    for index, firm in enumerate(firms):
        want = Profile(facts, firm, as_of).get("enterprise_size")
        got = (
            facts["enterprise_size"].values[column.values[index]] if column.present[index] else None
        )
        assert got == want, firm
