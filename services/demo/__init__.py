"""Demo data: 聊城 departments and policies from YAML, a synthetic population to match, the
showcase identities the README offers, and demo staff accounts.

Others call: seed_demo / is_empty (`kuaixiang run`, `seed-demo`), create_demo_staff, and
read_items (`kuaixiang rules test`). Tests also read the generators (_population, _companies).
"""

from __future__ import annotations

from services.demo._content import ContentError, read_items
from services.demo._seed import is_empty, seed_demo
from services.demo._staff import DemoAccount, create_demo_staff

__all__ = [
    "ContentError",
    "DemoAccount",
    "create_demo_staff",
    "is_empty",
    "read_items",
    "seed_demo",
]
