"""Publishing: departments, policies, items and their versions, with scoping and audit; the
dry-run of a draft over the whole population before it is published.

Others call what __all__ lists (the admin API, the expire_items job). Internals: one module per
concern (_access scopes staff to their department, _content checks an item's rule and amount,
_versions and _lifecycle publish and take down, _workflow moves whole policies).
"""

from __future__ import annotations

from services.publishing._access import ItemDetail, readable_departments
from services.publishing._departments import create_department, list_departments, update_department
from services.publishing._dry_run import dry_run, run_cases
from services.publishing._items import create_item, get_item, list_items, update_item
from services.publishing._policies import create_policy, get_policy, list_policies, update_policy
from services.publishing._versions import (
    discard_draft,
    item_versions,
    publish_item,
    save_draft,
    withdraw_item,
)
from services.publishing._workflow import (
    expire_items,
    expire_policies,
    publish_policy,
    withdraw_policy,
)

__all__ = [
    "ItemDetail",
    "create_department",
    "create_item",
    "create_policy",
    "discard_draft",
    "dry_run",
    "run_cases",
    "expire_items",
    "expire_policies",
    "get_item",
    "get_policy",
    "item_versions",
    "list_departments",
    "list_items",
    "list_policies",
    "publish_item",
    "publish_policy",
    "readable_departments",
    "save_draft",
    "update_department",
    "update_item",
    "update_policy",
    "withdraw_item",
    "withdraw_policy",
]
