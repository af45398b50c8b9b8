"""Matching at city scale: `python -m bench.matching --persons N --items M --db sqlite|mysql`.

Seeds a scratch database (not timed): N synthetic residents, M synthetic items shaped like the
demo's (bench/rules_data.py), 20% of residents bound to a WeChat user, the profile chunks built.
Then times, from stored profiles to committed matches with nothing cached beforehand:
the full match, one new item to its outbox rows, and single profile changes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import func, select, update

from bench.common import emit, peak_rss_mb, scratch_database, stopwatch
from bench.rules_data import shaped_items
from models import (
    ChangeEvent,
    ChangeScope,
    Department,
    ItemMode,
    OutboxMessage,
    Policy,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    Subject,
    SubjectBinding,
    SubjectMatches,
    VersionStatus,
    WeChatUser,
)
from models.base import table_of
from models.bulk import write_rows
from models.clock import utcnow
from services import matching, profiles
from services.demo import seed_demo
from services.matching import ENDED, unpack

TODAY = __import__("datetime").date(2026, 11, 27)


def main() -> None:
    """Seed, then print the timings one per line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--db", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    with scratch_database(args.db) as database:
        with database.session() as session:
            seed_demo(session=session, persons=args.persons, enterprises=0)
            _replace_items(session, args.items)
            _bind(session, share=0.2)
            profiles.build_chunks(session, "person")
            _settle(session)
        emit("persons", args.persons)
        emit("items", args.items)
        emit("db", args.db)
        database.sessionmaker.kw["info"]["cache"].clear()  # nothing cached beforehand
        full = _timed_run(database, ChangeScope.FULL)
        emit("full_match_s", full)
        with database.session() as session:
            new_item = _add_items(session, 1, seed=99, first=args.items)[0]
            session.commit()
        emit("item_publish_to_outbox_s", _timed_run(database, ChangeScope.ITEM, item_id=new_item))
        latencies = _subject_changes(database, args.changes)
        emit("subject_change_p50_ms", statistics.median(latencies) * 1000)
        emit("subject_change_p95_ms", statistics.quantiles(latencies, n=20)[18] * 1000)
        with database.session() as session:
            pairs = sum(
                int(((unpack(blob)["flags"] & ENDED) == 0).sum())
                for blob in session.scalars(select(SubjectMatches.entries))
            )
            emit("matches_written", pairs)
            emit("outbox_messages", session.scalar(select(func.count()).select_from(OutboxMessage)))
    emit("peak_rss_mb", peak_rss_mb())


def _timed_run(database, scope: str, item_id: int | None = None) -> float:
    with stopwatch() as elapsed:
        with database.session() as session:
            session.add(ChangeEvent(scope=scope, item_id=item_id, reason="bench"))
            session.commit()
        matching.process_changes(database, today=TODAY)
    return elapsed[0]


def _replace_items(session, count: int) -> None:
    """Withdraw the demo's items and publish `count` synthetic ones instead."""
    session.execute(update(PolicyItem).values(status=PolicyStatus.WITHDRAWN))
    _add_items(session, count, seed=1, first=0)
    session.commit()


def _add_items(session, count: int, *, seed: int, first: int) -> list[int]:
    department = session.scalar(select(Department).limit(1))
    policy = Policy(
        code=f"BENCH-{seed}",
        department_id=department.id,
        title="基准测试政策",
        status=PolicyStatus.PUBLISHED,
        published_at=utcnow(),
    )
    session.add(policy)
    session.flush()
    rng = random.Random(seed)
    ids = []
    for index, (rule, amount, params, template) in enumerate(shaped_items(count, seed)):
        # 免申即享 is for narrow, well-known groups (the elderly, disabled, assisted): about one
        # item in twenty, as in the demo data; the rest are one-tap or guide items.
        narrow = template in ("elderly", "disability", "assistance")
        if narrow and rng.random() < 0.14:
            mode = ItemMode.AUTO_GRANT
        else:
            mode = rng.choice([ItemMode.ONE_TAP, ItemMode.GUIDE])
        item = PolicyItem(
            code=f"BENCH-{seed}-{first + index}",
            policy_id=policy.id,
            name=f"基准事项{first + index}",
            subject_type="person",
            mode=mode,
            status=PolicyStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(item)
        session.flush()
        version = PolicyItemVersion(
            item_id=item.id,
            version=1,
            status=VersionStatus.PUBLISHED,
            rule=rule,
            amount=amount,
            params=params,
            published_at=utcnow(),
        )
        session.add(version)
        session.flush()
        item.current_version_id = version.id
        ids.append(item.id)
    return ids


def _bind(session, share: float) -> None:
    """Give a share of residents a WeChat user bound to them (the ones pushes can reach)."""
    ids = session.scalars(select(Subject.id).where(Subject.kind == "person")).all()
    chosen = random.Random(7).sample(list(ids), int(len(ids) * share))
    now = utcnow()
    users = [("wxbench", f"o-{subject_id}", "active", now) for subject_id in chosen]
    write_rows(session, table_of(WeChatUser), ("appid", "openid", "status", "created_at"), users)
    session.commit()
    user_ids = dict(session.execute(select(WeChatUser.openid, WeChatUser.id)).all())
    bindings = [(user_ids[f"o-{s}"], s, "self", "active", "bench", now, now) for s in chosen]
    write_rows(
        session,
        table_of(SubjectBinding),
        (
            "wechat_user_id",
            "subject_id",
            "relation",
            "status",
            "verified_by",
            "verified_at",
            "created_at",
        ),
        bindings,
    )
    session.commit()


def _settle(session) -> None:
    """Mark what seeding asked for as done: the timed runs start from nothing matched."""
    session.execute(update(ChangeEvent).values(processed_at=utcnow()))
    session.commit()


def _subject_changes(database, count: int) -> list[float]:
    """Change one resident's profile at a time; time until its matches are committed."""
    with database.session() as session:
        ids = session.scalars(select(Subject.id).where(Subject.kind == "person").limit(5000)).all()
    rng = random.Random(3)
    latencies = []
    for subject_id in rng.sample(list(ids), min(count, len(ids))):
        started = time.perf_counter()
        with database.session() as session:
            subject = session.get(Subject, subject_id)
            facts = dict(subject.facts)
            facts["birth_date"] = (
                f"{rng.randint(1930, 2005)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            )
            event = ChangeEvent(scope=ChangeScope.SUBJECT, subject_id=subject_id, reason="bench")
            session.add(event)
            session.flush()
            subject.facts, subject.profile_seq = facts, event.id
            session.commit()
        matching.process_changes(database, today=TODAY)
        latencies.append(time.perf_counter() - started)
    return latencies


if __name__ == "__main__":
    main()
