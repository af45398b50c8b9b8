"""Vectorized rule evaluation over the whole city against the scalar evaluator, and their parity.

    python -m bench.rules [--subjects 1000000] [--items 500] [--sample 1000]

Subjects come from services/demo/_population.py (a pool resampled, dates jittered) and items
from bench/rules_data.py; generating them is not timed. The items are the catalog mix: facts a
city added at run time (a quarter of the conditions), derived facts and a classification (a
tenth or more), conditional amounts (a third of the items); the shares are printed. The same
items without the added facts and conditional amounts, over the built-in facts, are timed in the
same run as the baseline (`vectorized_full_s_builtin_only`). The scalar figure is the evaluator at
its fastest with explanations off: one Profile per subject, every item's compiled check on it
(ItemRules.verdict(), which builds a Profile per pair, is about 6× slower still). The vectorized
figure is evaluate_items() over all subjects × all items, amounts included, median of --repeat.
Parity compares every item's verdict and amount for a sample of subjects.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import date

import numpy as np

from bench.common import emit, peak_rss_mb, stopwatch
from bench.rules_data import items as synthetic_items
from bench.rules_data import mixed_documents, population, runtime_catalog, with_runtime_facts
from rules import ItemRules, compile_item
from rules.columns import Columns
from rules.profile import Profile
from rules.vectorized import ItemMatches, evaluate_items
from services.demo._population import AS_OF


def scalar_rate(items: list[ItemRules], rows: list[dict], as_of: date) -> float:
    """Return the scalar evaluator's subject-item pairs per second (explanations off)."""
    checks = [item.at(as_of).check for item in items]
    with stopwatch() as elapsed:
        for facts in rows:
            profile = Profile(items[0].facts, facts, as_of)
            for check in checks:
                if check is not None:
                    check(profile)
    return len(rows) * len(items) / elapsed[0]


def vector_outcome(matches: ItemMatches, index: int) -> tuple[int, int | None, int | None]:
    """Return (verdict, fen, annual fen) of one subject from an item's matches."""
    for verdict, indices, amounts in (
        (1, matches.eligible, matches.eligible_amounts),
        (2, matches.unknown, matches.unknown_amounts),
    ):
        position = int(np.searchsorted(indices, index))
        if position < len(indices) and indices[position] == index:
            if amounts is None or not amounts.known[position]:
                return verdict, None, None
            return verdict, int(amounts.fen[position]), int(amounts.annual_fen[position])
    return 0, None, None


def mismatches(
    items: list[ItemRules],
    results: list[ItemMatches],
    rows: list[dict],
    sample: np.ndarray,
    as_of: date,
) -> int:
    """Count the sampled subject-item pairs where the two evaluators disagree."""
    count = 0
    for item, matches in zip(items, results, strict=True):
        for facts, index in zip(rows, sample.tolist(), strict=True):
            scalar = item.evaluate(facts, as_of, explain=False)
            fen = None if scalar.amount is None else scalar.amount.fen
            annual = None if scalar.amount is None else scalar.amount.annual_fen
            count += (int(scalar.verdict), fen, annual) != vector_outcome(matches, index)
    return count


def main(argv: list[str] | None = None) -> int:
    """Print the figures, one per line."""
    parser = argparse.ArgumentParser(prog="python -m bench.rules", description=__doc__)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--sample", type=int, default=1000, help="subjects for scalar and parity")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    as_of = AS_OF
    catalog = runtime_catalog()
    plain = population(args.subjects, args.seed, as_of)
    columns = with_runtime_facts(plain, catalog, args.seed)
    documents, shares = mixed_documents(args.items, args.seed)
    items = [
        compile_item(catalog=catalog, subject_kind="person", rule=r, amount=a, params=p)
        for r, a, p in documents
    ]
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(columns.size, min(args.sample, columns.size), replace=False))
    rows = [columns.row(int(index)) for index in sample]
    emit("subjects", columns.size)
    emit("items", len(items))
    for name, share in shares.items():
        emit(name, round(share, 3))
    scalar = scalar_rate(items, rows, as_of)
    emit("scalar_pairs_per_s", scalar)
    timings = []
    results: list[ItemMatches] = []
    for _ in range(max(args.repeat, 1)):
        results = []  # let the previous run's results go before the next one
        with stopwatch() as elapsed:
            results = evaluate_items(items, columns, as_of)
        timings.append(elapsed[0])
    full = statistics.median(timings)
    baseline = _timed(synthetic_items(args.items, args.seed), plain, as_of, args.repeat)
    rate = columns.size * len(items) / full
    emit("vectorized_pairs_per_s", rate)
    emit("vectorized_full_s", full)
    emit("vectorized_full_s_builtin_only", baseline)
    emit("catalog_mix_vs_builtin_only", full / baseline)
    emit("speedup", rate / scalar)
    emit("parity_mismatches", mismatches(items, results, rows, sample, as_of))
    emit("peak_rss_mb", peak_rss_mb())
    return 0


def _timed(items: list[ItemRules], columns: Columns, as_of: date, repeat: int) -> float:
    """Return the median time of evaluate_items over the columns."""
    timings = []
    for _ in range(max(repeat, 1)):
        with stopwatch() as elapsed:
            evaluate_items(items, columns, as_of)
        timings.append(elapsed[0])
    return statistics.median(timings)


if __name__ == "__main__":
    sys.exit(main())
