"""`make bench`: run every benchmark with its default size, one after another."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    ["bench.seed", "--persons", "100000", "--db", "sqlite"],
    ["bench.rules"],
    ["bench.matching", "--persons", "100000", "--items", "500", "--db", "sqlite"],
    ["bench.push", "--messages", "20000", "--latency-ms", "50"],
    ["bench.search"],
    ["bench.api"],
    ["bench.dashboard"],
    ["bench.ask"],
]


def main() -> int:
    """Run each benchmark module in its own process and print its lines under a heading."""
    failed = 0
    for command in BENCHMARKS:
        print(f"# {' '.join(command)}", flush=True)
        failed += subprocess.run([sys.executable, "-m", *command]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
