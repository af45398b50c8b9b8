"""A real headless Chromium for the tests of web pages."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return the Chromium binary, or skip the test saying how to get one."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    return path


def rendered_dom(url: str, *, budget_ms: int = 15000) -> str:
    """Load `url` in headless Chromium, let its scripts run, and return the resulting DOM."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium_path(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A Playwright page in the machine's Chromium (never a downloaded browser); a screenshot
    of the page is saved under the test's temporary folder when the test fails."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = chromium_path()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS[1:])
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path_factory.mktemp("screenshots") / f"{request.node.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failed page: {shot}")
        context.close()
        browser.close()
