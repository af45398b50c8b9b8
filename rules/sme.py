"""企业规模 by 《中小企业划型标准规定》(工信部联企业〔2011〕300号): a case derivation.

Per industry (by 国民经济行业分类 code prefix), the thresholds of 从业人员 (persons), 营业收入
(revenue) and 资产总额 (assets) that make an enterprise 中型, 小型 or 微型; one that reaches
the 中型 line of every measure of its industry and the line above it is 大型. The text says, for
工业: 从业人员1000人以下或营业收入40000万元以下的为中小微型企业；从业人员300人及以上，且营业收入
2000万元及以上的为中型企业 …: so each size needs every measure of its line ("且"), and an
enterprise below the 中型 line on any measure falls to the next size down.

Money is fen: 万元 × 1,000,000.
"""

from __future__ import annotations

from typing import Any

WAN = 1_000_000  # 1 万元 in fen

# (industry, code prefixes, measures), narrower prefixes before broader ones (仓储业 G59 before
# 交通运输业 G). Each measure is (fact, large, medium, small): 大型 needs >= large on every
# measure, 中型 >= medium on every one, 小型 >= small on every one; else 微型.
STANDARD: list[tuple[str, tuple[str, ...], tuple[tuple[str, int, int, int], ...]]] = [
    ("农、林、牧、渔业", ("A",), (("revenue_fen", 20000 * WAN, 500 * WAN, 50 * WAN),)),
    (
        "工业",
        ("B", "C", "D"),
        (("employees", 1000, 300, 20), ("revenue_fen", 40000 * WAN, 2000 * WAN, 300 * WAN)),
    ),
    (
        "建筑业",
        ("E",),
        (
            ("revenue_fen", 80000 * WAN, 6000 * WAN, 300 * WAN),
            ("total_assets_fen", 80000 * WAN, 5000 * WAN, 300 * WAN),
        ),
    ),
    (
        "批发业",
        ("F51",),
        (("employees", 200, 20, 5), ("revenue_fen", 40000 * WAN, 5000 * WAN, 1000 * WAN)),
    ),
    (
        "零售业",
        ("F52",),
        (("employees", 300, 50, 10), ("revenue_fen", 20000 * WAN, 500 * WAN, 100 * WAN)),
    ),
    (
        "仓储业",
        ("G59",),
        (("employees", 200, 100, 20), ("revenue_fen", 30000 * WAN, 1000 * WAN, 100 * WAN)),
    ),
    (
        "邮政业",
        ("G60",),
        (("employees", 1000, 300, 20), ("revenue_fen", 30000 * WAN, 2000 * WAN, 100 * WAN)),
    ),
    (
        "交通运输业",
        ("G",),  # after 仓储业 and 邮政业, which are G too
        (("employees", 1000, 300, 20), ("revenue_fen", 30000 * WAN, 3000 * WAN, 200 * WAN)),
    ),
    (
        "住宿业、餐饮业",
        ("H61", "H62"),
        (("employees", 300, 100, 10), ("revenue_fen", 10000 * WAN, 2000 * WAN, 100 * WAN)),
    ),
    (
        "信息传输业",
        ("I63", "I64"),
        (("employees", 2000, 100, 10), ("revenue_fen", 100000 * WAN, 1000 * WAN, 100 * WAN)),
    ),
    (
        "软件和信息技术服务业",
        ("I65",),
        (("employees", 300, 100, 10), ("revenue_fen", 10000 * WAN, 1000 * WAN, 50 * WAN)),
    ),
    (
        "房地产开发经营",
        ("K701",),
        (
            ("revenue_fen", 200000 * WAN, 1000 * WAN, 100 * WAN),
            ("total_assets_fen", 10000 * WAN, 5000 * WAN, 2000 * WAN),
        ),
    ),
    (
        "物业管理",
        ("K702",),
        (("employees", 1000, 300, 100), ("revenue_fen", 5000 * WAN, 1000 * WAN, 500 * WAN)),
    ),
    (
        "租赁和商务服务业",
        ("L",),
        (("employees", 300, 100, 10), ("total_assets_fen", 120000 * WAN, 8000 * WAN, 100 * WAN)),
    ),
]
OTHER = (("employees", 300, 100, 10),)  # 其他未列明行业
SIZES = (("large", "大型"), ("medium", "中型"), ("small", "小型"), ("micro", "微型"))


def size_derivation() -> dict[str, Any]:
    """Return the case derivation of 企业规模 (enterprise_size) over industry_code, employees,
    revenue_fen and total_assets_fen."""
    cases: list[dict[str, Any]] = []
    listed: list[str] = []
    for _, prefixes, measures in STANDARD:  # an industry's last case takes all of it
        industry = {"fact": "industry_code", "op": "in", "value": list(prefixes)}
        cases += _sizes(measures, industry)
        listed += prefixes
    others = {"fact": "industry_code", "op": "not_in", "value": listed}
    return {"case": [*cases, *_sizes(OTHER, others)]}


def _sizes(measures: tuple, industry: dict) -> list[dict[str, Any]]:
    """大型, 中型, 小型 when every measure reaches its line, else 微型, within one industry."""
    out = []
    for position, (size, _) in enumerate(SIZES[:3]):
        lines = [
            {"fact": fact, "op": ">=", "value": thresholds[position]}
            for fact, *thresholds in measures
        ]
        out.append({"when": {"all": [industry, *lines]}, "value": size})
    out.append({"when": industry, "value": "micro"})
    return out
