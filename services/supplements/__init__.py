"""补充信息: a fact a resident declares for a subject they act for, when an item cannot decide
without it (待补充信息), with materials that prove it; reviewed by the department of that item. An
approved value enters the profile (the supplement stays as its source) and the subject is matched
again at once. Resident side in _declare, staff side in _review (docs/supplements.md).
"""

from __future__ import annotations

from services.supplements._declare import (
    declarable_facts,
    declare_fact,
    my_supplements,
    pending_for,
)
from services.supplements._review import (
    approve_supplement,
    get_supplement,
    list_supplements,
    reject_supplement,
    supplement_file,
)

__all__ = [
    "approve_supplement",
    "declarable_facts",
    "declare_fact",
    "get_supplement",
    "list_supplements",
    "my_supplements",
    "pending_for",
    "reject_supplement",
    "supplement_file",
]
