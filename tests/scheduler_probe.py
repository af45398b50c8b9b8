"""A job for scheduler tests, run by `kuaixiang scheduler --jobs-from tests.scheduler_probe:jobs`.

Every second it appends "start" and "end" lines (pid, the tick it was fired for, wall time) to
the file named by KX_TEST_PROBE_LOG, sleeping KX_TEST_PROBE_SECONDS in between.
"""

from __future__ import annotations

import os
import time

from apscheduler.triggers.cron import CronTrigger

from jobs.registry import Job
from jobs.runner import current_tick
from models import Database
from models.clock import SHANGHAI


def probe(database: Database) -> dict[str, int]:
    """Log the run's start and end around a sleep; touch nothing else."""
    tick = current_tick.get()
    shown = tick.isoformat() if tick else "manual"
    path = os.environ["KX_TEST_PROBE_LOG"]
    with open(path, "a") as out:
        out.write(f"start {os.getpid()} {shown} {time.time():.6f}\n")
    time.sleep(float(os.environ.get("KX_TEST_PROBE_SECONDS", "0.3")))
    with open(path, "a") as out:
        out.write(f"end {os.getpid()} {shown} {time.time():.6f}\n")
    return {"probed": 1}


def jobs() -> list[Job]:
    """The probe, every second, recorded on every run (so skipped runs are recorded too)."""
    return [
        Job("probe", probe, CronTrigger(second="*", timezone=SHANGHAI), "测试探针", lease_ttl=30)
    ]
