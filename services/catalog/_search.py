"""Chinese keyword search: words of policies and items, segmented with jieba, in `search_terms`.

Chinese has no spaces, so neither `LIKE '%…%'` (a scan of every text) nor MariaDB's InnoDB
FULLTEXT (no ngram parser: MySQL's only) finds 津贴 in 高龄津贴发放管理办法. The texts are cut
into words once, when a policy or item is published, edited or withdrawn (services.publishing
calls index_policy in the same transaction), and a query is cut the same way and answered from
the index by term: the same SQL on SQLite and MariaDB (docs/search.md).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import cast

import jieba
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from models import Policy, PolicyItem, PolicyStatus, SearchTerm

jieba.setLogLevel(logging.WARNING)

# How much one occurrence of a word counts, by where it occurs; title words weigh most.
POLICY_FIELDS = {"title": 10, "categories": 3, "summary": 3, "interpretation": 1, "body": 1}
ITEM_FIELDS = {"name": 10, "benefit": 3, "guide_text": 1, "policy_title": 2, "categories": 2}
MAX_COUNTED = 3  # occurrences counted per field: a long body must not outweigh a title
TERM_LENGTH = 64  # search_terms.term
QUERY_TERMS = 20
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 等 在 是 为 对 按 由 于 以 其 之 并 可 将 向 从 而 且 被 把 给 也 都 "
    "就 这 那 有 无 不 每 各 本 该 中 上 下 内 外 后 前 起 至 个 人 元 月 年 日".split()
)
_ready = threading.Lock()
_initialised = False


def _jieba() -> None:
    """Load jieba's dictionary once per process (about 0.4 s), not at import."""
    global _initialised
    if not _initialised:
        with _ready:
            if not _initialised:
                jieba.initialize()
                _initialised = True


def words(text: str | None) -> list[str]:
    """Return the search words of a text (cut for search: 高龄津贴 -> 高龄, 津贴)."""
    if not text:
        return []
    _jieba()
    found = []
    for token in jieba.cut_for_search(text):
        term = token.strip().lower()[:TERM_LENGTH]
        if term and term not in STOP_WORDS and any(char.isalnum() for char in term):
            found.append(term)
    return found


def query_terms(query: str) -> list[str]:
    """Return the distinct words of a query, in order, at most QUERY_TERMS."""
    return list(dict.fromkeys(words(query)))[:QUERY_TERMS]


def _weigh(fields: dict[str, int], texts: Mapping[str, str | None]) -> Counter[str]:
    weights: Counter[str] = Counter()
    for name, weight in fields.items():
        for term, count in Counter(words(texts.get(name))).items():
            weights[term] += weight * min(count, MAX_COUNTED)
    return weights


def _rows(policy_id: int, item_id: int | None, weights: Counter[str]) -> list[dict]:
    return [
        {"term": term, "policy_id": policy_id, "item_id": item_id, "weight": weight}
        for term, weight in weights.items()
    ]


def policy_rows(policy: Policy, items: Iterable[PolicyItem]) -> list[dict]:
    """Return the search_terms rows of a published policy and its published items."""
    categories = " ".join(c.category for c in policy.categories)
    rows = _rows(
        policy.id,
        None,
        _weigh(
            POLICY_FIELDS,
            {
                "title": policy.title,
                "categories": categories,
                "summary": policy.summary,
                "interpretation": policy.interpretation,
                "body": policy.body,
            },
        ),
    )
    for item in items:
        texts = {
            "name": item.name,
            "benefit": item.benefit,
            "guide_text": item.guide_text,
            "policy_title": policy.title,
            "categories": categories,
        }
        rows += _rows(policy.id, item.id, _weigh(ITEM_FIELDS, texts))
    return rows


def index_policy(session: Session, policy_id: int) -> int:
    """Re-index one policy and its items as they are now (live ones only); the caller commits.

    Called by services.publishing whenever a policy or item is published, edited, withdrawn
    or expired; a policy that is not published leaves no words behind.
    """
    session.execute(delete(SearchTerm).where(SearchTerm.policy_id == policy_id))
    policy = session.get(Policy, policy_id)
    if policy is None or policy.status != PolicyStatus.PUBLISHED:
        return 0
    items = session.scalars(
        select(PolicyItem).where(
            PolicyItem.policy_id == policy_id, PolicyItem.status == PolicyStatus.PUBLISHED
        )
    ).all()
    rows = policy_rows(policy, items)
    if rows:
        session.execute(insert(SearchTerm), rows)
    return len(rows)


def rebuild_index(session: Session) -> dict[str, int]:
    """Rebuild the whole index from the published policies and items, in one transaction."""
    session.execute(delete(SearchTerm))
    counts = {"policies": 0, "terms": 0}
    for policy_id in session.scalars(
        select(Policy.id).where(Policy.status == PolicyStatus.PUBLISHED).order_by(Policy.id)
    ):
        counts["terms"] += index_policy(session, policy_id)
        counts["policies"] += 1
    session.commit()
    return counts


def scores(session: Session, query: str, *, items: bool) -> dict[int, tuple[int, int]]:
    """Return, per item (or per policy), (query words found, summed weight); empty: no match.

    A policy's score counts its own words and its items'; an item's, its own (which include
    its policy's title). Rank by words found, then weight.
    """
    terms = query_terms(query)
    if not terms:
        return {}
    key = SearchTerm.item_id if items else SearchTerm.policy_id
    statement = (
        select(key, func.count(func.distinct(SearchTerm.term)), func.sum(SearchTerm.weight))
        .where(SearchTerm.term.in_(terms))
        .group_by(key)
    )
    if items:
        statement = statement.where(SearchTerm.item_id.is_not(None))
    # the key is never NULL: item ids are filtered above, and policy_id is NOT NULL
    return {cast(int, row[0]): (int(row[1]), int(row[2])) for row in session.execute(statement)}
