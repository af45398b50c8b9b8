"""A hand-made world for 我的政策, the catalog and the calculator: five items whose verdicts and
amounts for three subjects are known by hand, matched as of TODAY.

- A 高龄津贴 (person, auto_grant): 本市户籍 and 年满80周岁; 100 元 a month.
- B 退役军人高龄慰问金 (person, one_tap, until 12-31): 年满80周岁 and 退役军人; 500 元 once.
- C 吸纳高校毕业生就业补贴 (enterprise, one_tap, until 12-10): 注册地本市; 1,500 元 per graduate.
- D 规模企业稳岗奖励 (enterprise, guide): 从业人数 ≥ 100; 10,000 元.
- F 科技型企业研发补助 (enterprise, one_tap, until 12-05): 注册地本市 and 研发投入 ≥ 3%; 2,000 元.

P (张三丰, 82, 东昌府区) is eligible for A, unknown for B (退役军人 not recorded); E (10 employees,
2 graduates) eligible for C (3,000 元), unknown for F, not for D. P and E are bound to one user;
Q (李四, 85, 临清市) to another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from models import (
    ChangeEvent,
    ChangeScope,
    Database,
    Department,
    Policy,
    PolicyCategory,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    Subject,
    VersionStatus,
)
from models.clock import SHANGHAI
from services import catalog, matching
from tests.resident_factories import bind, wechat_user

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
CITY = {"fact": "hukou_district", "op": "in", "value": ["3715"], "label": "本市户籍"}
AGED = {"fact": "age", "op": ">=", "value": 80, "label": "年满80周岁"}
REGISTERED = {"fact": "registered_district", "op": "in", "value": ["3715"], "label": "注册地在本市"}


@dataclass
class World:
    """Ids of what the world holds."""

    items: dict[str, int]
    versions: dict[str, int]
    policies: dict[str, int]
    person: int
    enterprise: int
    other_person: int
    user: Any
    other_user: Any


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def _policy(session: Session, department: Department, code: str, title: str, category: str):  # type: ignore[no-untyped-def]
    policy = Policy(
        code=code,
        department_id=department.id,
        title=title,
        summary=f"{title}的摘要。",
        body="第一条 为落实相关政策，制定本办法。",
        interpretation="一、谁能领？符合条件的都能领。",
        status=PolicyStatus.PUBLISHED,
        published_at=NOW,
        categories=[PolicyCategory(category=category)],
    )
    session.add(policy)
    session.flush()
    return policy


def _item(session: Session, policy: Policy, code: str, name: str, **fields: Any) -> PolicyItem:
    content = {key: fields.pop(key) for key in ("rule", "amount") if key in fields}
    item = PolicyItem(
        code=code,
        policy_id=policy.id,
        name=name,
        status=PolicyStatus.PUBLISHED,
        published_at=NOW,
        benefit=fields.pop("benefit", ""),
        guide_text=f"{name}的办理指南。",
        **fields,
    )
    session.add(item)
    session.flush()
    version = PolicyItemVersion(
        item_id=item.id,
        version=1,
        status=VersionStatus.PUBLISHED,
        materials=[{"name": "身份证", "required": True, "types": ["jpg", "pdf"]}],
        published_at=NOW,
        **content,
    )
    session.add(version)
    session.flush()
    item.current_version_id = version.id
    return item


def _subject(session: Session, kind: str, name: str, facts: dict[str, Any]) -> int:
    subject = Subject(kind=kind, identity_hash=os.urandom(32), name=name, facts=facts)
    session.add(subject)
    session.flush()
    return subject.id


def build(session: Session, database: Database) -> World:
    """Create the items and subjects, bind P and E to one user and Q to another, and match."""
    civil = Department(code="LC-MZ", name="聊城市民政局", short_name="市民政局")
    labour = Department(code="LC-RS", name="聊城市人力资源和社会保障局", short_name="市人社局")
    session.add_all([civil, labour])
    session.flush()
    aged = _policy(session, civil, "LC-MZ-2025-01", "聊城市高龄津贴发放管理办法", "养老服务")
    jobs = _policy(session, labour, "LC-RS-2025-02", "聊城市促进高校毕业生就业若干措施", "就业创业")
    items = {
        "A": _item(
            session,
            aged,
            "A",
            "高龄津贴",
            subject_type="person",
            mode="auto_grant",
            benefit="每人每月100元",
            rule={"all": [CITY, AGED]},
            amount={"kind": "fixed", "fen": 10000, "period": "monthly"},
        ),
        "B": _item(
            session,
            aged,
            "B",
            "退役军人高龄慰问金",
            subject_type="person",
            mode="one_tap",
            apply_until=_end_of(date(2026, 12, 31)),
            rule={"all": [AGED, {"fact": "veteran", "op": "==", "value": True}]},
            amount={"kind": "fixed", "fen": 50000},
        ),
        "C": _item(
            session,
            jobs,
            "C",
            "吸纳高校毕业生就业补贴",
            subject_type="enterprise",
            mode="one_tap",
            apply_until=_end_of(date(2026, 12, 10)),
            rule={"all": [REGISTERED]},
            amount={"kind": "per_unit", "fact": "new_graduate_hires", "unit_fen": 150000},
        ),
        "D": _item(
            session,
            jobs,
            "D",
            "规模企业稳岗奖励",
            subject_type="enterprise",
            mode="guide",
            rule={"fact": "employees", "op": ">=", "value": 100},
            amount={"kind": "fixed", "fen": 1000000},
        ),
        "F": _item(
            session,
            jobs,
            "F",
            "科技型企业研发补助",
            subject_type="enterprise",
            mode="one_tap",
            apply_until=_end_of(date(2026, 12, 5)),
            rule={"all": [REGISTERED, {"fact": "rd_ratio", "op": ">=", "value": 3}]},
            amount={"kind": "fixed", "fen": 200000},
        ),
    }
    person = _subject(
        session, "person", "张三丰", {"hukou_district": "371502", "birth_date": "1944-05-01"}
    )
    enterprise = _subject(
        session,
        "enterprise",
        "聊城市东昌府区示例科技有限公司",
        {"registered_district": "371502", "employees": 10, "new_graduate_hires": 2},
    )
    other = _subject(
        session, "person", "李四", {"hukou_district": "371581", "birth_date": "1941-01-01"}
    )
    session.add(ChangeEvent(scope=ChangeScope.FULL, reason="test"))
    session.commit()
    for policy in (aged, jobs):
        catalog.index_policy(session, policy.id)
    session.commit()
    user, other_user = wechat_user(session, "o-world-1"), wechat_user(session, "o-world-2")
    bind(session, user, person)
    bind(session, user, enterprise, relation="legal_representative")
    bind(session, other_user, other)
    matching.process_changes(database, today=TODAY)
    session.expire_all()
    return World(
        items={key: item.id for key, item in items.items()},
        versions={key: item.current_version_id for key, item in items.items()},  # type: ignore[misc]
        policies={"aged": aged.id, "jobs": jobs.id},
        person=person,
        enterprise=enterprise,
        other_person=other,
        user=user,
        other_user=other_user,
    )
