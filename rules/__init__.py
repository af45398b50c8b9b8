"""Pure eligibility rules: facts catalog, rule language, explanations, amounts, evaluation.

No database, no Flask, no clock: the evaluation date is always an argument.
"""

from rules.amounts import AmountResult
from rules.catalog import CATALOG, Fact, FactType, facts_of, find_fact
from rules.eligibility import Eligibility
from rules.errors import RuleError, RuleInvalid
from rules.evaluate import Explained
from rules.item import Evaluation, ItemRules, compile_item, validate_item
from rules.params import ParamMissing

__all__ = [
    "CATALOG",
    "AmountResult",
    "Eligibility",
    "Evaluation",
    "Explained",
    "Fact",
    "FactType",
    "ItemRules",
    "ParamMissing",
    "RuleError",
    "RuleInvalid",
    "compile_item",
    "facts_of",
    "find_fact",
    "validate_item",
]
