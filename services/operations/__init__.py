"""What operators run and watch: named leases in the database (one holder of a job at a time),
housekeeping of old rows, and the state of pushes (list failed ones, send them again).

Others call: the lease functions (jobs, the matcher, `kuaixiang jobs`), purge_* (the
housekeeping job), status_counts / failed / retry (`kuaixiang outbox`).
"""

from __future__ import annotations

from services.operations._deliveries import failed, retry, status_counts, subscription_counts
from services.operations._housekeeping import (
    purge_ask_questions,
    purge_job_runs,
    purge_resident_sessions,
)
from services.operations._leases import (
    Heartbeat,
    acquire,
    held,
    holder_name,
    holder_of,
    kept_alive,
    release,
    renew,
)
from services.operations._metrics import shared_figures

__all__ = [
    "shared_figures",
    "Heartbeat",
    "acquire",
    "failed",
    "held",
    "holder_name",
    "holder_of",
    "kept_alive",
    "purge_ask_questions",
    "purge_job_runs",
    "purge_resident_sessions",
    "release",
    "renew",
    "retry",
    "status_counts",
    "subscription_counts",
]
