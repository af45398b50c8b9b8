"""Chinese search: `python -m bench.search [--copies 50] [--db mysql|sqlite]`.

The demo's policies and items copied N times (1,000 policies and 2,600 items at 50), indexed
with jieba into search_terms, then the same queries answered three ways:

- jieba: the query cut into words, looked up in search_terms by term (catalog._search.scores);
- LIKE: `LIKE '%query%'` over every title and text of policies and items (a scan);
- FULLTEXT (MariaDB only): an InnoDB FULLTEXT index on the same texts, `MATCH … AGAINST`.

Prints the time per query of each and how many policies each found: LIKE finds only the exact
string (so "高龄 补贴" finds nothing), and MariaDB's FULLTEXT, which has no ngram parser (that is
MySQL's), sees a run of Chinese characters as one word and finds nothing for 津贴.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import or_, select, text

from bench.common import emit, scratch_database, stopwatch
from models import Policy, PolicyCategory, PolicyItem, PolicyItemVersion, PolicyStatus
from services.catalog import _search as search
from services.demo import seed_demo

QUERIES = [
    "高龄",
    "津贴",
    "高龄津贴",
    "高校毕业生",
    "创业担保贷款",
    "稳岗返还",
    "残疾人",
    "住房公积金",
    "养老服务补贴",
    "小微企业",
    "高龄 补贴",
    "技能提升补贴",
]
TEXTS = (Policy.title, Policy.summary, Policy.body, Policy.interpretation)
ITEM_TEXTS = (PolicyItem.name, PolicyItem.benefit, PolicyItem.guide_text)


def copy_demo(session, copies: int) -> None:
    """Add `copies` copies of every demo policy with its items (published)."""
    originals = list(session.scalars(select(Policy)))
    items = {
        p.id: list(session.scalars(select(PolicyItem).where(PolicyItem.policy_id == p.id)))
        for p in originals
    }
    for copy in range(1, copies):
        for policy in originals:
            clone = Policy(
                code=f"{policy.code}-C{copy}",
                department_id=policy.department_id,
                title=f"{policy.title}（{copy}）",
                summary=policy.summary,
                body=policy.body,
                interpretation=policy.interpretation,
                status=PolicyStatus.PUBLISHED,
                categories=[PolicyCategory(category=c.category) for c in policy.categories],
            )
            session.add(clone)
            session.flush()
            for item in items[policy.id]:
                twin = PolicyItem(
                    code=f"{item.code}-C{copy}",
                    policy_id=clone.id,
                    name=item.name,
                    subject_type=item.subject_type,
                    mode=item.mode,
                    status=PolicyStatus.PUBLISHED,
                    benefit=item.benefit,
                    guide_text=item.guide_text,
                )
                session.add(twin)
                session.flush()
                version = PolicyItemVersion(item_id=twin.id, version=1, status="published")
                session.add(version)
                session.flush()
                twin.current_version_id = version.id
        session.commit()


def like_policies(session, query: str) -> set[int]:
    """Return the policies whose texts, or whose items' texts, contain the query string."""
    pattern = f"%{query}%"
    direct = select(Policy.id).where(
        Policy.status == PolicyStatus.PUBLISHED, or_(*(t.like(pattern) for t in TEXTS))
    )
    via_items = select(PolicyItem.policy_id).where(
        PolicyItem.status == PolicyStatus.PUBLISHED, or_(*(t.like(pattern) for t in ITEM_TEXTS))
    )
    return set(session.scalars(direct)) | set(session.scalars(via_items))


def fulltext_policies(session, query: str) -> set[int]:
    """Return the policies MariaDB's FULLTEXT index finds for the query (boolean mode)."""
    rows = session.execute(
        text("SELECT id FROM bench_fulltext WHERE MATCH(body) AGAINST (:q IN BOOLEAN MODE)"),
        {"q": query},
    )
    return {row[0] for row in rows}


def build_fulltext(session) -> None:
    """A scratch table with every policy's texts under an InnoDB FULLTEXT index (bench only)."""
    session.execute(
        text(
            "CREATE TABLE bench_fulltext (id BIGINT PRIMARY KEY, body LONGTEXT, "
            "FULLTEXT (body)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        )
    )
    session.execute(
        text(
            "INSERT INTO bench_fulltext SELECT id, CONCAT_WS(' ', title, summary, body, "
            "interpretation) FROM policies"
        )
    )
    session.commit()


def timed(fn, rounds: int) -> tuple[float, int]:
    """Return the median ms per query over the QUERIES, and the policies found in all."""
    times, found = [], 0
    for query in QUERIES:
        runs = []
        for _ in range(rounds):
            started = time.perf_counter()
            result = fn(query)
            runs.append(time.perf_counter() - started)
        times.append(statistics.median(runs))
        found += len(result)
    return statistics.mean(times) * 1000, found


def main() -> None:
    """Seed, index, query three ways, print one figure a line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--db", choices=("mysql", "sqlite"), default="mysql")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with scratch_database(args.db) as database, database.session() as session:
        seed_demo(session=session, persons=0, enterprises=0)
        copy_demo(session, args.copies)
        with stopwatch() as indexing:
            counts = search.rebuild_index(session)
        emit("db", args.db)
        emit("policies", counts["policies"])
        emit("items", session.query(PolicyItem).count())
        emit("search_terms", counts["terms"])
        emit("index_build_s", indexing[0])
        jieba_ms, jieba_found = timed(lambda q: search.scores(session, q, items=False), args.rounds)
        like_ms, like_found = timed(lambda q: like_policies(session, q), args.rounds)
        emit("queries", len(QUERIES))
        emit("search_jieba_ms", jieba_ms)
        emit("search_like_ms", like_ms)
        emit("like_vs_jieba", like_ms / jieba_ms)
        emit("jieba_found", jieba_found)
        emit("like_found", like_found)
        if args.db == "mysql":
            build_fulltext(session)
            fulltext_ms, fulltext_found = timed(lambda q: fulltext_policies(session, q), 1)
            emit("search_fulltext_ms", fulltext_ms)
            emit("fulltext_found", fulltext_found)
            emit("fulltext_found_津贴", len(fulltext_policies(session, "津贴")))
        emit("jieba_found_津贴", len(search.scores(session, "津贴", items=False)))


if __name__ == "__main__":
    main()
