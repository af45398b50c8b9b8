"""The staff console (/console/) in the machine's Chromium driven by Playwright: a 数据管理员
logs in, finds the facts catalog with its built-in facts, adds a fact, sees a refused one named
by field, deprecates the fact no item uses yet and is refused deprecating one a live item uses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from api.console import built
from services.demo import seed_demo
from tests import factories

needs_build = pytest.mark.skipif(
    not built(), reason="the console is not built (make test builds it; Node.js 20 is needed)"
)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-test=who]")


@needs_build
def test_a_data_manager_keeps_the_facts_catalog(page, live_server: str, session: Session) -> None:
    seed_demo(session=session, persons=20, enterprises=5)
    factories.staff(session, "datamgr", "catalog")
    log_in(page, live_server, "datamgr")
    assert "数据管理员" in page.inner_text("[data-test=who]")
    page.get_by_role("menuitem", name="指标目录").click()
    table = page.locator("[data-test=facts]")
    table.get_by_text("企业规模", exact=True).wait_for()
    assert table.get_by_text("年龄段", exact=True).count() == 1

    page.click("[data-test=add-fact]")
    form = page.locator("[data-test=add-form]")
    form.locator("input[name=label]").fill("参保人数")
    form.locator("input[name=key]").fill("Insured Count")
    page.click("[data-test=save-fact]")
    form.get_by_text(re.compile("应为小写字母开头")).wait_for()  # the refused field says why
    form.locator("input[name=key]").fill("insured_headcount")
    form.locator("input[name=unit]").fill("人")
    page.click("[data-test=save-fact]")
    table.get_by_text("insured_headcount", exact=True).wait_for()

    table.get_by_text("insured_headcount", exact=True).click()  # no live item reads it yet
    page.click("[data-test=deprecate]")
    page.get_by_text("恢复启用").wait_for()
    page.keyboard.press("Escape")
    table.get_by_text("年龄", exact=True).first.click()  # the demo's items read it
    page.get_by_text(re.compile(r"LC-MZ-2025-01-01")).wait_for()
    page.click("[data-test=deprecate]")
    problem = page.locator("[data-test=detail-problem]")
    problem.wait_for()
    assert "仍在使用，不能停用" in problem.inner_text()


@needs_build
def test_the_console_asks_for_a_login_and_says_a_wrong_password(
    page,
    live_server: str,
) -> None:
    page.goto(f"{live_server}/console/#/facts")
    page.wait_for_selector("input[name=username]")  # sent to the login first
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码错误").wait_for()


def test_without_a_build_the_console_says_how_to_make_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flask import Flask

    from api.console import register_console

    app = Flask(__name__)
    register_console(app, dist=tmp_path)
    client = app.test_client()
    answer = client.get("/console/")
    assert answer.status_code == 503 and "工作台尚未构建" in answer.get_data(as_text=True)
    assert client.get("/console").status_code == 308
    (tmp_path / "index.html").write_text("<div id=app></div>")
    served = client.get("/console/")
    assert served.status_code == 200 and served.headers["Cache-Control"] == "no-cache"


@needs_build
def test_an_admin_reads_the_audit_log(page, live_server: str, session: Session) -> None:
    from services import facts
    from services.audit import Actor

    factories.staff(session, "boss", "admin")
    manager = Actor(kind="staff", id=None, name="演示数据管理员")
    facts.create_fact(
        session=session,
        actor=manager,
        document={"subject_type": "person", "key": "grant_count", "label": "已领补贴次数",
                  "type": "integer"},
    )  # fmt: skip
    log_in(page, live_server, "boss")
    page.get_by_role("menuitem", name="审计日志").click()
    table = page.locator("[data-test=audit]")
    table.get_by_text("新增指标").first.wait_for()
    assert "演示数据管理员" in table.inner_text()
    page.get_by_placeholder("操作人").fill("没有这个人")
    page.get_by_placeholder("操作人").press("Enter")
    table.get_by_text("暂无数据").wait_for()
