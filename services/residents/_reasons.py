"""The one-line reason of a match card (符合 / 还差 …), computed on read (docs/matching.md) and
kept per process by what it depends on."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from rules import ItemRules, ParamMissing
from rules.language import Condition
from rules.profile import Profile
from services.matching import compiled_versions

if TYPE_CHECKING:
    from services.residents._my_matches import MyMatches


def with_reasons(*, session: Session, matches: MyMatches, cards: list[dict[str, Any]]) -> list:
    """Add the one-line Chinese reason to each card (computed on read: docs/matching.md)."""
    compiled = compiled_versions(session, matches.versions)
    known = session.info.setdefault("cache", {}).setdefault("match_reasons", {})
    for card in cards:
        rules = compiled.get(card["_version_id"])
        if rules is None:
            card["reason"] = ""
            continue
        card["reason"] = reason(
            rules,
            card["_version_id"],
            matches.subjects[card["subject"]["id"]].facts,
            matches.today,
            known,
        )
    return cards


REASONS_CACHED = 50_000


def reason(rules: ItemRules, version_id: int, facts: dict, today: date, known: dict) -> str:
    """Return the one-line reason of an entry, from `known` when already explained.

    `known` is per database (session.info["cache"]): it holds the reasons by key and, by
    version id, the facts each version's rule reads.

    The reason is a function of the item version, the day, and the facts the rule's conditions
    read (stored ones as stored, derived ones such as age as derived on that day): residents
    who share them (the same age and district, the same fact missing) share the reason. So it
    is kept per process under exactly those values; a rule is explained only for a combination
    not seen yet.
    """
    inputs = known.get(version_id)
    if inputs is None:
        inputs = known[version_id] = _inputs(rules)
    key: list[Any] = [version_id, today]
    profile = None
    for name, sources in inputs:
        if sources:  # derived (age): as derived today, or which of its inputs are missing
            if profile is None:
                profile = Profile(rules.facts, facts, today)
            value = profile.get(name)
            if value is None:
                value = tuple(profile.get(source) is None for source in sources)
        else:  # stored: as stored (the same stored value is read and explained the same way)
            value = facts.get(name)
            if isinstance(value, list):
                value = tuple(value)
        key += (value, value.__class__)  # True == 1 as keys; as facts they may differ
    try:
        text = known.get(tuple(key))
    except TypeError:  # a value that cannot be a key (a nested list): explain it
        key, text = [], None
    if text is None:
        try:
            text = rules.summary(facts, today)
        except ParamMissing:  # no standard in force today; the matcher ends such entries
            text = ""
        if key:
            if len(known) >= REASONS_CACHED:
                known.clear()  # the rules' inputs too: they are found again
            known[tuple(key)] = text
    return text


def _inputs(rules: ItemRules) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return the facts the rule's conditions read, each with the stored facts it is derived
    from (empty for a stored fact): a missing derived fact is reported by its missing inputs."""
    names: dict[str, tuple[str, ...]] = {}
    stack = [] if rules.rule is None else [rules.rule]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            for fact in (node.fact, node.other):
                if fact is not None:
                    names[fact.name] = tuple(fact.derived_from or ()) if fact.derived else ()
        else:
            stack.extend(node.children)
    return tuple(names.items())
