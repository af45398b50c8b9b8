"""The facts catalog: every fact a rule may use, declared once per subject kind."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypedDict, Unpack

from rules.codes import DIVISIONS, INDUSTRIES
from rules.derivations import Derivation, read_derivation
from rules.sme import SIZES, size_derivation

CODE_TABLES = {"division": DIVISIONS, "industry": INDUSTRIES}


class FactType(StrEnum):
    """How a fact's value is stored and compared."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"  # a number of percent: 5.5 is 5.5%
    YEAR = "year"  # a calendar year: 2026
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"
    TAGS = "tags"
    CODE = "code"


NUMERIC = (FactType.INTEGER, FactType.DECIMAL, FactType.MONEY, FactType.PERCENT)


@dataclass(frozen=True)
class Fact:
    """One named, typed attribute of a person or an enterprise."""

    name: str
    label: str
    kind: str
    type: FactType
    unit: str = ""
    source_field: str = ""  # the field of the data platform it comes from
    sensitive: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    ordered: bool = False
    derivation: Derivation | None = field(default=None, hash=False)  # a case holds JSON: unhashable
    derived_from: tuple[str, ...] = ()  # the stored facts it is computed from (filled by Catalog)
    minimum: float | None = None
    maximum: float | None = None
    code_table: str = ""  # a code fact's table: division (行政区划) or industry (行业)
    description: str = ""
    scale: int | None = None  # decimal places a decimal or percent fact keeps
    status: str = "active"  # draft / active / deprecated (models.FactStatus)
    revision: int = 0  # bumped by every change of the fact: what a cache of its values keys on

    @property
    def code_labels(self) -> dict[str, str]:
        """Return the labels of a code fact's table (empty for other facts)."""
        return CODE_TABLES.get(self.code_table, {})

    @property
    def derived(self) -> bool:
        """Tell whether the fact is computed from others as of the evaluation date."""
        return self.derivation is not None

    @property
    def values(self) -> tuple[str, ...]:
        """Return the allowed values of an enumeration or tag set, in order."""
        return tuple(value for value, _ in self.choices)

    def rank(self, value: str) -> int:
        """Return the position of an enumeration value (ordered enums compare by it)."""
        return self.values.index(value)

    def label_of(self, value: object) -> str:
        """Return the Chinese label of an enumeration, tag or code value."""
        if self.type in (FactType.ENUM, FactType.TAGS):
            return dict(self.choices).get(str(value), str(value))
        if self.type is FactType.CODE:
            return code_label(self.code_labels, str(value))
        return str(value)


DOCUMENT_FIELDS = (
    "key",
    "subject_type",
    "label",
    "description",
    "type",
    "scale",
    "unit",
    "minimum",
    "maximum",
    "choices",
    "ordered",
    "code_table",
    "derivation",
    "sensitive",
    "source_field",
    "status",
)


def fact_document(fact: Fact) -> dict[str, Any]:
    """Return a fact as the catalog stores it (a row of fact_definitions) and the API shows it."""
    return {
        "key": fact.name,
        "subject_type": fact.kind,
        "label": fact.label,
        "description": fact.description,
        "type": fact.type.value,
        "scale": fact.scale,
        "unit": fact.unit,
        "minimum": fact.minimum,
        "maximum": fact.maximum,
        "choices": [list(choice) for choice in fact.choices],
        "ordered": fact.ordered,
        "code_table": fact.code_table or None,
        "derivation": None if fact.derivation is None else fact.derivation.to_document(),
        "sensitive": fact.sensitive,
        "source_field": fact.source_field,
        "status": fact.status,
    }


def fact_from_document(doc: Mapping[str, Any], *, revision: int = 0) -> Fact:
    """Return the fact a stored document describes (checked when it was stored)."""
    derivation = doc.get("derivation")
    return Fact(
        name=doc["key"],
        label=doc["label"],
        kind=doc["subject_type"],
        type=FactType(doc["type"]),
        unit=doc.get("unit") or "",
        source_field=doc.get("source_field") or "",
        sensitive=bool(doc.get("sensitive")),
        choices=tuple((str(value), str(label)) for value, label in doc.get("choices") or ()),
        ordered=bool(doc.get("ordered")),
        derivation=None if not derivation else read_derivation(derivation),
        minimum=doc.get("minimum"),
        maximum=doc.get("maximum"),
        code_table=doc.get("code_table") or "",
        description=doc.get("description") or "",
        scale=doc.get("scale"),
        status=doc.get("status") or "active",
        revision=revision,
    )


