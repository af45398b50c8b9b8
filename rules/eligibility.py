"""Eligibility, one vocabulary from a rule's condition to a stored match and the API.

Three-valued: a subject is eligible for an item, is not, or cannot be told yet because a fact is
missing (unknown, shown as 待补充信息). A condition and a whole rule take the same three values.
The numbers are what vectorized results and packed match rows store; `word` is what the API
and rule cases say.
"""

from __future__ import annotations

from enum import IntEnum


class Eligibility(IntEnum):
    """Eligible, ineligible, or unknown (facts missing)."""

    INELIGIBLE = 0
    ELIGIBLE = 1
    UNKNOWN = 2

    @property
    def word(self) -> str:
        """Return the API's word: "eligible", "ineligible" or "unknown"."""
        return _WORDS[self]

    @property
    def chinese(self) -> str:
        """Return what a resident reads: 符合, 不符合, 待补充信息."""
        return _CHINESE[self]

    @classmethod
    def of_word(cls, word: str) -> Eligibility:
        """Return the member an API word names; KeyError for any other word."""
        return _BY_WORD[word]


_WORDS = {Eligibility.INELIGIBLE: "ineligible", Eligibility.ELIGIBLE: "eligible"}
_WORDS[Eligibility.UNKNOWN] = "unknown"
_CHINESE = {Eligibility.INELIGIBLE: "不符合", Eligibility.ELIGIBLE: "符合"}
_CHINESE[Eligibility.UNKNOWN] = "待补充信息"
_BY_WORD = {word: member for member, word in _WORDS.items()}
WORDS = tuple(_WORDS[member] for member in Eligibility)  # in the enum's order
