"""Matching: who qualifies for which live item. Consumes change events (a changed item is
evaluated over every subject of its kind at once, a changed subject against every live item),
writes only the difference to the stored matches, and the effects of new eligible matches
(outbox messages, grants for 免申即享 items).

Others call: process_changes (the matcher job and CLI), the live items (live_items,
compiled_versions, live_item_facts: the calculator, the catalog, claims), and the stored match
rows through _store's readers. _bulk is the whole-city pass; _effects writes what matches cause.
"""

from __future__ import annotations

from services.matching._effects import subjects_with_readers
from services.matching._live_items import (
    ItemFacts,
    LiveItem,
    compiled_versions,
    live_item_facts,
    live_items,
)
from services.matching._process import match_subjects, process_changes, today_local
from services.matching._store import AMOUNT_KNOWN, ENDED, active_entry, unpack

__all__ = [
    "AMOUNT_KNOWN",
    "ENDED",
    "ItemFacts",
    "LiveItem",
    "active_entry",
    "subjects_with_readers",
    "compiled_versions",
    "live_item_facts",
    "live_items",
    "match_subjects",
    "process_changes",
    "today_local",
    "unpack",
]