def unknown_fact(facts: Facts, name: Any) -> str:
    """Say that a fact name is unknown, with the fact that was probably meant."""
    if not isinstance(name, str):
        return f"指标名应为文字，收到 {name!r}"
    usable = [fact for fact in facts.values() if fact.status != "deprecated"]
    by_label = {fact.label: fact for fact in usable}
    if name in by_label:
        fact = by_label[name]
        return f"未知的指标「{name}」：「{fact.label}」的指标名是 {fact.name}，请写 {fact.name}"
    close = difflib.get_close_matches(name, [fact.name for fact in usable], n=1, cutoff=0.75)
    if not close and len(name) >= 3:  # hukou for hukou_district
        close = [fact.name for fact in usable if name in fact.name or fact.name in name][:1]
    if not close:
        labels = difflib.get_close_matches(name, list(by_label), n=1, cutoff=0.6)
        close = [by_label[labels[0]].name] if labels else []
    if close:
        fact = facts[close[0]]
        return f"未知的指标「{name}」，您是否要找「{fact.label}」（{fact.name}）？"
    return f"未知的指标「{name}」（指标目录：GET /api/v1/facts）"


def code_label(table: dict[str, str], code: str) -> str:
    """Return the label of a code, or of its longest known prefix with the code beside it."""
    if code in table:
        return table[code]
    for length in range(len(code) - 1, 0, -1):
        if code[:length] in table:
            return f"{table[code[:length]]}（{code}）"
    return code


class _Extra(TypedDict, total=False):
    """The optional fields of a Fact, as _person and _enterprise take them."""

    unit: str
    source_field: str
    sensitive: bool
    choices: tuple[tuple[str, str], ...]
    ordered: bool
    derivation: Derivation
    minimum: float | None
    maximum: float | None
    code_table: str
    description: str


def _person(name: str, label: str, type_: FactType, **extra: Unpack[_Extra]) -> Fact:
    return Fact(name=name, label=label, kind="person", type=type_, **extra)


def _enterprise(name: str, label: str, type_: FactType, **extra: Unpack[_Extra]) -> Fact:
    return Fact(name=name, label=label, kind="enterprise", type=type_, **extra)


AGE_BANDS = (("minor", "未成年"), ("youth", "青年"), ("middle", "中年"), ("senior", "老年"))
AREAS = (("gaoxin", "高新区"), ("jingkai", "经开区"), ("dujia", "度假区"), ("none", "不在园区"))

