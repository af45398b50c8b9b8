"""The facts catalog covers what profiles hold, and says it in Chinese."""

from __future__ import annotations

import re
from random import Random

import pytest

from rules import BUILTIN
from rules.catalog import FactType
from rules.values import coerce
from services.demo import _population as population

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", ["person", "enterprise"])
def test_every_fact_has_a_chinese_label_and_choices_where_needed(kind: str) -> None:
    for fact in BUILTIN.of(kind).values():
        assert CHINESE.search(fact.label), fact.name
        if fact.type in (FactType.ENUM, FactType.TAGS):
            assert fact.choices and all(CHINESE.search(label) for _, label in fact.choices)
        if fact.derived:
            assert all(name in BUILTIN.of(kind) for name in fact.derived_from)


@pytest.mark.parametrize(
    ("kind", "generate"),
    [("person", population.persons), ("enterprise", population.enterprises)],
)
def test_generated_profiles_use_only_catalog_facts_with_valid_values(kind, generate) -> None:  # type: ignore[no-untyped-def]
    facts = BUILTIN.of(kind)
    stored = {fact.name for fact in BUILTIN.stored(kind)}
    seen: set[str] = set()
    for record in generate(Random(7), 3000, as_of=population.AS_OF):
        for name, raw in record["facts"].items():
            assert name in stored, f"{name} is not a stored {kind} fact"
            if raw is not None:
                coerce(facts[name], raw)  # raises on a value the catalog does not allow
            seen.add(name)
    assert seen == stored, f"catalog facts never generated: {stored - seen}"


def test_values_are_refused_with_chinese_messages() -> None:
    person = BUILTIN.of("person")
    with pytest.raises(ValueError, match="「年龄」的取值应为整数"):
        coerce(person["age"], "eighty")
    with pytest.raises(ValueError, match="不是「性别」的可选值"):
        coerce(person["gender"], "m")
    assert coerce(person["assistance_tags"], ["dibao", "tekun"]) == frozenset({"dibao", "tekun"})


def test_every_fact_hashes_classifications_too() -> None:
    """Facts are set members (what an item reads); a classification holds JSON cases."""
    assert len({fact for fact in BUILTIN}) == len(list(BUILTIN))
