"""Publishing: departments, policies, items and their versions, with scoping and audit.

One module per concern (split to stay small); import the use cases from here.
"""

from services.publishing.access import ItemDetail
from services.publishing.departments import (
    create_department,
    list_departments,
    update_department,
)
from services.publishing.items import create_item, get_item, list_items, update_item
from services.publishing.policies import create_policy, get_policy, list_policies, update_policy
from services.publishing.versions import (
    discard_draft,
    item_versions,
    publish_item,
    save_draft,
    withdraw_item,
)
from services.publishing.workflow import expire_policies, publish_policy, withdraw_policy

__all__ = [
    "ItemDetail",
    "create_department",
    "create_item",
    "create_policy",
    "discard_draft",
    "expire_policies",
    "get_item",
    "get_policy",
    "item_versions",
    "list_departments",
    "list_items",
    "list_policies",
    "publish_item",
    "publish_policy",
    "save_draft",
    "update_department",
    "update_item",
    "update_policy",
    "withdraw_item",
    "withdraw_policy",
]
