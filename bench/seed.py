"""Seeding the synthetic population: `python -m bench.seed --persons 100000 --db sqlite`.

Baseline, in the same run: inserting the same number of already-prepared rows, so the line
`seed_vs_insert_only` shows what drawing, checking and encrypting cost on top of the insert.
"""

from __future__ import annotations

import argparse
from functools import partial

from bench.common import emit, peak_rss_mb, scratch_database, stopwatch
from models.clock import utcnow
from services.demo import _population as population
from services.demo import _prefetch as prefetch
from services.demo import seed_demo
from services.demo._seed import _row
from services.profiles import insert_subject_rows


def main() -> None:
    """Seed N persons into a scratch database and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "mysql"), default="sqlite")
    args = parser.parse_args()
    emit("persons", args.persons)
    emit("db", args.db)
    with scratch_database(args.db) as database, database.session() as session:
        with stopwatch() as seeding:
            seed_demo(session=session, persons=args.persons, enterprises=0)
    seed_rate = args.persons / seeding[0]
    emit("seed_s", seeding[0])
    emit("seed_persons_per_s", seed_rate)
    with scratch_database(args.db) as database, database.session() as session:
        assert database.vault is not None  # scratch_database gives it one
        prepare = partial(_row, database.vault, utcnow())
        rows = [
            row
            for batch in prefetch.batches(
                "person",
                seed=1,
                count=args.persons,
                as_of=population.AS_OF,
                size=5_000,
                prepare=prepare,
            )
            for row in batch
        ]
        with stopwatch() as inserting:
            for start in range(0, len(rows), 5_000):
                insert_subject_rows(session, rows[start : start + 5_000])
                session.commit()
    insert_rate = args.persons / inserting[0]
    emit("insert_only_rows_per_s", insert_rate)
    emit("seed_vs_insert_only", seed_rate / insert_rate)
    emit("peak_rss_mb", peak_rss_mb())


if __name__ == "__main__":
    main()
