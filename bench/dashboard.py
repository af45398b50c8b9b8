"""The 驾驶舱 at city scale: `python -m bench.dashboard --subjects N --db sqlite|mysql`.

Seeds a scratch database (not timed): the demo's policies and items, N subjects across the
city's districts, each with stored matches shaped like the matcher's (three items on average,
two in three eligible, amounts known); no claims or grants (their live counts are indexed
GROUP BYs over far fewer rows). Then times the job that reads
every subject's matches into the snapshot (`dashboard_build_s`) and the page's answer from it
(`dashboard_read_p50_ms`, `dashboard_read_p95_ms`, which the console waits for; and one
department's, `dashboard_department_read_p50_ms`, which filters claims, grants and payouts by its
items), against `select1_p50_ms`, a trivial query on the same database in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.common import emit, peak_rss_mb, scratch_database, stopwatch
from models import Department, Subject, SubjectMatches
from models.base import table_of
from models.bulk import write_rows
from models.clock import utcnow
from rules.eligibility import Eligibility
from services import dashboard
from services.demo import seed_demo
from services.demo._tables import DISTRICT_NAMES
from services.matching import live_items
from services.matching._store import AMOUNT_KNOWN, ENTRY, digest, pack

BATCH = 20_000


def main() -> None:
    """Seed, then print the figures one per line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument("--reads", type=int, default=30)
    args = parser.parse_args()
    with scratch_database(args.db) as database:
        with database.session() as session:
            seed_demo(session=session, persons=0, enterprises=0)
            items = [item.id for item in live_items(session, "person")]
            versions = {item.id: item.version_id for item in live_items(session, "person")}
            _subjects(session, args.subjects, items, versions)
        emit("subjects", args.subjects)
        emit("items", len(items))
        with database.session() as session, stopwatch() as built:
            snapshot = dashboard.build_snapshot(session)
        emit("dashboard_build_s", round(built[0], 3))
        emit("snapshot_subjects", snapshot.subjects)
        reads, department_reads, trivial = [], [], []
        with database.session() as session:
            department = session.scalar(select(Department.id).where(Department.code == "LC-MZ"))
            for _ in range(args.reads):
                started = time.perf_counter()
                dashboard.overview(session=session)
                reads.append((time.perf_counter() - started) * 1000)
                session.rollback()
                started = time.perf_counter()
                dashboard.overview(session=session, department_id=department)
                department_reads.append((time.perf_counter() - started) * 1000)
                session.rollback()
                started = time.perf_counter()
                session.execute(text("SELECT 1"))
                trivial.append((time.perf_counter() - started) * 1000)
        emit("dashboard_read_p50_ms", round(statistics.median(reads), 2))
        emit("dashboard_read_p95_ms", round(sorted(reads)[int(0.95 * (len(reads) - 1))], 2))
        emit("dashboard_department_read_p50_ms", round(statistics.median(department_reads), 2))
        emit("select1_p50_ms", round(statistics.median(trivial), 3))
        emit("peak_rss_mb", round(peak_rss_mb()))


def _subjects(session: Session, count: int, items: list[int], versions: dict[int, int]) -> None:
    """Write `count` subjects and their packed matches, BATCH at a time."""
    rng = random.Random(7)
    numbers = np.random.default_rng(7)
    districts = list(DISTRICT_NAMES)
    now = utcnow()
    start = (session.scalar(select(Subject.id).order_by(Subject.id.desc()).limit(1)) or 0) + 1
    subject_columns = (
        *("id", "kind", "identity_hash", "name", "district_code", "facts", "facts_hash"),
        *("profile_seq", "source", "created_at", "updated_at"),
    )
    match_columns = (
        *("subject_id", "kind", "entries", "digest", "profile_seq", "checked_at", "updated_at"),
    )
    for first in range(start, start + count, BATCH):
        ids = range(first, min(first + BATCH, start + count))
        subjects, matches = [], []
        for subject_id in ids:
            hashed = hashlib.sha256(subject_id.to_bytes(8, "little")).digest()
            subjects.append(
                (
                    subject_id,
                    "person",
                    hashed,
                    "演示",
                    rng.choice(districts),
                    "{}",
                    "",
                    0,
                    "bench",
                    now,
                    now,
                )  # fmt: skip
            )
            chosen = sorted(rng.sample(items, min(len(items), int(numbers.poisson(3)))))
            entries = np.zeros(len(chosen), ENTRY)
            entries["item_id"] = chosen
            entries["version_id"] = [versions[i] for i in chosen]
            entries["verdict"] = np.where(
                numbers.random(len(chosen)) < 0.67, Eligibility.ELIGIBLE, Eligibility.UNKNOWN
            )
            entries["flags"] = AMOUNT_KNOWN
            entries["amount_fen"] = numbers.integers(1, 50, len(chosen)) * 10_000
            matches.append((subject_id, "person", pack(entries), digest(entries), 0, now, now))
        write_rows(session, table_of(Subject), subject_columns, subjects)
        write_rows(session, table_of(SubjectMatches), match_columns, matches)
        session.commit()


if __name__ == "__main__":
    main()
