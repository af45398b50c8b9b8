"""gunicorn's settings for the web role: `kuaixiang serve` runs
`gunicorn -c python:api.gunicorn_conf api.wsgi:app` (docs/operations.md has the whole layout).

The worker layout is the measured one (docs/my-policies.md, bench.api): gthread workers, one per
core, 4 threads each (a worker answers others while one request waits on WeChat or the
database), SO_REUSEPORT so that the kernel spreads connections over the workers. Each setting can
be changed on the command line (`kuaixiang serve --workers 8`) or with the KX_WEB_* variables.
"""

import os
import shutil
from pathlib import Path
from typing import Any

bind = [f"{os.environ.get('KX_HOST', '127.0.0.1')}:{os.environ.get('KX_PORT', '5000')}"]
workers = int(os.environ.get("KX_WEB_WORKERS") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(os.environ.get("KX_WEB_THREADS") or 4)
reuse_port = True
keepalive = 5
timeout = 60  # a worker silent this long is killed and replaced
graceful_timeout = 30  # SIGTERM: requests in flight get this long to finish
accesslog = None  # the service logs every request itself (api/requests.py), with its id
errorlog = "-"
proc_name = "kuaixiang-web"

# Prometheus (api/metrics.py): every worker writes its request figures into one folder, so that
# a scrape answered by any worker reports them all. Emptied when the web role starts.
METRICS_DIR = Path(
    os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    or Path(os.environ.get("KX_INSTANCE_DIR") or "instance").resolve() / "metrics"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)


def on_starting(server: object) -> None:
    """Start the figures afresh: files of workers from an earlier run would count twice."""
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    METRICS_DIR.mkdir(parents=True, exist_ok=True)


def child_exit(server: object, worker: Any) -> None:
    """Fold a dead worker's live gauges away (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
