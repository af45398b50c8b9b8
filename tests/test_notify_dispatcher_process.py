"""Dispatchers as real processes: one killed mid-batch with SIGKILL, then two at once.

Every message must arrive; a push is sent twice only if it was in flight at the kill, and there
can be at most `concurrency * 2` of those (pushes claimed and not yet recorded).
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from api.config import Settings
from models import MessageStatus
from notify.emulator import EmulatorServer
from tests import push_factories as pf

KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")
SEND = "/cgi-bin/message/subscribe/send"
USERS = 240
CONCURRENCY = 6
IN_FLIGHT_AT_MOST = CONCURRENCY * 2


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    env.update(
        KX_INSTANCE_DIR=str(settings.instance_dir),
        KX_DATABASE_URL=settings.database_url,
        KX_DATA_KEY=base64.urlsafe_b64encode(settings.data_key).decode(),
        KX_REDIS_PREFIX=settings.redis_prefix,
        KX_WECHAT_API_BASE=settings.wechat_api_base,
        KX_WECHAT_APPID=settings.wechat_appid,
        KX_WECHAT_SECRET=settings.wechat_secret,
        KX_WECHAT_TIMEOUT="2",
        KX_QUIET_HOURS="00:00-00:00",
        KX_SCHEDULER="off",
    )
    if settings.redis_url:
        env["KX_REDIS_URL"] = settings.redis_url
    return env


def start(settings: Settings, log: Path) -> subprocess.Popen:
    command = [KUAIXIANG, "outbox", "dispatch", "--loop", "--interval", "0.2"]
    command += ["--lease-seconds", "3", "--concurrency", str(CONCURRENCY)]
    with log.open("a") as output:
        return subprocess.Popen(command, env=environment(settings), stdout=output, stderr=output)


def wait_for(check, seconds: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(
        f"timed out waiting for {what}; dispatcher log:\n{log.read_text()[-3000:]}"
    )


def test_a_killed_dispatcher_loses_nothing_and_repeats_at_most_what_was_in_flight(
    settings, session, wx: EmulatorServer, tmp_path: Path
) -> None:
    for n in range(USERS):
        openid = f"o-kill-{n:03d}"
        wx.grant(openid, pf.NEW, 3)  # WeChat would take a repeat: duplicates show
        subject_id, user_id = pf.resident(session, openid, appid=wx.appid)
        pf.give_quota(session, user_id, 1)
        pf.new_match(session, subject_id, f"事项{n}")
    wx.inject(SEND, latency_ms=40)
    log = tmp_path / "dispatch.log"

    first = start(settings, log)
    wait_for(lambda: len(wx.messages()) >= 40, 60, "the first pushes", log)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = len(wx.messages())
    assert at_kill < USERS, "the first dispatcher finished before it could be killed"

    second, third = start(settings, log), start(settings, log)
    try:
        wait_for(
            lambda: all(d.status == MessageStatus.SENT for d in pf.deliveries(session)),
            90,
            "every delivery to be sent",
            log,
        )
    finally:
        for process in (second, third):
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in (second, third)]

    assert codes == [0, 0], log.read_text()[-3000:]
    received = Counter(m["touser"] for m in wx.messages())
    assert set(received) == {f"o-kill-{n:03d}" for n in range(USERS)}  # nothing lost
    repeats = sum(received.values()) - USERS
    print(f"\nSIGKILL after {at_kill} pushes: {repeats} sent twice (bound {IN_FLIGHT_AT_MOST})")
    assert repeats <= IN_FLIGHT_AT_MOST, f"{repeats} repeats, {at_kill} sent at the kill"
    text = log.read_text()
    assert "sent=" in text and "Traceback" not in text
