"""智能咨询 over the demo items: how often the first cited item is the right one, how often the
right one is among the three, how often a question no item answers is declined, how often an
answerable question is answered confidently with a wrong item, and how long an answer takes.

The questions (bench/ask_questions.yaml) are residents' words: at least 80, a quarter with no word
of the item's name, at least 15 that no item answers. No language model. Baseline in the same
run: the catalog's own keyword search (what the mini-program's search box does) on the same
questions, as top1 accuracy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from bench.common import emit, scratch_database
from bench.search import copy_demo
from models import PolicyItem
from models.clock import to_local, utcnow
from services import ask
from services.catalog._search import scores as keyword_scores
from services.demo import seed_demo

QUESTIONS = Path(__file__).with_name("ask_questions.yaml")


def main() -> None:
    """Seed the demo, ask every question, print one figure a line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("mysql", "sqlite"), default="sqlite")
    parser.add_argument("--verbose", action="store_true", help="print every question's outcome")
    parser.add_argument(
        "--copies", type=int, default=20, help="the demo catalog copied N times for the large index"
    )
    args = parser.parse_args()
    questions = yaml.safe_load(QUESTIONS.read_text())["questions"]
    today = to_local(utcnow()).date()
    with scratch_database(args.db) as database, database.session() as session:
        seed_demo(session=session, persons=0, enterprises=0)
        codes = {item.id: item.code for item in session.query(PolicyItem)}
        ask.ask(session=session, question="高龄津贴", today=today, record=False)  # warm
        answerable = [q for q in questions if q["expect"]]
        unanswerable = [q for q in questions if not q["expect"]]
        top1 = top3 = declined = wrong_confident = baseline_top1 = 0
        times = []
        for entry in questions:
            started = time.perf_counter()
            answer = ask.ask(session=session, question=entry["q"], today=today, record=False)
            times.append((time.perf_counter() - started) * 1000)
            cited = [item["code"] for item in answer["items"]]
            if entry["expect"]:
                first = cited[0] if answer["answered"] and cited else None
                top1 += first == entry["expect"]
                top3 += entry["expect"] in cited[:3]
                wrong_confident += bool(first and first != entry["expect"])
                found = keyword_scores(session, entry["q"], items=True)
                best = max(found, key=lambda i: found[i], default=None)
                baseline_top1 += best is not None and codes.get(best) == entry["expect"]
            else:
                declined += not answer["answered"]
            if args.verbose:
                mark = (
                    "ok"
                    if (cited[:1] == [entry["expect"]])
                    or (not entry["expect"] and not answer["answered"])
                    else "XX"
                )
                print(f"{mark} {entry['q']} -> {cited[:3]} {answer['confidence']} "
                      f"(want {entry['expect']})")  # fmt: skip
        times.sort()
        emit("questions", len(questions))
        emit("answerable", len(answerable))
        emit("plain_share", sum(1 for q in answerable if q.get("plain")) / len(answerable))
        emit("unanswerable", len(unanswerable))
        emit("top1_accuracy", top1 / len(answerable))
        emit("top3_accuracy", top3 / len(answerable))
        emit("decline_accuracy", declined / len(unanswerable))
        emit("wrong_confident", wrong_confident / len(answerable))
        emit("p50_ms", times[len(times) // 2])
        emit("p95_ms", times[int(len(times) * 0.95) - 1])
        emit("baseline_keyword_top1_accuracy", baseline_top1 / len(answerable))
        # the index rebuilt after a publish: on the demo, then on the demo copied --copies times
        emit("index_items", len(_rebuilt(session)[0].entries))
        emit("index_build_ms", _rebuilt(session)[1])
        copy_demo(session, args.copies)
        index, took = _rebuilt(session)
        emit("index_items_large", len(index.entries))
        emit("index_build_large_ms", took)
        large = []
        for entry in questions:
            started = time.perf_counter()
            ask.ask(session=session, question=entry["q"], today=today, record=False)
            large.append((time.perf_counter() - started) * 1000)
        large.sort()
        emit("p95_large_ms", large[int(len(large) * 0.95) - 1])


def _rebuilt(session: Session) -> tuple[ask.Index, float]:
    """Drop this process's index and build it again; return it and the milliseconds taken."""
    ask.forget(session)
    started = time.perf_counter()
    index = ask.current_index(session)
    return index, (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
