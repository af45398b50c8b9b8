"""The `kuaixiang` command as an operator uses it: real processes, real exit codes."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from api.config import new_data_key
from models import AuditEntry, migrate
from models.db import Database, make_engine
from models.pii import Vault
from services.staff import authenticate

BIN = Path(sys.executable).parent
KUAIXIANG = str(BIN / "kuaixiang")
PROJECT = Path(__file__).resolve().parent.parent


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    environment.update({"KX_INSTANCE_DIR": str(tmp_path), **env})
    return subprocess.run(
        args, env=environment, capture_output=True, text=True, timeout=120, cwd=PROJECT
    )


def test_db_upgrade_creates_the_schema_in_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = run(
        [KUAIXIANG, "db", "upgrade"], tmp_path, KX_DATABASE_URL=url, KX_DATA_KEY=new_data_key()
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    assert "subjects" in inspect(engine).get_table_names()
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
    check = run(
        [KUAIXIANG, "db", "check"], tmp_path, KX_DATABASE_URL=url, KX_DATA_KEY=new_data_key()
    )
    assert check.returncode == 0 and "agree" in check.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KX_DATABASE_URL": "mysql+pymysql://root@127.0.0.1:1/none"}, "KX_DATABASE_URL"),
        ({"KX_DATA_KEY": "not-a-key"}, "KX_DATA_KEY"),
        ({"KX_REDIS_URL": "redis://127.0.0.1:1/0"}, "KX_REDIS_URL"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"]])
def test_bad_configuration_stops_with_one_line(
    tmp_path: Path, env: dict[str, str], variable: str, command: list[str]
) -> None:
    values = {"KX_DATA_KEY": new_data_key(), **env}
    done = run([KUAIXIANG, *command], tmp_path, **values)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert variable in lines[0] and "Traceback" not in done.stderr


def test_wsgi_refuses_to_start_on_bad_configuration(tmp_path: Path) -> None:
    done = run(
        [sys.executable, "-c", "import wsgi"],
        tmp_path,
        KX_DATA_KEY=new_data_key(),
        KX_DATABASE_URL="mysql+pymysql://root@127.0.0.1:1/none",
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "KX_DATABASE_URL" in done.stderr


def test_gen_key_prints_a_usable_key(tmp_path: Path) -> None:
    done = run([KUAIXIANG, "gen-key"], tmp_path)
    key = done.stdout.strip()
    upgrade = run([KUAIXIANG, "db", "current"], tmp_path, KX_DATA_KEY=key)
    assert upgrade.returncode == 0, upgrade.stderr


def test_seed_demo_on_an_unmigrated_database_says_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    done = run([KUAIXIANG, "seed-demo"], tmp_path, KX_DATABASE_URL=url, KX_DATA_KEY=new_data_key())
    assert done.returncode == 2
    assert "kuaixiang db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_help_works_before_anything_is_configured(tmp_path: Path) -> None:
    done = run([KUAIXIANG, "--help"], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "seed-demo" in done.stdout and "wx-emulator" in done.stdout


def _migrated(tmp_path: Path) -> dict[str, str]:
    """Return the environment of a migrated SQLite database with the demo departments."""
    env = {"KX_DATABASE_URL": f"sqlite:///{tmp_path / 'staff.db'}", "KX_DATA_KEY": new_data_key()}
    assert run([KUAIXIANG, "db", "upgrade"], tmp_path, **env).returncode == 0
    seeded = run([KUAIXIANG, "seed-demo", "--persons", "0", "--enterprises", "0"], tmp_path, **env)
    assert seeded.returncode == 0, seeded.stderr
    return env


def test_refused_staff_input_is_one_line_naming_the_fields(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    done = run(
        [KUAIXIANG, "staff", "create", "--username", "zhang", "--display-name", "张科长"]
        + ["--role", "reviewer:NO-SUCH", "--password", "short"],
        tmp_path,
        **env,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "password: 密码至少 10 位" in lines[0]
    assert "roles.0: 部门「NO-SUCH」不存在，现有部门：" in lines[0] and "LC-MZ" in lines[0]
    assert "working-day calendar" not in done.stdout + done.stderr  # said when a server starts


def test_a_lost_password_is_set_anew_and_old_tokens_stop(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    created = run(
        [KUAIXIANG, "staff", "create", "--username", "li", "--display-name", "李审核"]
        + ["--role", "reviewer:LC-MZ"],
        tmp_path,
        KX_NEW_STAFF_PASSWORD="first-password-1",
        **env,
    )
    assert created.returncode == 0, created.stderr
    changed = run(
        [KUAIXIANG, "staff", "password", "--username", "li"],
        tmp_path,
        KX_NEW_STAFF_PASSWORD="second-password-2",
        **env,
    )
    assert changed.returncode == 0 and "li" in changed.stdout, changed.stderr
    unknown = run(
        [KUAIXIANG, "staff", "password", "--username", "nobody"],
        tmp_path,
        KX_NEW_STAFF_PASSWORD="second-password-2",
        **env,
    )
    assert unknown.returncode == 1 and "username: 员工不存在" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    database = Database(
        env["KX_DATABASE_URL"], vault=Vault(base64.urlsafe_b64decode(env["KX_DATA_KEY"]))
    )
    with database.session() as session:
        staff = authenticate(session=session, username="li", password="second-password-2")
        assert staff.token_version == 1  # tokens issued before carry 0
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.password"))
        assert entry is not None and entry.object_id == str(staff.id)
    database.dispose()
