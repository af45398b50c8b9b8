"""/metrics in Prometheus' text format (prometheus-client), for the operations team's scraper.

Two kinds of figures (docs/operations.md):
- this service's requests: count and latency by method, route (the URL rule, never the path:
  paths can carry personal data) and status, counted in each process; under gunicorn every
  worker writes them to PROMETHEUS_MULTIPROC_DIR (api/gunicorn_conf.py sets it) and a scrape of
  any worker reads them all;
- the database's: the outbox and its deliveries, WeChat's errors on them, the jobs, the
  matcher's lag, the imports (services.operations.shared_figures), read at scrape time.

Only addresses in KX_METRICS_ALLOW (default: this host) or a request with `Authorization:
Bearer <KX_METRICS_TOKEN>` may read it; behind a proxy the address is the forwarded one
(KX_PROXY_COUNT).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from api.errors import error_body
from api.extensions import settings_of
from services import operations

REQUESTS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "kx_http_requests",
    "HTTP requests answered, by method, route and status",
    ("method", "route", "status"),
    registry=REQUESTS_REGISTRY,
)
LATENCY = Histogram(
    "kx_http_request_duration_seconds",
    "Time to answer a request, by method and route",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REQUESTS_REGISTRY,
)
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


class SharedFigures:
    """A collector of the database's figures, read once per scrape."""

    def __init__(self, figures: dict) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        yield _labelled("kx_deliveries", "Push deliveries by state", "status", f["deliveries"])
        yield _labelled("kx_outbox_messages", "Outbox messages by state", "status", f["outbox"])
        yield GaugeMetricFamily("kx_outbox_due", "Deliveries due to be sent now", value=f["due"])
        yield GaugeMetricFamily(
            "kx_outbox_oldest_due_seconds",
            "Age of the oldest delivery due to be sent (0: none)",
            value=f["oldest_due_seconds"],
        )
        errors = GaugeMetricFamily(
            "kx_wechat_delivery_errors",
            "Deliveries whose last WeChat answer was an error, by state and errcode",
            labels=("status", "errcode"),
        )
        for status, code, count in f["errors"]:
            errors.add_metric((status, str(code)), count)
        yield errors
        yield _labelled(
            "kx_job_last_success_timestamp_seconds",
            "When each job last succeeded (Unix time)",
            "job",
            f["job_last_success"],
        )
        yield _labelled(
            "kx_job_failures_24h", "Failed runs in the last 24 hours", "job", f["job_failures_24h"]
        )
        yield _labelled("kx_job_running", "Runs in progress", "job", f["job_running"])
        yield GaugeMetricFamily(
            "kx_matcher_pending_changes", "Changes not matched yet", value=f["pending_changes"]
        )
        yield GaugeMetricFamily(
            "kx_matcher_lag_seconds",
            "Age of the oldest change not matched yet (0: none)",
            value=f["matcher_lag_seconds"],
        )
        rows = CounterMetricFamily(
            "kx_import_rows", "Profile rows imported, by outcome", labels=("outcome",)
        )
        for outcome, count in f["import_rows"].items():
            rows.add_metric((outcome,), count)
        yield rows
        yield CounterMetricFamily(
            "kx_import_batches", "Profile import batches", value=f["import_batches"]
        )
        yield _labelled(
            "kx_ask_questions_24h",
            "智能咨询 questions in the last 24 hours: answered, declined, answered but disliked",
            "outcome",
            f["ask_24h"],
        )


def _labelled(name: str, documentation: str, label: str, values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=(label,))
    for key, value in sorted(values.items()):
        family.add_metric((str(key),), value)
    return family


def allowed() -> bool:
    """Tell whether this request may read the metrics: an allowed address or the token."""
    settings = settings_of()
    token = settings.metrics_token
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_allow)


def scrape() -> bytes:
    """Return every figure in Prometheus' text format."""
    requests_registry = REQUESTS_REGISTRY
    if os.environ.get(MULTIPROC):  # every gunicorn worker's figures, not only this one's
        requests_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests_registry)
    shared = CollectorRegistry()
    with current_app.extensions["kx.db"].session() as session:
        shared.register(SharedFigures(operations.shared_figures(session)))
    return generate_latest(requests_registry) + generate_latest(shared)


def register_metrics(app: Flask) -> None:
    """Count every request and serve /metrics (outside the API's OpenAPI document)."""

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "(no route)"
            REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response

    def metrics() -> Response:
        if not allowed():
            body = error_body(403, "仅允许监控地址或持有令牌访问 /metrics")
            return current_app.json.response(body), 403  # type: ignore[return-value]
        return Response(scrape(), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
