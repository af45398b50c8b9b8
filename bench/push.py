"""Push throughput: N new-match messages to N residents through the dispatcher and the emulator.

    python -m bench.push --messages 20000 --latency-ms 50 [--faults] [--db sqlite|mysql]

The WeChat emulator runs in its own process (gunicorn, connections kept alive) and answers every
send after the given latency; `--faults` adds 5% HTTP 500, 1% errcode 45009 and two kinds of
timeout after the request left (ambiguous: docs/notify.md): 2% that WeChat never acted on, 1%
that it delivered and whose answer was lost. With `--faults` the emulator posts its sent events
to a callback server of this benchmark, which applies them as the app's callback does (a
database write per message, which the throughput then includes); an ambiguous push waits
`--uncertain-seconds` for its event, then is sent again.
Every message is enqueued at once (as a nightly reconcile or a broad new item would), then one
dispatcher sends until every delivery is final. The baseline is the same dispatcher with one push
in flight at a time, over a sample. Duplicates and losses are counted from what the emulator got:
`lost` and `duplicates` over the residents none of whose pushes timed out ambiguously,
`ambiguous_lost` and `ambiguous_duplicates` over those for whom one did.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import redis as redis_lib
import requests
from sqlalchemy import func, select, text

from bench.common import emit, peak_rss_mb, scratch_database
from models import (
    Database,
    DeliveryAttempt,
    MessageDelivery,
    MessageStatus,
    OutboxMessage,
    Subject,
    SubjectBinding,
    SubscriptionQuota,
    WeChatUser,
)
from models.base import table_of
from models.bulk import write_rows
from models.clock import utcnow
from notify import messages, outbox, pages
from notify.development import DEV_AES_KEY, DEV_TOKEN
from notify.dispatcher import DispatchSettings, make_dispatcher
from notify.outbox import Message
from notify.wechat import WeChatGateway

SEND = "/cgi-bin/message/subscribe/send"
TEMPLATE = messages.DEFAULT_TEMPLATE_IDS[messages.NEW_MATCHES]
APPID, SECRET = "wxbench000000000000", "bench-secret"
REDIS_URL = "redis://127.0.0.1:6379/14"
KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Emulator:
    """The emulator in its own process under gunicorn (keep-alive), driven through /_emulator/."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        port = self.url.rsplit(":", 1)[1]
        env = os.environ | {"KX_WECHAT_APPID": APPID, "KX_WECHAT_SECRET": SECRET}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-k", "gthread", "--workers", "1", "--threads", "128"]
            + ["--keep-alive", "30", "--bind", f"127.0.0.1:{port}"]
            + ["notify.emulator.server:wsgi_app()"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                requests.get(f"{self.url}/_emulator/clock", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start")

    def control(self, method: str, route: str, **body: Any) -> dict:
        answer = requests.request(method, f"{self.url}/_emulator/{route}", json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def enqueue(database: Database, openids: list[str]) -> None:
    """Write residents bound to WeChat users with one quota each, and one message each."""
    now = utcnow()
    with database.session() as session:
        first = int(session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM subjects")) or 0) + 1
        ids = range(first, first + len(openids))
        write_rows(
            session,
            table_of(Subject),
            ("id", "kind", "identity_hash", "name", "facts", "facts_hash", "profile_seq")
            + ("source", "created_at", "updated_at"),
            [
                (i, "person", hashlib.sha256(o.encode()).digest(), "居民", "{}", "", 0)
                + ("bench", now, now)
                for i, o in zip(ids, openids, strict=True)
            ],
        )
        write_rows(
            session,
            table_of(WeChatUser),
            ("id", "appid", "openid", "status", "created_at"),
            [(i, APPID, o, "active", now) for i, o in zip(ids, openids, strict=True)],
        )
        write_rows(
            session,
            table_of(SubjectBinding),
            ("wechat_user_id", "subject_id", "relation", "status", "verified_by")
            + ("verified_at", "created_at"),
            [(i, i, "self", "active", "bench", now, now) for i in ids],
        )
        write_rows(
            session,
            table_of(SubscriptionQuota),
            ("wechat_user_id", "template_id", "subscription_type", "remaining", "status")
            + ("client_unpaired", "event_unpaired", "updated_at"),
            [(i, TEMPLATE, "one_time", 1, "accept", 0, 0, now) for i in ids],
        )
        item = {"item_id": 1, "version_id": 1, "name": "高校毕业生就业补贴", "amount_fen": 120000}
        data = {"items": [item], "count": 1, "total_fen": 120000}
        outbox.add_many(
            session,
            (
                Message(
                    topic=messages.NEW_MATCHES,
                    dedupe_key=f"bench:{i}",
                    subject_id=i,
                    title="您有新的政策可享",
                    body="高校毕业生就业补贴",
                    data=data,
                    page=pages.home(),
                )
                for i in ids
            ),
            now=now,
        )
        session.commit()


class Callback:
    """The app's message-push callback, for the benchmark: decrypt each event the emulator posts
    and apply it with services.subscriptions.handle_push, in a thread of its own."""

    def __init__(self, database: Database) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any) -> None:
                """One line per event would drown the figures."""

        self.database = database
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wsgi(self, environ: dict, start_response: Any) -> list[bytes]:
        import json
        from urllib.parse import parse_qs

        from wechatpy.crypto import WeChatCrypto

        from services.subscriptions import handle_push, parse_push

        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        crypto = WeChatCrypto(DEV_TOKEN, DEV_AES_KEY, APPID)
        xml = (
            "<xml><ToUserName><![CDATA[x]]></ToUserName>"
            f"<Encrypt><![CDATA[{body['Encrypt']}]]></Encrypt></xml>"
        )
        plaintext = crypto.decrypt_message(
            xml, query["msg_signature"], query["timestamp"], query["nonce"]
        )
        with self.database.session() as session:
            handle_push(
                session,
                event=parse_push(plaintext),
                appid=APPID,
                long_term_templates=(),
                now=utcnow(),
            )
            session.commit()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"success"]

    def stop(self) -> None:
        self.server.shutdown()


def dispatch_all(database: Database, gateway: WeChatGateway, settings: DispatchSettings, **kw):
    """Run a dispatcher until no delivery is pending, sending or uncertain; return counts and
    seconds."""
    dispatcher = make_dispatcher(database, gateway, settings, **kw)
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        while True:
            counts.update(dispatcher.run())
            with database.session() as session:
                open_count = session.scalar(
                    select(func.count())
                    .select_from(MessageDelivery)
                    .where(
                        MessageDelivery.status.in_(
                            [MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.UNCERTAIN]
                        )
                    )
                )
            if not open_count:
                break
            time.sleep(0.2)  # retries wait out their backoff
    finally:
        dispatcher.close()
    return counts, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--db", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=1000.0, help="token bucket, pushes/s")
    parser.add_argument("--baseline", type=int, default=300, help="messages sent one at a time")
    parser.add_argument(
        "--uncertain-seconds",
        type=float,
        default=60.0,
        help="how long an ambiguous push waits for its sent event (600 in the service)",
    )
    args = parser.parse_args()
    logging.getLogger("notify.wechat").setLevel(logging.ERROR)  # each fault would log a line

    redis = None
    if args.db == "mysql":
        redis = redis_lib.Redis.from_url(REDIS_URL)
        redis.flushdb()
    emulator = Emulator()
    try:
        emulator.control("POST", "faults", path=SEND, latency_ms=args.latency_ms)
        if args.faults:  # the first fault that fires wins; the last one is the plain latency
            emulator.control("DELETE", "faults")
            for fault in (
                {"errcode": 45009, "probability": 0.01, "seed": 1},
                {"status": 500, "probability": 0.05, "seed": 2},
                {"hang": True, "hang_seconds": 1.5, "probability": 0.02, "seed": 3},
                {"lose_answer": True, "hang_seconds": 1.5, "probability": 0.01, "seed": 4},
                {"latency_ms": args.latency_ms},
            ):
                emulator.control("POST", "faults", path=SEND, **fault)
        gateway = WeChatGateway(
            appid=APPID,
            secret=SECRET,
            api_base=emulator.url,
            timeout=1.0,
            redis=redis,
            redis_prefix="kxbench",
            miniprogram_state="formal",
        )
        settings = DispatchSettings(
            concurrency=args.concurrency,
            backoff_base=0.5,
            backoff_cap=4.0,
            max_attempts=10,
            uncertain_seconds=args.uncertain_seconds,
            quiet_start=DispatchSettings().quiet_start,
            quiet_end=DispatchSettings().quiet_start,  # no quiet hours in a benchmark
        )
        total = args.messages + args.baseline
        openids = [f"o-bench-{n:07d}" for n in range(total)]
        emulator.control(
            "POST",
            "subscriptions",
            grants=[{"openid": o, "template_id": TEMPLATE, "count": 1} for o in openids],
        )
        with scratch_database(args.db) as database:
            callback = Callback(database) if args.faults else None  # sent events settle
            if callback is not None:  # ambiguous timeouts (and cost a write each)
                emulator.control(
                    "POST",
                    "config",
                    callback_url=callback.url,
                    push_token=DEV_TOKEN,
                    push_aes_key=DEV_AES_KEY,
                )
            emit("messages", args.messages)
            enqueue(database, openids[: args.baseline])
            one = DispatchSettings(**(vars(settings) | {"concurrency": 1}))
            _, baseline_s = dispatch_all(database, gateway, one, rate=args.rate, redis=redis)
            baseline_rate = args.baseline / baseline_s

            enqueue(database, openids[args.baseline :])
            counts, seconds = dispatch_all(database, gateway, settings, rate=args.rate, redis=redis)
            received = Counter(m["touser"] for m in emulator.control("GET", "messages")["messages"])
            wanted = openids[args.baseline :]
            with database.session() as session:
                measured = MessageDelivery.id > args.baseline
                latencies = [
                    (cast(datetime, sent) - created).total_seconds()  # sent_at IS NOT NULL
                    for sent, created in session.execute(
                        select(MessageDelivery.sent_at, OutboxMessage.created_at)
                        .join(OutboxMessage, OutboxMessage.id == MessageDelivery.message_id)
                        .where(measured, MessageDelivery.sent_at.is_not(None))
                    )
                ]
                sent_rows = session.scalar(
                    select(func.count())
                    .select_from(MessageDelivery)
                    .where(measured, MessageDelivery.status == MessageStatus.SENT)
                )
                ambiguous_users = set(
                    session.scalars(
                        select(WeChatUser.openid)
                        .join(DeliveryAttempt, DeliveryAttempt.wechat_user_id == WeChatUser.id)
                        .where(DeliveryAttempt.outcome == "uncertain")
                    )
                )
            if callback is not None:
                callback.stop()
            plain = [o for o in wanted if o not in ambiguous_users]
            unsure = [o for o in wanted if o in ambiguous_users]
            emit("sent", int(sent_rows or 0))
            emit("throughput_msgs_per_s", args.messages / seconds)
            emit("duplicates", sum(max(received[o] - 1, 0) for o in plain))
            emit("lost", sum(1 for o in plain if received[o] == 0))
            emit("ambiguous_timeouts", len(unsure))
            emit("ambiguous_resent", counts.get("uncertain_resent", 0))
            emit("ambiguous_duplicates", sum(max(received[o] - 1, 0) for o in unsure))
            emit("ambiguous_lost", sum(1 for o in unsure if received[o] == 0))
            emit("p95_enqueue_to_sent_s", statistics.quantiles(latencies, n=20)[-1])
            emit("baseline_one_at_a_time_msgs_per_s", baseline_rate)
            emit("speedup_vs_baseline", (args.messages / seconds) / baseline_rate)
            emit("retries", counts.get("retry_later", 0))
            emit("failed", counts.get("failed", 0))
            emit("peak_rss_mb", peak_rss_mb())
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
