"""Item cases: every demo item compiles and passes its cases; failures are said clearly; the CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from rules import BUILTIN, ItemRules, compile_item, validate_item
from rules.cases import run_cases, run_item
from services.demo import _content as content

DEMO_DAY = date(2026, 11, 27)
ITEMS = content.read_items()
KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")
POLICIES = Path(content.__file__).parent / "data" / "policies"
CJK = re.compile(r"[\u4e00-\u9fff]")

ELDERLY = {
    "subject_type": "person",
    "rule": {
        "all": [
            {"fact": "hukou_district", "op": "in", "value": ["3715"]},
            {"fact": "age", "op": ">=", "value": {"param": "min_age"}},
        ]
    },
    "amount": {"kind": "fixed", "period": "monthly", "fen": {"param": "monthly"}},
    "params": {
        "min_age": {"label": "起始年龄", "values": [{"from": "2025-04-01", "value": 80}]},
        "monthly": {"label": "月标准", "values": [{"from": "2025-04-01", "value": 10000}]},
    },
}
OLD_MAN = {"hukou_district": "371502", "birth_date": "1944-05-01"}


def elderly_item() -> ItemRules:
    """Compile ELDERLY: the rules.compile_item result run_cases takes."""
    return compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule=ELDERLY["rule"],
        amount=ELDERLY["amount"],
        params=ELDERLY["params"],
    )


@pytest.mark.parametrize("item", ITEMS, ids=[item["code"] for item in ITEMS])
def test_every_demo_item_compiles_and_passes_its_cases(item: dict) -> None:
    document = {key: item[key] for key in ("rule", "amount", "params")}
    assert validate_item(catalog=BUILTIN, subject_kind=item["subject_type"], **document) == []
    report = run_item(item, catalog=BUILTIN, default_as_of=DEMO_DAY)
    assert report.errors == ()
    failures = [f"{r.name}: {r.message} ({r.summary})" for r in report.failed]
    assert failures == []
    assert len(report.results) >= 3


def test_demo_cases_are_named_in_chinese_dated_and_show_both_outcomes() -> None:
    verdicts = set()
    for item in ITEMS:
        names = [case["name"] for case in item["cases"]]
        assert len(set(names)) == len(names), item["code"]
        assert all(CJK.search(name) for name in names), item["code"]
        assert all(isinstance(case["as_of"], str) for case in item["cases"]), item["code"]
        outcomes = {case["expect"]["verdict"] for case in item["cases"]}
        assert {"eligible", "ineligible"} <= outcomes, item["code"]
        verdicts |= outcomes
    assert verdicts == {"eligible", "ineligible", "unknown"}
    unknown = [item for item in ITEMS if any(c["expect"].get("missing") for c in item["cases"])]
    assert len(unknown) >= 50


def test_a_future_standard_is_published_now_and_cases_cover_both_sides() -> None:
    changes = []
    for item in ITEMS:
        for name, param in item["params"].items():
            starts = sorted(date.fromisoformat(entry["from"]) for entry in param["values"])
            for start in starts[1:]:
                days = {date.fromisoformat(case["as_of"]) for case in item["cases"]}
                if start > DEMO_DAY and min(days) < start <= max(days):
                    changes.append((item["code"], name, start))
    assert ("LC-MZ-2025-01-01", "monthly_80", date(2027, 1, 1)) in changes


def test_the_runner_says_what_differs_in_chinese_and_english() -> None:
    item = elderly_item()
    cases = [
        {"name": "对", "facts": OLD_MAN, "expect": {"verdict": "eligible", "amount_fen": 10000}},
        {"name": "错的金额", "facts": OLD_MAN, "expect": {"amount_fen": 12000, "annual_fen": 1}},
        {"name": "错的判定", "facts": OLD_MAN, "expect": {"verdict": "ineligible"}},
        {"name": "错的说明", "facts": OLD_MAN, "expect": {"summary_contains": ["年龄 82", "90"]}},
    ]
    right, amount, verdict, summary = run_cases(item, cases, default_as_of=DEMO_DAY)
    assert right.passed and right.message == "通过" and right.message_en == "passed"
    assert not amount.passed and [d.field for d in amount.differences] == [
        "amount_fen",
        "annual_fen",
    ]
    assert amount.message.startswith("金额应为 12000 分（120 元），实际为 10000 分（100 元）")
    assert amount.message_en.startswith("amount: expected 12000 fen, got 10000 fen")
    assert amount.summary == "符合：户籍东昌府区、年龄 82 周岁" and amount.trace
    assert verdict.message == (  # which conditions made it 符合, with the case's values
        "判定应为「不符合」，实际为「符合」。满足：户籍在 聊城市（户籍东昌府区）；"
        "年龄 ≥ 80 周岁（年龄 82 周岁）"
    )
    assert verdict.message_en == "verdict: expected ineligible, got eligible"
    assert verdict.explanation["status"] == "pass" and verdict.verdict == "eligible"
    assert summary.message == "说明应包含「90」，实际为「符合：户籍东昌府区、年龄 82 周岁」"
    assert summary.to_dict()["differences"][0]["field"] == "summary"


def test_missing_facts_compare_as_sets_and_as_of_defaults_to_the_day_given() -> None:
    item = elderly_item()
    born = {"hukou_district": "371502", "birth_date": "1945-05-01"}
    cases = [
        {"name": "顺序无关", "facts": {}, "expect": {"missing": ["hukou_district", "birth_date"]}},
        {
            "name": "少一个",
            "facts": {},
            "expect": {"verdict": "unknown", "missing": ["birth_date"]},
        },
        {"name": "默认日期还差一天满80", "facts": born, "expect": {"verdict": "ineligible"}},
        {"name": "写明日期", "as_of": "2025-05-01", "facts": born, "expect": {"amount_fen": 10000}},
    ]
    either, one, default_day, dated = run_cases(item, cases, default_as_of=date(2025, 4, 30))
    assert either.passed and either.as_of == date(2025, 4, 30)
    assert one.message == "缺少的指标应为 birth_date，实际为 birth_date、hukou_district"
    assert default_day.passed and dated.passed and dated.as_of == date(2025, 5, 1)


def test_an_evaluation_error_is_the_cases_failure() -> None:
    case = {"name": "政策施行前", "as_of": "2024-01-01", "facts": OLD_MAN, "expect": {}}
    case["expect"] = {"verdict": "eligible"}
    (result,) = run_cases(elderly_item(), [case], default_as_of=DEMO_DAY)
    assert not result.passed and result.differences[0].field == "error"
    assert result.message == "评估出错：参数「min_age」在 2024-01-01 没有适用的取值"


def test_a_malformed_case_fails_without_being_evaluated() -> None:
    item = elderly_item()
    cases = [
        {"name": "拼错的指标", "facts": {"hukou": "371502"}, "expect": {"verdict": "unknown"}},
        {"name": "错的值", "facts": {"birth_date": "1944-13-01"}, "expect": {"verdict": "unknown"}},
        {"name": "企业指标", "facts": {"employees": 3}, "expect": {"verdict": "unknown"}},
        {"name": "拼错的期望", "facts": OLD_MAN, "expect": {"verdic": "eligible"}},
        {
            "name": "日期",
            "as_of": "27/11/2026",
            "facts": OLD_MAN,
            "expect": {"verdict": "eligible"},
        },
        {"name": "无期望", "facts": OLD_MAN},
        {"name": "多余字段", "facts": OLD_MAN, "expect": {"verdict": "eligible"}, "note": "x"},
        {"name": "元不是分", "facts": OLD_MAN, "expect": {"amount_fen": "100元"}},
    ]
    results = run_cases(item, cases, default_as_of=DEMO_DAY)
    assert not any(result.passed for result in results)
    assert all(result.verdict is None for result in results)  # none was evaluated
    messages = [result.message for result in results]
    assert "未知的指标「hukou」" in messages[0]
    assert "不是有效日期" in messages[1]
    assert "未知的指标「employees」" in messages[2]
    assert "expect 有不认识的字段：verdic" in messages[3]
    assert "as_of 应写作 YYYY-MM-DD 日期" in messages[4]
    assert "案例缺少期望结果 expect" in messages[5]
    assert "案例有不认识的字段：note" in messages[6]
    assert messages[7] == "amount_fen 应为整数（分）或 null"
    assert results[7].message_en == "amount_fen must be integer fen or null"


def test_an_invalid_item_or_a_case_date_without_params_is_an_error_of_the_item() -> None:
    broken = {**ELDERLY, "rule": {"fact": "age", "op": "~", "value": 1}, "cases": []}
    report = run_item(broken, catalog=BUILTIN, default_as_of=DEMO_DAY)
    assert report.results == () and not report.ok
    assert report.errors[0].path == "$.op" and "不支持运算" in report.errors[0].message
    early = {
        **ELDERLY,
        "cases": [{"name": "政策施行前", "as_of": "2024-01-01", "facts": {}, "expect": {}}],
    }
    report = run_item(early, catalog=BUILTIN, default_as_of=DEMO_DAY)
    assert report.errors[0].path == "$params.min_age"
    assert "2024-01-01 没有适用的取值" in report.errors[0].message


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed command with no KX_ settings at all: it needs no database."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    return subprocess.run(
        [KUAIXIANG, *args], env=environment, capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_the_cli_passes_on_the_demo_items(tmp_path: Path) -> None:
    done = _run(["rules", "test", "--as-of", "2026-11-27"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    total = sum(len(item["cases"]) for item in ITEMS)
    assert done.stdout.splitlines() == [f"cases: {total} passed, 0 failed"]
    folder = _run(["rules", "test", str(POLICIES)], tmp_path)
    assert folder.returncode == 0 and folder.stdout == done.stdout


def test_the_cli_fails_on_a_broken_copy_and_names_the_case(tmp_path: Path) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    elderly = copy / "LC-MZ-2025-01.yaml"
    text = elderly.read_text("utf-8")
    wrong = "expect: {verdict: eligible, amount_fen: 10000, annual_fen: 120000}"
    assert text.count(wrong) >= 1
    elderly.write_text(text.replace(wrong, wrong.replace("10000,", "9000,"), 1), "utf-8")
    rescue = copy / "LC-CL-2025-01.yaml"
    rescue.write_text(
        rescue.read_text("utf-8").replace(
            "op: has_any, value: [dibao]", "op: holds, value: [dibao]"
        ),
        "utf-8",
    )
    done = _run(["rules", "test", str(copy)], tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert (
        "LC-MZ-2025-01-01 高龄津贴「东昌府区82岁老人，每月100元」: "
        "金额应为 9000 分（90 元），实际为 10000 分（100 元） "
        "(amount: expected 9000 fen, got 10000 fen) — 评估说明：符合：户籍东昌府区、年龄 82 周岁"
    ) in lines
    assert any(
        line.startswith("LC-CL-2025-01-01 困难残疾人生活补贴: 规则无效 invalid $.all[2].op")
        for line in lines
    )
    assert lines[-2:] == ["items: 1 invalid", f"cases: {_total(copy) - 1} passed, 1 failed"]
    one_file = _run(["rules", "test", "-v", str(elderly)], tmp_path)
    assert one_file.returncode == 1 and "trace:" in one_file.stdout
    not_policies = tmp_path / "notes.yaml"
    not_policies.write_text("- 只是一个列表\n", "utf-8")
    refused = _run(["rules", "test", str(not_policies)], tmp_path)
    assert refused.returncode == 1 and "不是政策文件" in refused.stderr


def _total(folder: Path) -> int:
    """Count the cases of the items that still compile (LC-CL-2025-01-01 does not)."""
    items = content.read_items(folder)
    return sum(len(item["cases"]) for item in items if item["code"] != "LC-CL-2025-01-01")


@pytest.mark.parametrize("item", ITEMS, ids=[item["code"] for item in ITEMS])
def test_the_summary_alone_reads_as_the_full_evaluation_says(item: dict) -> None:
    """ItemRules.summary (what each match card shows) is evaluate()'s summary, for every case."""
    document = {key: item[key] for key in ("rule", "amount", "params")}
    rules = compile_item(catalog=BUILTIN, subject_kind=item["subject_type"], **document)
    for case in item["cases"]:
        as_of = date.fromisoformat(case["as_of"])
        facts = case.get("facts") or {}
        full = rules.evaluate(facts, as_of, explain=True)
        assert rules.summary(facts, as_of) == full.summary != "", case["name"]
