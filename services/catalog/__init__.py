"""The public catalog: published policies and live items by keyword and filters, their detail
pages, and the Chinese keyword index behind the search.

Others call: list_policies, list_items, policy_detail, item_detail (the resident API), and
index_policy / rebuild_index (publishing keeps the index in step in its own transaction).
Internals: _listing (queries and pages), _search (jieba terms in `search_terms`).
"""

from __future__ import annotations

from services.catalog._listing import Filters, item_detail, list_items, list_policies, policy_detail
from services.catalog._search import index_policy, rebuild_index

__all__ = [
    "Filters",
    "index_policy",
    "item_detail",
    "list_items",
    "list_policies",
    "policy_detail",
    "rebuild_index",
]
