"""Synthetic residents of 聊城, deterministic for a seed: identities, names and profile facts.

Pure: give it a random.Random and a count; it reads no clock (the reference date is passed)
and touches no database. Enterprises are drawn in services/demo/_companies.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from math import log
from random import Random
from typing import Any

from rules.identifiers import id_number_check_char
from services.demo import _tables as t
from services.demo._companies import AS_OF, enterprises

__all__ = ["AS_OF", "enterprises", "persons"]

PATHS = {
    "primary": ("primary",),
    "junior": ("primary", "junior"),
    "senior": ("primary", "junior", "senior"),
    "vocational": ("primary", "junior", "vocational"),
    "college": ("primary", "junior", "senior", "college"),
    "bachelor": ("primary", "junior", "senior", "bachelor"),
    "master": ("primary", "junior", "senior", "bachelor", "master"),
    "doctor": ("primary", "junior", "senior", "bachelor", "master", "doctor"),
}
# Facts a real profile often lacks, and how often each is missing.
MISSING = {
    "residence_district": 0.02,
    "employment_status": 0.03,
    "education": 0.04,
    "graduation_year": 0.05,
    "household_size": 0.05,
    "household_income_fen": 0.08,
    "social_insurance_since": 0.06,
    "unemployment_insurance_months": 0.06,
    "veteran": 0.05,
    "owns_home_in_city": 0.10,
}
WORKING = ("employed", "self_employed", "flexible", "unemployed", "retired")
EARLIEST_INSURANCE = date(1992, 1, 1).toordinal()


def persons(rng: Random, count: int, *, as_of: date = AS_OF) -> Iterator[dict[str, Any]]:
    """Yield `count` residents: kind, identifier, name, phone, district_code and facts."""
    sequences: dict[tuple[str, int, bool], int] = {}
    for _ in range(count):
        yield _person(rng, as_of, sequences)


def _person(rng: Random, as_of: date, sequences: dict[tuple[str, int, bool], int]) -> dict:
    today = as_of.toordinal()
    born = date.fromordinal(today - int((t.AGE_BANDS.pick(rng) * 5 + rng.random() * 5) * 365.2425))
    age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    male = rng.random() < (0.51 if age < 60 else 0.47 if age < 80 else 0.40)
    gender = "male" if male else "female"
    residence, hukou, area = _places(rng)
    birth_date = born.isoformat()
    facts: dict[str, Any] = {
        "hukou_district": hukou,
        "residence_district": residence,
        "area": area,
        "birth_date": birth_date,
        "gender": gender,
    }
    education, graduation_year, studying = _education(rng, born, age, as_of)
    status = _employment(rng, age, male, studying, graduation_year, as_of)
    _put(facts, employment_status=status, education=education, graduation_year=graduation_year)
    _disability_and_assistance(rng, facts, age, urban=residence == "371502")
    _work_history(rng, facts, born, age, status, graduation_year, today)
    facts["veteran"] = age >= 20 and rng.random() < (0.08 if male else 0.005)
    _home(rng, facts, age, residence, today)
    for fact, share in MISSING.items():
        if fact in facts and rng.random() < share:
            del facts[fact]
    identifier = _id_number(rng, hukou, born, birth_date, male, sequences)
    name = _name(rng, gender, born.year)
    has_phone = age >= 14 and rng.random() < (0.95 if age < 70 else 0.7)
    return {
        "kind": "person",
        "identifier": identifier,
        "name": name,
        "phone": t.mobile(rng) if has_phone else None,
        "district_code": residence,
        "facts": facts,
    }


def _put(facts: dict[str, Any], **values: Any) -> None:
    facts.update((key, value) for key, value in values.items() if value is not None)


def _places(rng: Random) -> tuple[str, str, str]:
    """Return (residence, 户籍, functional zone code): most live where they are registered."""
    draw = rng.random()
    if draw < 0.03:  # registered here, living and working elsewhere
        hukou, residence = t.DISTRICTS.pick(rng), t.OUTSIDE.pick(rng)
    elif draw < 0.07:  # registered elsewhere, living here
        hukou, residence = t.OUTSIDE.pick(rng), t.DISTRICTS.pick(rng)
    else:
        residence = t.DISTRICTS.pick(rng)
        hukou = residence if rng.random() < 0.97 else t.DISTRICTS.pick(rng)
    area = t.PERSON_AREAS.pick(rng) if residence == "371502" else t.AREA_NONE
    return residence, hukou, area


def _id_number(
    rng: Random,
    hukou: str,
    born: date,
    iso: str,
    male: bool,
    sequences: dict[tuple[str, int, bool], int],
) -> str:
    """Return a valid 身份证号, unique in this population, consistent with birth and gender."""
    division = hukou
    if hukou.startswith(t.CITY_PREFIX) and rng.random() < 0.05:
        division = t.OUTSIDE.pick(rng)  # born elsewhere, 户籍 moved here later
    elif hukou == "371503" and born.year < t.CHIPING_RENAMED_YEAR:
        division = t.CHIPING_OLD_CODE
    key = (division, born.toordinal(), male)
    issued = sequences.get(key, 0)
    if issued >= 500:
        raise ValueError("more than 500 people of one sex born on one day in one division")
    sequences[key] = issued + 1
    slot = (born.toordinal() * 7919 + int(division) + issued) % 500
    first17 = f"{division}{iso[:4]}{iso[5:7]}{iso[8:10]}{slot * 2 + male:03d}"
    return first17 + id_number_check_char(first17)


def _name(rng: Random, gender: str, birth_year: int) -> str:
    generation = 0 if birth_year < 1970 else 1 if birth_year < 1995 else 2
    chars = t.GIVEN_CHARS[(gender, generation)]
    first = rng.choice(chars)
    second = rng.choice(chars) if rng.random() < 0.8 else first
    return t.SURNAMES.pick(rng) + first + (second if second != first else "")


def _education(
    rng: Random, born: date, age: int, as_of: date
) -> tuple[str | None, int | None, bool]:
    """Return (highest completed education, its graduation year, still studying)."""
    if age < 13:
        return None, None, age >= 6
    final = next(edu for before, edu in t.EDUCATION_BY_COHORT if born.year < before).pick(rng)
    delay = 1 if rng.random() < 0.3 else 0
    completed, year = None, None
    for level in PATHS[final]:
        finish = born.year + t.GRADUATION_AGE[level] + delay
        if finish > as_of.year + 1:
            return completed, year, True
        if finish == as_of.year + 1:  # final year: the data platform files them as 毕业年度
            return level, finish if level in t.HIGHER_EDUCATION else None, True
        completed, year = level, finish
    return completed, year if completed in t.HIGHER_EDUCATION else None, False


def _employment(
    rng: Random, age: int, male: bool, studying: bool, graduated: int | None, as_of: date
) -> str | None:
    if age < 6:
        return None
    if studying or age < 16:
        return "student"
    if age >= (60 if male else 50 if rng.random() < 0.6 else 55):
        draw = rng.random()
        return "retired" if draw < 0.8 else "flexible" if draw < 0.92 else "employed"
    if graduated == as_of.year:
        draw = rng.random()
        return "employed" if draw < 0.65 else "unemployed" if draw < 0.9 else "flexible"
    return t.WORKING_STATUS.pick(rng)


def _disability_and_assistance(rng: Random, facts: dict[str, Any], age: int, urban: bool) -> None:
    chance = 0.02 if age < 18 else 0.045 if age < 60 else 0.10 if age < 80 else 0.20
    disabled = rng.random() < chance
    if disabled:
        facts["disability_level"] = t.DISABILITY_LEVELS.pick(rng)
        facts["disability_type"] = t.DISABILITY_TYPES.pick(rng)
    tags: list[str] = []
    draw = rng.random()
    if (age >= 60 or disabled) and draw < 0.015:
        tags.append("tekun")
    elif draw < (0.10 if disabled else 0.018):
        tags.append("dibao")
    elif draw < (0.12 if disabled else 0.038):
        tags.append("low_income")
    if age < 18 and rng.random() < 0.0008:
        tags.append("orphan")
    facts["assistance_tags"] = tags
    size = 1 if "tekun" in tags else t.HOUSEHOLD_SIZES.pick(rng)
    if "dibao" in tags or "tekun" in tags:
        per_head = rng.uniform(3_000, 9_000)
    elif "low_income" in tags:
        per_head = rng.uniform(9_000, 14_000)
    else:
        mean = 42_000 if urban else 24_000
        per_head = rng.lognormvariate(log(mean) - 0.1, 0.45)
    facts["household_size"] = size
    facts["household_income_fen"] = int(round(per_head * size, -2)) * 100


def _work_history(
    rng: Random,
    facts: dict[str, Any],
    born: date,
    age: int,
    status: str | None,
    graduated: int | None,
    today: int,
) -> None:
    """Social insurance, unemployment insurance, skills and a business of one's own."""
    if status in WORKING and rng.random() < 0.9:
        if graduated and graduated >= born.year + 19 and status != "retired":
            start = date(graduated, 7, 1).toordinal() + rng.randrange(300)
        else:
            start = born.toordinal() + int(rng.uniform(18, 30) * 365.25)
        if start < EARLIEST_INSURANCE:
            start = EARLIEST_INSURANCE + rng.randrange(6000)
        start = min(start, today - rng.randrange(1, 60))
        facts["social_insurance_since"] = date.fromordinal(start).isoformat()
        months = (today - start) // 30
        if status in ("employed", "unemployed"):
            share = 0.9 if rng.random() < 0.7 else 0.35
        else:
            share = 0.5 if status == "retired" else 0.0 if rng.random() < 0.7 else 0.15
        facts["unemployment_insurance_months"] = min(int(months * share), 420)
    if 20 <= age < 60 and status not in (None, "student") and rng.random() < 0.15:
        facts["skill_certificate"] = t.SKILL_LEVELS.pick(rng)
        earliest = born.toordinal() + 18 * 365
        issued = max(today - int(rng.expovariate(1 / 900)), earliest)
        facts["skill_certificate_date"] = date.fromordinal(min(issued, today)).isoformat()
    chance = {"self_employed": 0.85, "flexible": 0.05, "unemployed": 0.03, "employed": 0.02}
    if age >= 18 and rng.random() < chance.get(status or "", 0.0):
        earliest = born.toordinal() + 18 * 365
        registered = max(today - 20 - int(rng.expovariate(1 / 1200)), earliest)
        facts["business_registered_on"] = date.fromordinal(registered).isoformat()


def _home(rng: Random, facts: dict[str, Any], age: int, residence: str, today: int) -> None:
    bought = 23 <= age < 50 and rng.random() < 0.05
    if bought:
        day = date.fromordinal(today) - timedelta(days=rng.randrange(3 * 365))
        facts["first_home_purchase_date"] = day.isoformat()
    if not residence.startswith(t.CITY_PREFIX):
        owns = rng.random() < 0.3
    else:
        owns = bought or rng.random() < (0.75 if age >= 30 else 0.35 if age >= 23 else 0.0)
    facts["owns_home_in_city"] = owns
