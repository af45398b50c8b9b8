"""The synonym lexicon: residents' phrases and the policy words they mean. Built in
(services/ask/data/synonyms.yaml) and kept by staff (ask_synonyms, which overrides or switches off
a built-in phrase); the index reads it when it is rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AskSynonym


@cache
def builtin() -> dict[str, tuple[str, ...]]:
    """The lexicon shipped with the service."""
    text = resources.files("services.ask").joinpath("data/synonyms.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text) or {}
    return {str(phrase): tuple(str(w) for w in words) for phrase, words in data.items()}


@dataclass(frozen=True)
class Lexicon:
    """Phrase → policy words, longest phrases first."""

    entries: tuple[tuple[str, tuple[str, ...]], ...]

    def found_in(self, question: str) -> list[tuple[str, tuple[str, ...]]]:
        """The entries whose phrase the question holds (a longer phrase hides its parts)."""
        found = []
        taken = question
        for phrase, words in self.entries:
            if phrase in taken:
                found.append((phrase, words))
                taken = taken.replace(phrase, " ")
        return found

    def policy_words(self) -> set[str]:
        """Every policy word the lexicon leads to (jieba learns them as words)."""
        return {word for _, words in self.entries for word in words}


def current_lexicon(session: Session) -> Lexicon:
    """The built-in lexicon with the staff's entries over it."""
    merged = dict(builtin())
    for row in session.scalars(select(AskSynonym)):
        if row.enabled and row.words:
            merged[row.phrase] = tuple(str(w) for w in row.words)
        else:
            merged.pop(row.phrase, None)
    ordered = sorted(merged.items(), key=lambda pair: (-len(pair[0]), pair[0]))
    return Lexicon(tuple(ordered))
