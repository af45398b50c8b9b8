"""Demo data: 聊城 departments and policies from YAML, a synthetic population to match, the
showcase identities the README offers, demo staff accounts, and a few weeks of use played through
the services (claims in each state, grants confirmed and paid) so every console page has data.

Others call: seed_demo / is_empty (`kuaixiang run`, `seed-demo`), create_demo_staff,
play_activity (`kuaixiang run` on an empty database), and
read_items (`kuaixiang rules test`). Tests also read the generators (_population, _companies).
"""

from __future__ import annotations

from services.demo._activity import play_activity
from services.demo._content import ContentError, read_items
from services.demo._seed import is_empty, seed_demo
from services.demo._staff import DemoAccount, create_demo_staff

__all__ = [
    "ContentError",
    "DemoAccount",
    "create_demo_staff",
    "is_empty",
    "play_activity",
    "read_items",
    "seed_demo",
]
