"""Subscribe templates as configuration: each message's fields go under the keys of the template
the account picked, fitted to each key's type; a configuration that does not match the account's
templates stops start-up with one line per mismatch; production refuses development secrets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api import create_app
from api.cli import cli
from api.commands.checks import require_templates, template_mismatches
from api.config import ConfigError, ProductionConfigError, Settings
from models import MessageStatus
from notify import messages, templates
from notify.emulator import EmulatorServer
from notify.messages import Content, Money
from tests import push_factories as pf
from tests.test_notify_dispatcher import dispatcher

NOW = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
REAL = "Xw3pQ_real-payout-template-id-0001"  # as the WeChat console shows a 我的模板 id
# 资金到账通知 as the public library might give it: other keys than our defaults
PAYOUT_TEMPLATE = {
    "priTmplId": REAL,
    "title": "资金到账通知",
    "content": "项目名称:{{thing7.DATA}}\n到账金额:{{amount4.DATA}}\n到账日期:{{date12.DATA}}\n",
    "example": "项目名称:高龄津贴\n到账金额:¥100.00\n到账日期:2026年12月4日\n",
    "type": 2,
}
PAYOUT_KEYS = {"item": "thing7", "amount": "amount4", "paid_on": "date12"}


# fitting and checking, pure


def test_each_value_is_fitted_to_its_keys_type() -> None:
    assert messages.fit(Money(480000), "amount") == "¥4800.00"
    assert messages.fit(Money(480000), "thing") == "预计4,800元"
    assert messages.fit(Money(None), "thing") == "金额以审核结果为准"
    assert messages.fit(datetime(2026, 12, 4, 1, 30, tzinfo=UTC), "time") == "2026年12月4日 09:30"
    assert messages.fit(date(2026, 12, 31), "date") == "2026年12月31日"
    assert messages.fit("已办理完毕了", "phrase") == "已办理完毕"
    assert messages.fit("KX-2026 编号", "character_string") == "KX-2026"
    with pytest.raises(ValueError):
        messages.amount(100_000_000_00)  # 1e10 fen: 11 digits with the cents


def test_a_payout_is_built_under_the_configured_keys() -> None:
    payout = Content(
        "payout_done",
        "到账",
        "",
        {"item_name": "高龄津贴", "amount_fen": 10000, "paid_at": "2026-12-04T01:00:00+00:00"},
    )
    built = messages.build(
        [payout],
        template_ids={"payout_done": REAL},
        template_keys={"payout_done": PAYOUT_KEYS},
        now=NOW,
    )
    assert built.template_id == REAL
    assert built.data == {
        "thing7": {"value": "高龄津贴"},
        "amount4": {"value": "¥100.00"},
        "date12": {"value": "2026年12月4日"},
    }


def test_a_configuration_names_what_cannot_work() -> None:
    lines = templates.problems_of(
        {
            "new_matches": {"item": "thing1", "amount": "amount2", "hint": "thing1", "time": "x"},
            "payout_done": {"item": "thing1", "amount": "amount2"},
            "refund": {},
        }
    )
    assert "new_matches.amount：关键词 amount2 是 amount 类，预计金额只能填 thing 类" in lines
    assert "new_matches.time：关键词 x 是 无效 类，提醒时间只能填 time、date、thing 类" in lines
    assert "new_matches.hint：关键词 thing1 已用于 item" in lines
    assert "payout_done.paid_on：没有配置关键词（到账日期）" in lines
    assert any(line.startswith("refund：没有这种消息") for line in lines)


def test_the_account_check_says_each_mismatch_once() -> None:
    account = [*[dict(t) for t in _development()], PAYOUT_TEMPLATE]
    ids = {"payout_done": REAL}
    assert templates.check(ids, {"payout_done": PAYOUT_KEYS}, account) == []
    lines = templates.check(ids, {}, account)  # our default keys against the real template
    has = "（模板有 thing7、amount4、date12）"
    unfilled = "没有对应的字段（每个关键词都要填，否则 47003）"
    assert lines == [
        f"payout_done.item：关键词 thing1 不在模板「资金到账通知」中{has}",
        f"payout_done.amount：关键词 amount2 不在模板「资金到账通知」中{has}",
        f"payout_done.paid_on：关键词 date3 不在模板「资金到账通知」中{has}",
        f"payout_done：模板「资金到账通知」的关键词 thing7 {unfilled}",
        f"payout_done：模板「资金到账通知」的关键词 amount4 {unfilled}",
        f"payout_done：模板「资金到账通知」的关键词 date12 {unfilled}",
    ]
    gone = templates.check({"claim_status": "not-in-account"}, {}, account)
    assert gone == [
        "claim_status：模板 not-in-account 不在本小程序的「我的模板」中（发送会得到 40037）"
    ]
    long_term = templates.check({}, {}, account, long_term=["kx-tmpl-claim-status"])
    assert long_term == [
        "claim_status：模板「办事进度通知」是一次性模板，请移出 KX_WECHAT_LONG_TERM_TEMPLATES"
    ]


def _development() -> list[dict]:
    from notify.emulator.state import development_templates

    return list(development_templates().values())


# against the emulator, which holds the account's templates and refuses what WeChat refuses


def test_a_template_with_other_keys_works_when_configured_and_stops_start_up_when_not(
    settings: Settings, session, wx: EmulatorServer
) -> None:  # type: ignore[no-untyped-def]
    wx.configure(templates=[*_development(), PAYOUT_TEMPLATE])
    configured = settings.with_overrides(
        wechat_templates={"payout_done": REAL}, wechat_template_keys={"payout_done": PAYOUT_KEYS}
    )
    app = create_app(configured)
    assert template_mismatches(app) == []
    require_templates(app)  # starts
    subject_id, user_id = pf.resident(session, "o-alice", appid=wx.appid)
    wx.mint_login_code("o-alice")
    pf.give_quota(session, user_id, 1, REAL)
    wx.grant("o-alice", REAL)
    pf.new_match(
        session,
        subject_id,
        topic="payout_done",
        item_name="高龄津贴",
        amount_fen=10000,
        paid_at="2026-12-04T01:00:00+00:00",
    )
    counts = dispatcher(app, configured).run()
    assert counts["sent"] == 1
    (pushed,) = wx.messages()
    assert pushed["template_id"] == REAL
    assert pushed["data"]["amount4"] == {"value": "¥100.00"}

    # the same template id with our default keys: start-up stops, naming each key
    ids_only = settings.with_overrides(wechat_templates={"payout_done": REAL})
    stopped = create_app(ids_only)
    with pytest.raises(ConfigError) as caught:
        require_templates(stopped)
    assert "payout_done.amount：关键词 amount2 不在模板「资金到账通知」中" in str(caught.value)
    result = stopped.test_cli_runner().invoke(cli, args=["wx", "check-templates"])
    assert result.exit_code == 1 and "关键词 amount4 没有对应的字段" in result.output
    # … and had it gone on, WeChat (here the emulator) refuses each push: 47003, failed
    pf.give_quota(session, user_id, 1, REAL)
    wx.grant("o-alice", REAL)
    pf.new_match(session, subject_id, topic="payout_done", item_name="高龄津贴", amount_fen=100)
    dispatcher(stopped, ids_only).run()
    failed = pf.deliveries(session, status=MessageStatus.FAILED)
    assert [d.last_errcode for d in failed] == [47003]


def test_a_templates_file_gives_ids_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "templates.toml"
    path.write_text(
        f'[payout_done]\nid = "{REAL}"\nkeys = {{ item = "thing7", amount = "amount4", '
        'paid_on = "date12" }\n',
        encoding="utf-8",
    )
    env = {"KX_DATA_KEY": _key(), "KX_WECHAT_TEMPLATES_FILE": str(path)}
    settings = Settings.from_env(env)
    assert settings.wechat_templates["payout_done"] == REAL
    assert settings.wechat_template_keys == {"payout_done": PAYOUT_KEYS}
    path.write_text('[payout_done]\nid = "x"\nkeys = { item = "amount1" }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert str(caught.value).startswith(
        "KX_WECHAT_TEMPLATES_FILE: payout_done.item：关键词 amount1"
    )


# production safety


def _key() -> str:
    from api.config import new_data_key

    return new_data_key()


PRODUCTION = {
    "KX_ENV": "production",
    "KX_WECHAT_API_BASE": "https://api.weixin.qq.com",
    "KX_WECHAT_APPID": "wx1234567890abcdef",
    "KX_WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "KX_WECHAT_TOKEN": "a-real-push-token",
    "KX_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "KX_WECHAT_TEMPLATES": ",".join(f"{topic}=real-{topic}" for topic in templates.TOPICS),
}


def test_production_starts_with_every_secret_its_own(tmp_path: Path) -> None:
    settings = Settings.from_env({**PRODUCTION, "KX_DATA_KEY": _key()})
    assert settings.environment == "production" and settings.real_wechat


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("KX_DATA_KEY", None, "KX_DATA_KEY: must be set in production"),
        ("KX_WECHAT_APPID", None, "KX_WECHAT_APPID: must be set in production"),
        ("KX_WECHAT_SECRET", "emulator-secret", "KX_WECHAT_SECRET: is the public development"),
        ("KX_WECHAT_TOKEN", "kuaixiang", "KX_WECHAT_TOKEN: is the public development value"),
        ("KX_WECHAT_TOKEN", None, "KX_WECHAT_TOKEN: must be set in production"),
        ("KX_WECHAT_AES_KEY", None, "KX_WECHAT_AES_KEY: must be set in production"),
        (
            "KX_WECHAT_TEMPLATES",
            "new_matches=real-new",
            "KX_WECHAT_TEMPLATES: grant_made has no template id of the account",
        ),
        ("KX_WECHAT_API_BASE", "http://127.0.0.1:5001", "KX_WECHAT_API_BASE: points at this"),
    ],
)
def test_production_refuses_each_development_or_missing_value(
    tmp_path: Path, variable: str, value: str | None, problem: str
) -> None:
    env = {**PRODUCTION, "KX_DATA_KEY": _key(), "KX_INSTANCE_DIR": str(tmp_path)}
    (tmp_path / "data.key").write_text(env["KX_DATA_KEY"])  # a development key file exists
    env.pop(variable)
    if value is not None:
        env[variable] = value
    with pytest.raises(ProductionConfigError) as caught:
        Settings.from_env(env)
    assert any(line.startswith(problem) for line in str(caught.value).splitlines())


def test_a_real_wechat_base_alone_is_production_enough(tmp_path: Path) -> None:
    env = {"KX_DATA_KEY": _key(), "KX_WECHAT_API_BASE": "https://api.weixin.qq.com"}
    with pytest.raises(ProductionConfigError) as caught:
        Settings.from_env(env)
    named = {line.split(":")[0] for line in str(caught.value).splitlines()}
    assert named == {
        "KX_WECHAT_APPID",
        "KX_WECHAT_SECRET",
        "KX_WECHAT_TOKEN",
        "KX_WECHAT_AES_KEY",
        "KX_WECHAT_TEMPLATES",
    }
