"""The facts catalog (指标目录) as data.

`current(session)` is the catalog every rule is compiled, every profile checked and every
snapshot read against; list_facts, create_fact, update_fact and delete_fact manage it
(docs/catalog.md).
"""

from services.facts._current import current, forget, public_facts
from services.facts._manage import (
    create_fact,
    delete_fact,
    describe,
    get_fact,
    list_facts,
    update_fact,
    used_by,
)

__all__ = [
    "create_fact",
    "current",
    "delete_fact",
    "describe",
    "forget",
    "get_fact",
    "list_facts",
    "public_facts",
    "update_fact",
    "used_by",
]
