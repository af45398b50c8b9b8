"""Installing from the package, as the operations team does: the wheel built from this checkout is
installed into a fresh venv, and from a folder outside the checkout `kuaixiang --version`,
`kuaixiang db upgrade`, `kuaixiang seed-demo --persons 1000` and `kuaixiang serve` (the web role)
work; the instance folder is the working directory's, the console is served from the wheel, and
bench/ and tests/ are not installed. On SQLite from nothing, and on the run's MariaDB."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from api.config import Settings
from api.console import built
from tests.processes import free_port, healthy, wait_until

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the wheel of this checkout installed (with its dependencies)."""
    wheels = tmp_path_factory.mktemp("wheels")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("kuaixiang-*.whl")
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    install = subprocess.run(
        [str(home / "bin" / "pip"), "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    yield home


def _env(home: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KX_", "PYTHON"))}
    env["PATH"] = f"{home / 'bin'}:{env.get('PATH', '')}"
    env["KX_DATA_KEY"] = base64.b64encode(os.urandom(32)).decode()
    return env | values


def _run(home: Path, cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(home / "bin" / "kuaixiang"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"kuaixiang {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_holds_the_service_and_nothing_of_the_checkout(installed: Path) -> None:
    python = str(installed / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import api, models, services; print(api.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(installed)) and not where.startswith(str(ROOT))
    missing = subprocess.run([python, "-c", "import bench"], cwd="/", capture_output=True)
    assert missing.returncode != 0  # benchmarks stay in the checkout
    for module in ("api.wsgi", "api.gunicorn_conf"):
        spec = subprocess.run(
            [
                python,
                "-c",
                f"import importlib.util as u; print(u.find_spec('{module}') is not None)",
            ],
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        )
        assert spec.stdout.strip() == "True", module


def test_installed_it_migrates_seeds_and_serves_from_any_folder(  # type: ignore[no-untyped-def]
    installed: Path, settings: Settings, tmp_path: Path, storage
) -> None:
    work = tmp_path / "srv"
    work.mkdir()
    port = free_port()
    env = _env(installed, KX_PORT=str(port))
    if storage.name == "mariadb":  # the run's database and Redis (emptied after the test)
        env |= {
            "KX_DATABASE_URL": settings.database_url,
            "KX_REDIS_URL": settings.redis_url or "",
            "KX_REDIS_PREFIX": settings.redis_prefix,
        }
    env_file = work / "kuaixiang.env"
    env_file.write_text(f"KX_LOG_LEVEL=WARNING\nKX_PORT={port}\n")

    assert _run(installed, work, env, "--version").strip() == f"kuaixiang {VERSION}"
    _run(installed, work, env, "-e", str(env_file), "db", "upgrade")
    seeded = _run(installed, work, env, "seed-demo", "--persons", "1000", "--enterprises", "50")
    assert "1000" in seeded
    if storage.name == "sqlite":  # the embedded default: ./instance of the working directory
        assert (work / "instance" / "kuaixiang.db").is_file()

    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [str(installed / "bin" / "kuaixiang"), "serve", "--workers", "2"],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(base), 60, lambda: (work / "serve.log").read_text()[-3000:])
        items = requests.get(f"{base}/api/v1/items", params={"q": "高龄津贴"}, timeout=10)
        assert items.status_code == 200 and "高龄津贴" in [i["name"] for i in items.json()]
        assert requests.get(f"{base}/docs", timeout=10).status_code in (200, 308)
        if built():  # make test builds the console before the wheel is made
            console = requests.get(f"{base}/console/", timeout=10)
            assert console.status_code == 200 and "<div id=" in console.text
        metrics = requests.get(f"{base}/metrics", timeout=10)
        assert metrics.status_code == 200 and "kx_http_requests_total" in metrics.text
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
        log.close()
    assert code == 0, (work / "serve.log").read_text()[-3000:]
