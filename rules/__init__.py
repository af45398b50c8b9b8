"""Pure eligibility rules: facts catalog, rule language, explanations, amounts, evaluation.

No database, no Flask, no clock: the evaluation date is always an argument.
"""

from rules.amounts import AmountResult
from rules.catalog import BUILTIN, Catalog, Fact, Facts, FactType
from rules.eligibility import Eligibility
from rules.errors import RuleError, RuleInvalid
from rules.evaluate import Explained
from rules.item import Evaluation, ItemRules, compile_item, validate_item
from rules.params import ParamMissing

__all__ = [
    "BUILTIN",
    "AmountResult",
    "Catalog",
    "Eligibility",
    "Evaluation",
    "Explained",
    "Fact",
    "Facts",
    "FactType",
    "ItemRules",
    "ParamMissing",
    "RuleError",
    "RuleInvalid",
    "compile_item",
    "validate_item",
]
