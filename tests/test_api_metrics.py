"""/metrics as a Prometheus scraper reads it: after a push and an import its figures agree with the
database, requests are counted by route, and only this host or the token may read it."""

from __future__ import annotations

import io

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.extensions import dispatcher_for
from models import ChangeEvent, ImportBatch
from notify.emulator import EmulatorServer
from services import operations
from services.audit import SYSTEM
from services.profiles import import_profiles
from services.profiles._formats import read_jsonl
from tests import push_factories as pf
from tests.factories import jsonl, profile_records


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict[tuple[str, tuple], float]:  # type: ignore[no-untyped-def]
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.data[:200]
    assert answer.content_type.startswith("text/plain")
    return samples(answer.get_data(as_text=True))


def test_after_a_push_and_an_import_the_figures_agree_with_the_database(  # type: ignore[no-untyped-def]
    app, client, settings, session: Session, wx: EmulatorServer
) -> None:
    subject_id, user_id = pf.resident(session, "o-metrics", appid=settings.wechat_appid)
    pf.new_match(session, subject_id, "高龄津贴", 10000)
    pf.give_quota(session, user_id, 1)
    wx.grant("o-metrics", pf.NEW)
    assert dispatcher_for(app).run()["sent"] == 1
    assert len(wx.messages()) == 1
    records = profile_records("person", 5, seed=7)
    report = import_profiles(
        session=session,
        actor=SYSTEM,
        kind="person",
        batch_id="metrics-1",
        rows=read_jsonl(io.BytesIO(jsonl(records))),
        source="jsonl",
    )
    assert report["inserted"] == 5
    healthz = (
        "kx_http_requests_total",
        (("method", "GET"), ("route", "/healthz"), ("status", "200")),
    )
    before = scrape(client).get(healthz, 0)
    declined = client.post("/api/v1/ask", json={"question": "护照过期了怎么换"})
    assert declined.status_code == 200 and declined.json["answered"] is False
    for _ in range(3):
        assert client.get("/healthz").status_code == 200

    seen = scrape(client)
    session.rollback()
    counts = operations.status_counts(session=session)["deliveries"]
    assert counts == {"sent": 1}
    assert seen[("kx_deliveries", (("status", "sent"),))] == 1
    assert seen[("kx_outbox_due", ())] == 0
    inserted = session.scalar(select(func.sum(ImportBatch.inserted)))
    assert seen[("kx_import_rows_total", (("outcome", "inserted"),))] == inserted == 5
    assert seen[("kx_import_batches_total", ())] == 1
    pending = session.scalar(
        select(func.count()).select_from(ChangeEvent).where(ChangeEvent.processed_at.is_(None))
    )
    assert seen[("kx_matcher_pending_changes", ())] == pending > 0  # the import's, not matched yet
    assert seen[("kx_matcher_lag_seconds", ())] >= 0
    assert seen[("kx_ask_questions_24h", (("outcome", "declined"),))] == 1  # asked above
    assert seen[("kx_ask_questions_24h", (("outcome", "answered"),))] == 0
    assert seen[healthz] - before == 3
    latency = ("kx_http_request_duration_seconds_count", (("method", "GET"), ("route", "/healthz")))
    assert seen[latency] >= 3


def test_only_this_host_or_the_token_reads_the_metrics(app, client, settings) -> None:  # type: ignore[no-untyped-def]
    from api import create_app

    elsewhere = {"REMOTE_ADDR": "203.0.113.50"}
    refused = client.get("/metrics", environ_base=elsewhere)
    assert refused.status_code == 403 and refused.json["code"] == 403
    guarded = create_app(settings.with_overrides(metrics_token="scrape-token-1"))
    try:
        other = guarded.test_client()
        head = {"Authorization": "Bearer scrape-token-1"}
        assert other.get("/metrics", environ_base=elsewhere, headers=head).status_code == 200
        wrong = {"Authorization": "Bearer scrape-token-2"}
        assert other.get("/metrics", environ_base=elsewhere, headers=wrong).status_code == 403
    finally:
        guarded.extensions["kx.db"].dispose()
