"""Synthetic enterprises of 聊城, deterministic for a seed: 统一社会信用代码, names, facts and
the legal representative (name, 身份证号)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from math import log
from random import Random
from typing import Any

from rules.identifiers import (
    USCC_ALPHABET,
    id_number_check_char,
    organization_code_check_char,
    uscc_check_char,
)
from services.demo import _tables as t

# The day the demo population is drawn as of; ages and "last year" count from here.
AS_OF = date(2026, 11, 27)
CITY_LEVEL_CODE = "371500"  # enterprises in the functional zones register with the city
CLASSES = {
    section: list(zip(text.split()[::2], text.split()[1::2], strict=True))
    for section, text in t.CLASSES.items()
}
CLASS_WORDS = {code: word for pairs in CLASSES.values() for code, word in pairs}
PLACES = {
    "371502": "聊城",
    "371503": "聊城市茌平区",
    "371521": "阳谷县",
    "371522": "莘县",
    "371524": "东阿县",
    "371525": "冠县",
    "371526": "高唐县",
    "371581": "临清市",
}
MISSING = {
    "revenue_fen": 0.05,
    "tax_paid_fen": 0.05,
    "unemployment_insurance_paid_fen": 0.04,
    "layoff_rate": 0.08,
    "rd_ratio": 0.08,
    "new_graduate_hires": 0.10,
}
TECHNICAL = "CIM"
INDUSTRIAL = "BCD"


def enterprises(rng: Random, count: int, *, as_of: date = AS_OF) -> Iterator[dict[str, Any]]:
    """Yield `count` enterprises: kind, identifier, name, phone, district_code, facts and
    representative (name, 身份证号)."""
    used: set[str] = set()
    for _ in range(count):
        yield _enterprise(rng, as_of, used)


def _enterprise(rng: Random, as_of: date, used: set[str]) -> dict[str, Any]:
    district = t.ENTERPRISE_DISTRICTS.pick(rng)
    area = t.ENTERPRISE_AREAS.pick(rng) if district == "371502" else t.AREA_NONE
    section = t.SECTIONS.pick(rng)
    if section == "C" and rng.random() < 0.4:
        code = t.SPECIALTIES[district]
    else:
        code = rng.choice(CLASSES[section])[0]
    years = min(int(rng.expovariate(1 / 8)), 40)
    founded = date.fromordinal(as_of.toordinal() - years * 365 - rng.randrange(365))
    employees = min(int(rng.lognormvariate(1.9, 1.25)) + 1, 20_000)
    if section in INDUSTRIAL:
        employees = int(employees * 2.5) + 2
    facts: dict[str, Any] = {
        "registered_district": district,
        "area": area,
        "industry_code": code,
        "founded_on": founded.isoformat(),
        "employees": employees,
    }
    _finances(rng, facts, section, employees)
    if founded.year == as_of.year:  # no last year to report
        facts.update(revenue_fen=0, tax_paid_fen=0, unemployment_insurance_paid_fen=0)
    for fact, share in MISSING.items():
        if rng.random() < share:
            del facts[fact]
    if "revenue_fen" in facts:  # 资产总额 0.8–1.6 × revenue, drawn from nothing new (the
        # random stream, and so every demo subject after this one, stays as it was)
        facts["total_assets_fen"] = facts["revenue_fen"] * (8 + employees % 9) // 10
    cooperative = section == "A" and rng.random() < 0.5
    division = CITY_LEVEL_CODE if area != t.AREA_NONE else district
    if district == "371503" and founded.year < t.CHIPING_RENAMED_YEAR:
        division = t.CHIPING_OLD_CODE
    identifier = _uscc(rng, "93" if cooperative else "91", division, founded, used)
    return {
        "kind": "enterprise",
        "identifier": identifier,
        "name": _name(rng, district, section, CLASS_WORDS[code], employees, cooperative),
        "phone": t.mobile(rng) if rng.random() < 0.9 else None,
        "district_code": district,
        "facts": facts,
        "representative": representative(identifier, district, as_of),
    }


def representative(uscc: str, district: str, as_of: date = AS_OF) -> tuple[str, str]:
    """Return the legal representative (name, 身份证号) of the demo enterprise with this code.

    Drawn from its own stream, seeded by the code, so adding representatives left every
    enterprise (and every later one) of a seed as it was drawn before.
    """
    rng = Random(f"representative:{uscc}")
    male = rng.random() < 0.8
    born = date.fromordinal(as_of.toordinal() - rng.randrange(25 * 365, 70 * 365))
    generation = 0 if born.year < 1970 else 1 if born.year < 1995 else 2
    chars = t.GIVEN_CHARS[("male" if male else "female", generation)]
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.8 else "")
    name = t.SURNAMES.pick(rng) + given
    first17 = f"{district}{born:%Y%m%d}{rng.randrange(500) * 2 + male:03d}"
    return name, first17 + id_number_check_char(first17)


def _finances(rng: Random, facts: dict[str, Any], section: str, employees: int) -> None:
    """Revenue, tax, unemployment insurance, lay-offs, R&D, hires and the tags they earn."""
    revenue = round(employees * rng.lognormvariate(log(400_000) - 0.18, 0.6), -3)
    tax = 0 if rng.random() < 0.1 else round(revenue * rng.uniform(0.005, 0.06))
    insured = employees if rng.random() < 0.75 else int(employees * rng.random())
    premiums = 0 if rng.random() < 0.15 else round(insured * rng.uniform(350, 520))
    layoff = 0.0 if rng.random() < 0.75 else min(round(rng.lognormvariate(1.0, 0.9), 1), 60.0)
    rd = 0.0
    if section in TECHNICAL and rng.random() < 0.7:
        rd = min(round(rng.lognormvariate(0.6, 0.9), 1), 25.0)
    hires = 0
    if employees >= 10 and rng.random() < 0.25:
        hires = 1 + int(rng.expovariate(1 / (1 + employees / 60)))
    facts.update(
        revenue_fen=int(revenue) * 100,
        tax_paid_fen=int(tax) * 100,
        unemployment_insurance_paid_fen=int(premiums) * 100,
        layoff_rate=layoff,
        rd_ratio=rd,
        new_graduate_hires=hires,
    )
    tags = []
    if employees < 100 and revenue < 50_000_000:
        tags.append("small_micro")
    if section in INDUSTRIAL and revenue >= 20_000_000:
        tags.append("above_scale")
    if section in TECHNICAL and employees >= 10 and rd >= 3 and rng.random() < 0.35:
        tags.append("high_tech")
    if section in TECHNICAL and employees < 500 and rd >= 2 and rng.random() < 0.5:
        tags.append("tech_sme")
    if section == "C" and employees >= 20 and rd >= 3 and rng.random() < 0.15:
        tags.append("specialized")
        if revenue >= 30_000_000 and rng.random() < 0.6:
            tags.append("little_giant")
    facts["enterprise_tags"] = tags


def _uscc(rng: Random, head: str, division: str, founded: date, used: set[str]) -> str:
    """Return a valid, unused 统一社会信用代码; codes given since 2016 carry "MA"."""
    while True:
        if founded.year >= 2016:
            body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        else:
            body = f"{rng.randrange(10**8):08d}"
        first17 = head + division + body + organization_code_check_char(body)
        code = first17 + uscc_check_char(first17)
        if code not in used:
            used.add(code)
            return code


def _name(
    rng: Random, district: str, section: str, word: str, employees: int, cooperative: bool
) -> str:
    brand = "".join(rng.sample(t.BRAND_CHARS, 2))
    place = "山东" if employees >= 300 and rng.random() < 0.7 else PLACES[district]
    if cooperative:
        return f"{PLACES[district]}{brand}{word}专业合作社"
    if section in TECHNICAL and "科技" not in word and rng.random() < 0.25:
        word += "科技"
    draw = rng.random()
    if employees >= 100 and draw < 0.1:
        suffix = "股份有限公司"
    elif draw < 0.85:
        suffix = "有限公司"
    else:
        suffix = "有限责任公司"
    return f"{place}{brand}{word}{suffix}"
