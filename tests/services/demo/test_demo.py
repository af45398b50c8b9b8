"""The demo: YAML content, the synthetic population, seeding on both backends, the CLI command."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date
from random import Random
from threading import active_count

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import cli
from models import (
    CATEGORIES,
    Department,
    ItemMode,
    Policy,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    Subject,
    SubjectMatches,
    VersionStatus,
)
from models.db import vault_of
from rules import BUILTIN
from rules.identifiers import birth_date_of, check_id_number, check_phone, check_uscc, gender_of
from rules.values import coerce
from services.demo import _content as content
from services.demo import _population as population
from services.demo import _prefetch as prefetch
from services.demo import is_empty, seed_demo
from services.errors import InvalidInput
from services.profiles import ID_NUMBER_CONTEXT, insert_subject_rows, subject_row
from services.profiles._subjects import PHONE_CONTEXT, USCC_CONTEXT, facts_hash
from services.residents._identity import LocalProvider

PERSON_FACTS = {
    "hukou_district": re.compile(r"\d{6}"),
    "residence_district": re.compile(r"\d{6}"),
    "area": {"gaoxin", "jingkai", "dujia", "none"},
    "birth_date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "gender": {"male", "female"},
    "employment_status": {
        "employed",
        "unemployed",
        "retired",
        "student",
        "self_employed",
        "flexible",
    },
    "education": {
        "primary",
        "junior",
        "senior",
        "vocational",
        "college",
        "bachelor",
        "master",
        "doctor",
    },
    "graduation_year": int,
    "disability_level": {1, 2, 3, 4},
    "disability_type": {
        "visual",
        "hearing",
        "speech",
        "physical",
        "intellectual",
        "mental",
        "multiple",
    },
    "assistance_tags": list,
    "household_size": int,
    "household_income_fen": int,
    "social_insurance_since": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "unemployment_insurance_months": int,
    "veteran": bool,
    "skill_certificate": {"junior", "intermediate", "senior", "technician", "senior_technician"},
    "skill_certificate_date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "business_registered_on": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "first_home_purchase_date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "owns_home_in_city": bool,
}
ENTERPRISE_FACTS = {
    "registered_district": re.compile(r"3715\d\d"),
    "area": {"gaoxin", "jingkai", "dujia", "none"},
    "industry_code": re.compile(r"[A-T]\d{4}"),
    "founded_on": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "employees": int,
    "revenue_fen": int,
    "total_assets_fen": int,
    "tax_paid_fen": int,
    "unemployment_insurance_paid_fen": int,
    "layoff_rate": float,
    "rd_ratio": float,
    "new_graduate_hires": int,
    "enterprise_tags": list,
}
ASSISTANCE = {"dibao", "tekun", "low_income", "orphan"}
TAGS = {"high_tech", "specialized", "little_giant", "tech_sme", "small_micro", "above_scale"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    """Mostly Chinese: Chinese characters outnumber Latin letters (LPR, APP may appear)."""
    return len(CJK.findall(text)) > 2 * len(re.findall(r"[A-Za-z]", text))


def fits(value: object, expected: object) -> bool:
    if isinstance(expected, re.Pattern):
        return isinstance(value, str) and bool(expected.fullmatch(value))
    if isinstance(expected, set):
        return value in expected
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)  # type: ignore[arg-type]


# --- content -------------------------------------------------------------------------------


def test_every_yaml_file_loads_and_every_item_has_the_required_keys() -> None:
    departments = content.load_departments()
    policies = content.load_policies()
    assert len(departments) >= 11
    assert 18 <= len(policies) <= 25
    items = [item for policy in policies for item in policy["items"]]
    assert 45 <= len(items) <= 60
    for policy in policies:
        assert set(policy) == content.POLICY_KEYS, policy["code"]
        assert set(policy["categories"]) <= set(CATEGORIES)
        paragraphs = [text for text in policy["body"].split("\n\n") if text.strip()]
        assert len(paragraphs) >= 4, policy["code"]
        assert isinstance(policy["issued_on"], date)
    for item in items:
        assert set(item) == content.ITEM_KEYS, item["code"]
        assert item["rule"] and isinstance(item["params"], dict), item["code"]
        assert len(item["cases"]) >= 3, item["code"]
        if item["mode"] == ItemMode.ONE_TAP:
            assert item["materials"], item["code"]
    modes = Counter(item["mode"] for item in items)
    assert modes[ItemMode.ONE_TAP] >= 15 and modes[ItemMode.GUIDE] >= 10
    assert {item["subject_type"] for item in items} == {"person", "enterprise"}


def test_a_broken_policy_is_reported_in_chinese() -> None:
    policy = content.load_policies()[0]
    broken = {**policy, "department": "LC-XX", "items": [{**policy["items"][0], "mode": "x"}]}
    problems = content.policy_problems(broken, {"LC-RS"})
    assert any("未知部门" in problem for problem in problems)
    assert any("mode" in problem for problem in problems)
    missing = {key: value for key, value in policy.items() if key != "summary"}
    assert content.policy_problems(missing, {"LC-MZ"}) == [f"{policy['code']}: 缺少 summary"]


def test_rules_amounts_params_and_cases_must_be_json_documents() -> None:
    policy = content.load_policies()[0]
    item = policy["items"][0]
    no_params = {key: value for key, value in item.items() if key != "params"}
    assert content.item_problems(no_params, policy["code"]) == [f"{item['code']}: 缺少 params"]
    case = {**item["cases"][0], "as_of": date(2026, 11, 27)}  # YAML's unquoted date
    dated = {**item, "cases": [case]}
    assert any("日期请加引号" in p for p in content.item_problems(dated, policy["code"]))
    listed = {**item, "amount": [], "cases": [{"name": "无期望"}]}
    problems = content.item_problems(listed, policy["code"])
    assert f"{item['code']}: amount 应为对象" in problems
    dangling = {**item, "cases": [{"name": "无期望", "facts": {}}]}
    assert any("expect" in p for p in content.item_problems(dangling, policy["code"]))


# --- population ----------------------------------------------------------------------------


def test_people_have_valid_consistent_identifiers_and_only_catalog_facts() -> None:
    people = list(population.persons(Random(7), 3000))
    assert len({person["identifier"] for person in people}) == 3000
    for person in people:
        number = person["identifier"]
        assert check_id_number(number) == number
        facts = person["facts"]
        assert birth_date_of(number).isoformat() == facts["birth_date"]
        assert gender_of(number) == facts["gender"]
        assert set(facts) <= set(PERSON_FACTS)
        for fact, value in facts.items():
            assert fits(value, PERSON_FACTS[fact]), (fact, value)
        assert set(facts["assistance_tags"]) <= ASSISTANCE
        assert number not in str(facts)
        if person["phone"]:
            assert check_phone(person["phone"]) == person["phone"]
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", person["name"])


def test_the_population_looks_like_a_shandong_city() -> None:
    facts = [person["facts"] for person in population.persons(Random(11), 5000)]
    share = lambda test: sum(1 for f in facts if test(f)) / len(facts)  # noqa: E731
    assert 0.03 < share(lambda f: "disability_level" in f) < 0.09
    assert 0.01 < share(lambda f: "dibao" in f["assistance_tags"]) < 0.035
    assert 0.01 < share(lambda f: f.get("veteran")) < 0.06
    assert 0.02 < share(lambda f: f["birth_date"] < "1946-11-27") < 0.06  # 80 and over
    assert 0.02 < share(lambda f: not f["hukou_district"].startswith("3715")) < 0.08
    assert all("area" in f for f in facts)
    assert share(lambda f: f["area"] != "none") > 0.03
    outside = [f for f in facts if f.get("residence_district", "371502") != "371502"]
    assert outside and all(f["area"] == "none" for f in outside)  # zones lie in 东昌府区
    assert share(lambda f: "education" not in f) > 0.1  # children, and gaps
    districts = Counter(f["residence_district"] for f in facts if "residence_district" in f)
    assert districts.most_common(1)[0][0] == "371502"
    assert share(lambda f: f.get("graduation_year") == population.AS_OF.year) > 0.005
    assert share(lambda f: f.get("graduation_year") == population.AS_OF.year + 1) > 0.002


def test_enterprises_have_valid_codes_and_only_catalog_facts() -> None:
    firms = list(population.enterprises(Random(3), 2000))
    assert len({firm["identifier"] for firm in firms}) == 2000
    sections = Counter()
    for firm in firms:
        code = firm["identifier"]
        assert check_uscc(code) == code and code[2:6] == "3715"
        assert set(firm["facts"]) <= set(ENTERPRISE_FACTS)
        for fact, value in firm["facts"].items():
            assert fits(value, ENTERPRISE_FACTS[fact]), (fact, value)
        assert set(firm["facts"]["enterprise_tags"]) <= TAGS
        assert firm["facts"]["area"] == "none" or firm["district_code"] == "371502"
        assert chinese(firm["name"]) and firm["name"].endswith(("公司", "合作社"))
        sections[firm["facts"]["industry_code"][0]] += 1
    assert sections.most_common(1)[0][0] == "C"
    assert sum(1 for f in firms if "small_micro" in f["facts"]["enterprise_tags"]) > 1500


def test_every_drawn_fact_is_a_value_the_rules_catalog_accepts() -> None:
    drawn = {
        "person": population.persons(Random(2), 2000),
        "enterprise": population.enterprises(Random(2), 500),
    }
    for kind, subjects in drawn.items():
        catalog = BUILTIN.of(kind)
        for subject in subjects:
            assert subject["facts"]["area"] in {"gaoxin", "jingkai", "dujia", "none"}
            for name, value in subject["facts"].items():
                assert not catalog[name].derived, name
                coerce(catalog[name], value)  # a value it refused would read as missing


def test_the_same_seed_gives_the_same_people_and_a_longer_run_extends_it() -> None:
    first = list(population.persons(Random(5), 200))
    assert first == list(population.persons(Random(5), 200))
    assert first[:50] == list(population.persons(Random(5), 50))
    assert first != list(population.persons(Random(6), 200))
    firms = list(population.enterprises(Random(5), 40))
    assert firms == list(population.enterprises(Random(5), 40))


def test_a_worker_process_draws_the_same_stream_in_batches() -> None:
    expected = list(prefetch.draw("enterprise", seed=4, count=230, as_of=population.AS_OF))
    forks = active_count() == 1  # with other threads running it draws here instead
    for prefetch_from, elsewhere in ((10**9, False), (100, forks)):
        batches = list(
            prefetch.batches(
                "enterprise",
                seed=4,
                count=230,
                as_of=population.AS_OF,
                size=100,
                prepare=lambda firm: {**firm, "pid": os.getpid()},
                prefetch_from=prefetch_from,
            )
        )
        assert [len(batch) for batch in batches] == [100, 100, 30]
        firms = [firm for batch in batches for firm in batch]
        assert {firm.pop("pid") != os.getpid() for firm in firms} == {elsewhere}
        assert firms == expected


# --- subject rows --------------------------------------------------------------------------


def test_subject_row_refuses_bad_identifiers_in_chinese(session: Session) -> None:
    vault = vault_of(session)
    with pytest.raises(InvalidInput) as caught:
        subject_row(
            vault=vault, kind="person", identifier="371502199001011235", name="张三", facts={}
        )
    assert caught.value.message == "身份证号校验位不正确"
    assert caught.value.errors == {"identifier": ["身份证号校验位不正确"]}
    with pytest.raises(InvalidInput, match="统一社会信用代码"):
        subject_row(vault=vault, kind="enterprise", identifier="91371500", name="某公司", facts={})
    with pytest.raises(InvalidInput, match="手机号码"):
        subject_row(
            vault=vault,
            kind="person",
            identifier="371502199001011234",
            name="张三",
            facts={},
            phone="12345",
        )


def test_subject_rows_with_dict_facts_insert_and_read_back(session: Session) -> None:
    vault = vault_of(session)
    facts = {"gender": "male", "area": "gaoxin", "assistance_tags": []}
    row = subject_row(
        vault=vault,
        kind="person",
        identifier="371502199001011234",
        name=" 张三 ",
        facts=facts,
        phone="138-1234-5678",
        district_code="371502",
    )
    assert row["facts_hash"] == facts_hash(
        {"area": "gaoxin", "assistance_tags": [], "gender": "male"}
    )
    insert_subject_rows(session, [row])
    session.commit()
    stored = session.scalar(select(Subject).where(Subject.identity_hash == row["identity_hash"]))
    assert stored is not None and stored.facts == facts and stored.name == "张三"
    assert stored.created_at.tzinfo is not None and stored.profile_seq == 0
    assert vault.decrypt(stored.phone_enc, context=PHONE_CONTEXT) == "13812345678"


# --- seeding -------------------------------------------------------------------------------


def test_seeding_creates_published_departments_policies_and_items(session: Session) -> None:
    assert is_empty(session)
    counts = seed_demo(session=session, persons=120, enterprises=30)
    assert not is_empty(session)
    assert counts["departments"] == session.scalar(select(func.count(Department.id))) >= 11
    assert counts["policies"] == session.scalar(select(func.count(Policy.id))) == 20
    assert counts["items"] == session.scalar(select(func.count(PolicyItem.id))) == 53
    entries = {item["code"]: item for item in content.read_items()}
    for policy in session.scalars(select(Policy)):
        assert policy.status == PolicyStatus.PUBLISHED and policy.published_at is not None
        assert policy.categories and {c.category for c in policy.categories} <= set(CATEGORIES)
    for item in session.scalars(select(PolicyItem)):
        version = session.get(PolicyItemVersion, item.current_version_id)
        assert item.status == PolicyStatus.PUBLISHED
        assert version.item_id == item.id and version.version == 1
        assert version.status == VersionStatus.PUBLISHED and version.published_at is not None
        entry = entries[item.code]
        assert (version.rule, version.amount, version.params, version.cases) == (
            entry["rule"],
            entry["amount"],
            entry["params"],
            entry["cases"],
        )
        if item.mode == ItemMode.ONE_TAP:
            assert version.materials and all(m["name"] for m in version.materials)
    modes = dict(session.execute(select(PolicyItem.name, PolicyItem.mode)).all())
    assert modes["高龄津贴"] == modes["失业保险稳岗返还"] == ItemMode.AUTO_GRANT
    window = session.scalar(select(PolicyItem).where(PolicyItem.code == "LC-RS-2026-02-02"))
    assert window.apply_from.isoformat() == "2026-03-31T16:00:00+00:00"  # 00:00 in Shanghai


def test_seeded_subjects_decrypt_back_and_are_found_by_their_hash(session: Session) -> None:
    counts = seed_demo(session=session, persons=150, enterprises=40, seed=99)
    assert (counts["persons"], counts["enterprises"]) == (150, 40)
    vault = vault_of(session)
    people = session.scalars(select(Subject).where(Subject.kind == "person")).all()
    assert len(people) == 150
    for person in people:
        number = vault.decrypt(person.id_number_enc, context=ID_NUMBER_CONTEXT)
        assert check_id_number(number) == number and person.uscc is None
        assert birth_date_of(number).isoformat() == person.facts["birth_date"]
        found = session.scalar(
            select(Subject.id).where(
                Subject.identity_hash == vault.lookup_hash(number, context=ID_NUMBER_CONTEXT)
            )
        )
        assert found == person.id
        assert person.facts_hash == facts_hash(person.facts)
        assert person.source == "demo" and person.district_code == person.facts.get(
            "residence_district", person.district_code
        )
        if person.phone_enc:
            check_phone(vault.decrypt(person.phone_enc, context=PHONE_CONTEXT))
    firms = session.scalars(select(Subject).where(Subject.kind == "enterprise")).all()
    for firm in firms:
        assert check_uscc(firm.uscc) == firm.uscc and firm.id_number_enc is None
        assert firm.identity_hash == vault.lookup_hash(firm.uscc, context=USCC_CONTEXT)


def test_demo_enterprises_have_a_legal_representative_the_local_provider_binds(
    session: Session,
) -> None:
    drawn = list(prefetch.draw("enterprise", seed=5, count=20, as_of=population.AS_OF))
    assert drawn == list(prefetch.draw("enterprise", seed=5, count=20, as_of=population.AS_OF))
    for firm in drawn:
        name, number = firm["representative"]
        assert chinese(name) and 2 <= len(name) <= 4 and check_id_number(number) == number
        assert number[:6] == firm["district_code"] and gender_of(number) in ("male", "female")
        assert 25 <= population.AS_OF.year - birth_date_of(number).year <= 71
    seed_demo(session=session, persons=0, enterprises=20, seed=5)
    provider = LocalProvider(session)
    for firm in drawn[:5]:
        name, number = firm["representative"]
        uscc = firm["identifier"]
        assert provider.verify_enterprise(uscc, "legal_representative", name, number).match
        other = drawn[-1]["representative"][1]
        assert not provider.verify_enterprise(uscc, "legal_representative", name, other).match
    stored = session.scalars(select(Subject.representative_hash)).all()
    assert len(stored) == 20 and None not in stored


def test_the_same_seed_stores_the_same_people(session: Session) -> None:
    seed_demo(session=session, persons=60, enterprises=10, seed=7)
    vault = vault_of(session)
    stored = {
        vault.decrypt(s.id_number_enc, context=ID_NUMBER_CONTEXT): (s.name, s.facts)
        for s in session.scalars(select(Subject).where(Subject.kind == "person"))
    }
    drawn = prefetch.draw("person", seed=7, count=60, as_of=population.AS_OF)
    expected = {p["identifier"]: (p["name"], p["facts"]) for p in drawn}
    assert stored == expected


def test_seeding_twice_adds_nothing_and_a_bigger_run_adds_only_the_rest(session: Session) -> None:
    first = seed_demo(session=session, persons=80, enterprises=20)
    again = seed_demo(session=session, persons=80, enterprises=20)
    assert all(count == 0 for count in again.values()) and first["persons"] == 80
    more = seed_demo(session=session, persons=100, enterprises=20)
    assert (more["persons"], more["enterprises"], more["items"]) == (20, 0, 0)
    assert session.scalar(select(func.count(Subject.id)).where(Subject.kind == "person")) == 100


def test_negative_counts_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="不能为负数"):
        seed_demo(session=session, persons=-1)
    assert is_empty(session)


def test_what_people_read_is_chinese(session: Session) -> None:
    seed_demo(session=session, persons=50, enterprises=20)
    for department in session.scalars(select(Department)):
        assert all(map(chinese, (department.name, department.short_name, department.address)))
    for policy in session.scalars(select(Policy)):
        texts = (policy.title, policy.summary, policy.body, policy.interpretation)
        assert all(map(chinese, texts)), policy.code
        assert policy.doc_number and CJK.search(policy.doc_number)
    for item in session.scalars(select(PolicyItem)):
        assert all(map(chinese, (item.name, item.benefit, item.guide_text))), item.code
        assert CJK.search(item.contact) or item.contact.isdigit()
        version = session.get(PolicyItemVersion, item.current_version_id)
        assert all(chinese(material["name"]) for material in version.materials)
    for subject in session.scalars(select(Subject)):
        assert chinese(subject.name)


def test_the_cli_seeds_and_prints_one_count_a_line(runner: FlaskCliRunner, database) -> None:
    done = runner.invoke(cli, ["seed-demo", "--persons", "40", "--enterprises", "5", "--seed", "3"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert "persons: 40" in lines and "enterprises: 5" in lines and "items: 53" in lines
    assert "showcase: 3" in lines and "demo-admin" not in done.output
    again = runner.invoke(
        cli, ["seed-demo", "--persons", "40", "--enterprises", "5", "--seed", "3", "--staff"]
    )
    assert again.exit_code == 0, again.output
    shown = set(again.output.splitlines())
    assert {"departments: 0", "persons: 0", "enterprises: 0", "showcase: 0"} <= shown
    assert re.search(r"^  demo-reviewer +密码 \S{12} ", again.output, re.MULTILINE)
    with database.session() as session:
        assert session.scalar(select(func.count(Subject.id))) == 45 + 3
    refused = runner.invoke(cli, ["seed-demo", "--persons", "-1"])
    assert refused.exit_code == 2


def test_the_showcase_identities_import_once_and_qualify_for_what_the_readme_says(
    session: Session, database
) -> None:
    """Each showcase identity (README "Try it") is stored as its YAML says and, once matched,
    is eligible for every item its `expect` lists."""
    from services import matching
    from services.demo._showcase import load_showcase
    from services.matching import ENDED, unpack

    counts = seed_demo(session=session, persons=20, enterprises=5, showcase=True)
    assert counts["showcase"] == 3
    again = seed_demo(session=session, persons=20, enterprises=5, showcase=True)
    assert again["showcase"] == 0 and again["persons"] == 0
    session.commit()
    matching.process_changes(database)
    session.rollback()  # read what the matcher wrote, not this session's earlier snapshot
    vault = vault_of(session)
    item_codes = dict(session.execute(select(PolicyItem.id, PolicyItem.code)).all())
    for kind, entries in load_showcase().items():
        for entry in entries:
            identifier = entry.get("id_number") or entry["uscc"]
            context = ID_NUMBER_CONTEXT if kind == "person" else USCC_CONTEXT
            subject = session.scalar(
                select(Subject).where(
                    Subject.identity_hash == vault.lookup_hash(identifier, context=context)
                )
            )
            assert subject is not None and subject.name == entry["name"]
            provider = LocalProvider(session)  # what binding it in the mini-program asks
            if kind == "person":
                assert provider.verify_person(entry["name"], identifier).match
            else:
                assert provider.verify_enterprise(
                    identifier,
                    "legal_representative",
                    entry["legal_representative_name"],
                    entry["legal_representative_id_number"],
                ).match
            entries = session.get(SubjectMatches, subject.id).entries
            eligible = {
                item_codes[int(e["item_id"])]
                for e in unpack(entries)
                if int(e["verdict"]) == 1 and not int(e["flags"]) & ENDED
            }
            assert set(entry["expect"]) <= eligible, (entry["name"], sorted(eligible))


def test_demo_staff_are_made_once_on_a_database_without_staff(session: Session) -> None:
    from services.demo import create_demo_staff
    from services.staff import authenticate

    seed_demo(session=session, persons=0, enterprises=0)
    accounts = create_demo_staff(session=session)
    assert [a.username for a in accounts] == [
        "demo-admin",
        "demo-publisher",
        "demo-reviewer",
        "demo-data",
    ]
    roles = {}
    for account in accounts:
        staff = authenticate(session=session, username=account.username, password=account.password)
        roles[account.username] = {(r.role, r.department_id) for r in staff.roles}
    civil_affairs = session.scalar(select(Department.id).where(Department.code == "LC-MZ"))
    assert roles == {
        "demo-admin": {("admin", None)},
        "demo-publisher": {("publisher", civil_affairs)},
        "demo-reviewer": {("reviewer", civil_affairs)},
        "demo-data": {("catalog", None)},
    }
    assert len({a.password for a in accounts}) == 4
    assert create_demo_staff(session=session) == []