PERSON_FACTS = (
    _person("hukou_district", "户籍", FactType.CODE, code_table="division"),
    _person("residence_district", "居住地", FactType.CODE, code_table="division"),
    _person("area", "所在园区", FactType.ENUM, choices=AREAS),
    _person("birth_date", "出生日期", FactType.DATE, sensitive=True),
    _person(
        "age",
        "年龄",
        FactType.INTEGER,
        unit="周岁",
        derivation=Derivation("years_since", ("birth_date",)),
        minimum=0,
        maximum=150,
    ),
    _person("gender", "性别", FactType.ENUM, choices=(("male", "男"), ("female", "女"))),
    _person(
        "employment_status",
        "就业状态",
        FactType.ENUM,
        choices=(
            ("employed", "在职"),
            ("unemployed", "失业"),
            ("retired", "退休"),
            ("student", "在校学生"),
            ("self_employed", "个体经营"),
            ("flexible", "灵活就业"),
        ),
    ),
    _person(
        "education",
        "学历",
        FactType.ENUM,
        ordered=True,
        choices=(
            ("primary", "小学"),
            ("junior", "初中"),
            ("senior", "高中"),
            ("vocational", "中专/技校"),
            ("college", "大专"),
            ("bachelor", "本科"),
            ("master", "硕士研究生"),
            ("doctor", "博士研究生"),
        ),
    ),
    _person("graduation_year", "毕业年份", FactType.YEAR, unit="年", minimum=1930, maximum=2100),
    _person(
        "years_since_graduation",
        "毕业年限",
        FactType.INTEGER,
        unit="年",
        derivation=Derivation("years_since_year", ("graduation_year",)),
    ),
    _person(
        "disability_level",
        "残疾等级",
        FactType.INTEGER,
        unit="级",
        sensitive=True,
        minimum=1,
        maximum=4,
    ),
    _person(
        "disability_type",
        "残疾类别",
        FactType.ENUM,
        sensitive=True,
        choices=(
            ("visual", "视力残疾"),
            ("hearing", "听力残疾"),
            ("speech", "言语残疾"),
            ("physical", "肢体残疾"),
            ("intellectual", "智力残疾"),
            ("mental", "精神残疾"),
            ("multiple", "多重残疾"),
        ),
    ),
    _person(
        "assistance_tags",
        "救助身份",
        FactType.TAGS,
        sensitive=True,
        choices=(
            ("dibao", "低保对象"),
            ("tekun", "特困人员"),
            ("low_income", "低收入人口"),
            ("orphan", "孤儿"),
        ),
    ),
    _person("household_size", "家庭人口", FactType.INTEGER, unit="人", minimum=1, maximum=30),
    _person("household_income_fen", "家庭年收入", FactType.MONEY, sensitive=True, minimum=0),
    _person(
        "per_capita_income_fen",
        "家庭人均年收入",
        FactType.MONEY,
        sensitive=True,
        derivation=Derivation("divide", ("household_income_fen", "household_size")),
    ),
    _person("social_insurance_since", "参保起始日期", FactType.DATE),
    _person(
        "social_insurance_months",
        "参保月数",
        FactType.INTEGER,
        unit="个月",
        derivation=Derivation("months_since", ("social_insurance_since",)),
    ),
    _person(
        "unemployment_insurance_months",
        "失业保险缴费月数",
        FactType.INTEGER,
        unit="个月",
        minimum=0,
    ),
    _person("veteran", "退役军人", FactType.BOOLEAN),
    _person(
        "skill_certificate",
        "职业技能等级",
        FactType.ENUM,
        ordered=True,
        choices=(
            ("junior", "初级工"),
            ("intermediate", "中级工"),
            ("senior", "高级工"),
            ("technician", "技师"),
            ("senior_technician", "高级技师"),
        ),
    ),
    _person("skill_certificate_date", "技能证书取得日期", FactType.DATE),
    _person("business_registered_on", "创业登记日期", FactType.DATE),
    _person("first_home_purchase_date", "首套住房购买日期", FactType.DATE),
    _person("owns_home_in_city", "在本市有住房", FactType.BOOLEAN),
    _person(
        "age_band",
        "年龄段",
        FactType.ENUM,
        ordered=True,
        choices=AGE_BANDS,
        derivation=read_derivation(
            {
                "case": [
                    {"when": {"fact": "age", "op": "<", "value": 18}, "value": "minor"},
                    {"when": {"fact": "age", "op": "<=", "value": 35}, "value": "youth"},
                    {"when": {"fact": "age", "op": "<", "value": 60}, "value": "middle"},
                ],
                "else": "senior",
            }
        ),
        description="由年龄归类：未满18周岁、18–35周岁、36–59周岁、60周岁及以上",
    ),
)

