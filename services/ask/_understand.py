"""What a question asks (intent) and what it says about the asker (facts), in residents' words.

"我爸今年九十一了每个月能拿多少" asks an amount (intent `amount`) and says age 91; "残疾证二级的
护理补贴要带什么" asks materials and says disability level 2; "公司员工40人" says 40 employees.
Only what is said plainly is taken: a fact the question does not state stays unknown, and the
answer says what it still needs.
"""

from __future__ import annotations

import re
from typing import Any

from rules.codes import DIVISIONS

INTENTS = ("eligibility", "amount", "materials", "process", "deadline", "general")
INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "materials": tuple("带什么 什么材料 哪些材料 材料 证件 准备什么 要什么手续 证明".split()),
    "deadline": tuple("什么时候 截止 期限 几号 多久 何时 到什么时候 哪天 时间".split()),
    "process": tuple(
        "怎么申请 怎么办 怎么领 如何申请 如何办理 去哪 在哪 流程 手续 怎么弄 申请吗".split()
        + ["怎么", "如何"]
    ),
    "amount": tuple(
        "多少 几块 几千 几百 标准 金额 能拿 能领多少 给多少 补多少 比例 最高 上限".split()
    ),
    "eligibility": tuple(
        "能不能 可以吗 能领吗 有没有 符合 条件 能申请 够不够 有吗 能吗 给不给 可不可以 是否".split()
    ),
}
# the order they are tried: a question asking "how much" and "can I" is about the amount
INTENT_ORDER = ("materials", "deadline", "amount", "process", "eligibility")

DIGITS = "零〇一二两三四五六七八九"
_CN = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_NUMBER = rf"[0-9]+|[{DIGITS}十百]+"
DISTRICT_NAMES = {
    # 临清市 → 临清; 莘县 and 冠县 keep their 县: one character alone says nothing
    (short if len(short := name[:-1]) > 1 else name): code
    for code, name in DIVISIONS.items()
    if len(code) == 6 and code.startswith("3715") and code != "371500" and "旧" not in name
}
LEVELS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def chinese_number(text: str) -> int | None:
    """Read 91, 九十一, 九十, 一百零五, 两百 as an integer; None when it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN[ch]
    return total + current


def intent_of(question: str) -> str:
    """Return what the question asks: amount, materials, process, deadline, eligibility, general."""
    for intent in INTENT_ORDER:
        if any(word in question for word in INTENT_WORDS[intent]):
            return intent
    if re.search(r"(?:有|能|可以|给).{0,8}[吗么]", question):
        return "eligibility"
    return "general"


def facts_in(question: str) -> dict[str, Any]:
    """Return the facts the question states plainly, by catalog key (person and enterprise)."""
    found: dict[str, Any] = {}
    age = re.search(rf"({_NUMBER})\s*(?:周岁|岁|多岁)", question) or re.search(
        rf"(?:今年|已经|年满)\s*({_NUMBER})(?:了|岁)?", question
    )
    if age:
        value = chinese_number(age.group(1))
        if value is not None and 0 < value < 130:
            found["age"] = value
    level = re.search(r"([一二三四1-4])\s*级(?:残疾|残|智力|精神|肢体|视力|听力)?", question)
    if level and "残" in question:
        found["disability_level"] = LEVELS[level.group(1)]
    district = next((code for name, code in DISTRICT_NAMES.items() if name in question), None)
    if district is None and re.search(r"聊城|本市|本地户口", question):
        district = "371500"  # the city, no county named
    if district is not None:
        found["hukou_district"] = district
    staff = re.search(
        rf"(?:员工|职工|从业人员|雇了|招了|有)\s*({_NUMBER})\s*(?:个人|人|名)", question
    )
    if staff:
        value = chinese_number(staff.group(1))
        if value is not None:
            found["employees"] = value
    if re.search(r"退伍|退役|当过兵|复员", question):
        found["veteran"] = True
    tags = [tag for word, tag in (("低保", "dibao"), ("特困", "tekun"), ("五保", "tekun"),
                                  ("孤儿", "orphan")) if word in question]  # fmt: skip
    if tags:
        found["assistance_tags"] = sorted(set(tags))
    for word, level_key in (("博士", "doctor"), ("硕士", "master"), ("研究生", "master"),
                            ("本科", "bachelor"), ("大专", "college")):  # fmt: skip
        if word in question:
            found["education"] = level_key
            break
    return found


AGE_BANDS = ((100, "100 周岁及以上"), (90, "90–99 周岁"), (80, "80–89 周岁"), (60, "60–79 周岁"))


def age_band(age: int) -> str:
    """An age as a band: what a language model may be told instead of the number."""
    for floor, band in AGE_BANDS:
        if age >= floor:
            return band
    return "60 周岁以下"