ENTERPRISE_FACTS = (
    _enterprise("registered_district", "注册地", FactType.CODE, code_table="division"),
    _enterprise("area", "所在园区", FactType.ENUM, choices=AREAS),
    _enterprise("industry_code", "所属行业", FactType.CODE, code_table="industry"),
    _enterprise("founded_on", "成立日期", FactType.DATE),
    _enterprise(
        "years_since_founding",
        "成立年限",
        FactType.INTEGER,
        unit="年",
        derivation=Derivation("years_since", ("founded_on",)),
    ),
    _enterprise("employees", "从业人数", FactType.INTEGER, unit="人", minimum=0),
    _enterprise("revenue_fen", "上年营业收入", FactType.MONEY, minimum=0),
    _enterprise("total_assets_fen", "资产总额", FactType.MONEY, minimum=0),
    _enterprise("tax_paid_fen", "上年纳税额", FactType.MONEY, minimum=0),
    _enterprise("unemployment_insurance_paid_fen", "上年失业保险缴费额", FactType.MONEY, minimum=0),
    _enterprise("layoff_rate", "上年裁员率", FactType.PERCENT, unit="%", minimum=0, maximum=100),
    _enterprise(
        "rd_ratio", "研发投入占营业收入比例", FactType.PERCENT, unit="%", minimum=0, maximum=100
    ),
    _enterprise(
        "new_graduate_hires", "本年新招用高校毕业生", FactType.INTEGER, unit="人", minimum=0
    ),
    _enterprise(
        "enterprise_tags",
        "企业资质",
        FactType.TAGS,
        choices=(
            ("high_tech", "高新技术企业"),
            ("specialized", "专精特新中小企业"),
            ("little_giant", "专精特新“小巨人”企业"),
            ("tech_sme", "科技型中小企业"),
            ("small_micro", "小微企业"),
            ("above_scale", "规模以上企业"),
        ),
    ),
    _enterprise(
        "enterprise_size",
        "企业规模",
        FactType.ENUM,
        ordered=True,
        choices=SIZES,
        derivation=read_derivation(size_derivation()),
        description="按《中小企业划型标准规定》（工信部联企业〔2011〕300号），由所属行业、从业人数、"
        "上年营业收入和资产总额归类",
    ),
)

SUBJECT_KINDS = ("person", "enterprise")


class Facts(dict[str, Fact]):
    """The facts of one subject kind, by name, in catalog order."""

    def __init__(self, kind: str, facts: Iterable[Fact] = ()) -> None:
        super().__init__((fact.name, fact) for fact in facts)
        self.kind = kind

    def stored(self) -> list[Fact]:
        """Return the facts a profile stores (not derived), in catalog order."""
        return [fact for fact in self.values() if not fact.derived]


class Catalog:
    """Every fact a rule may use, by subject kind: the plain object services load from the
    database (services/facts) and hand to rules/. A version tells one catalog from the next."""

    def __init__(self, facts: Iterable[Fact], version: int = 0) -> None:
        self.version = version
        grouped: dict[str, dict[str, Fact]] = {kind: {} for kind in SUBJECT_KINDS}
        for fact in facts:
            grouped[fact.kind][fact.name] = fact
        self._by_kind = {
            kind: Facts(kind, _with_stored_inputs(items)) for kind, items in grouped.items()
        }

    def of(self, kind: str) -> Facts:
        """Return the facts of a subject kind (KeyError for an unknown kind)."""
        return self._by_kind[kind]

    def find(self, kind: str, name: str) -> Fact | None:
        """Return a fact of the kind, or None when there is no such fact."""
        facts = self._by_kind.get(kind)
        return None if facts is None else facts.get(name)

    def stored(self, kind: str) -> list[Fact]:
        """Return the facts a profile of the kind stores (not derived), in catalog order."""
        return self._by_kind[kind].stored()

    def __iter__(self) -> Iterator[Fact]:
        for facts in self._by_kind.values():
            yield from facts.values()


def _with_stored_inputs(facts: dict[str, Fact]) -> list[Fact]:
    """Return the facts with each derived fact's stored inputs, followed through derived ones.

    Raises ValueError for an input that is not a fact of the kind, or a cycle.
    """

    def stored(name: str, seen: tuple[str, ...]) -> list[str]:
        if name in seen:
            raise ValueError(f"推算关系成环：{' → '.join((*seen, name))}")
        fact = facts.get(name)
        if fact is None:
            raise ValueError(f"「{seen[-1]}」的推算用到了未知的指标「{name}」")
        if fact.derivation is None:
            return [name]
        return [n for source in fact.derivation.inputs for n in stored(source, (*seen, name))]

    return [
        replace(fact, derived_from=tuple(dict.fromkeys(stored(fact.name, ()))))
        if fact.derivation is not None
        else fact
        for fact in facts.values()
    ]


BUILTIN = Catalog((*PERSON_FACTS, *ENTERPRISE_FACTS))
"""The facts the service shipped with before the catalog became data: what the first catalog
migration writes, and what tests of rules/ use."""
