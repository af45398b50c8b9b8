"""Publishing services on each storage backend: workflow, versions, events, scoping, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    AuditEntry,
    ChangeEvent,
    Policy,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    VersionStatus,
)
from services import publishing
from services import staff as staff_service
from services.audit import Actor
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests import factories

RULE = {"fact": "age", "op": ">=", "value": 60}
CASES = [
    {
        "name": "70岁符合",
        "as_of": "2026-06-01",
        "facts": {"birth_date": "1956-01-01"},
        "expect": {"verdict": "eligible", "amount_fen": 5000},
    }
]
CONTENT = {"rule": RULE, "amount": {"kind": "fixed", "fen": 5000}, "cases": CASES}
TODAY = date(2026, 6, 1)


def actor(session, username: str, *roles: str) -> Actor:  # type: ignore[no-untyped-def]
    """Create a staff user with roles such as "publisher:MZ" and return them as an Actor."""
    staff, _ = factories.staff(session, username, *roles)
    return staff_service.actor_of(staff)


def new_policy(session, who: Actor, code: str = "P-1", department: str = "MZ") -> Policy:  # type: ignore[no-untyped-def]
    """Create a draft policy in a department."""
    return publishing.create_policy(
        session=session,
        actor=who,
        code=code,
        department_id=factories.department(session, department).id,
        title="养老补贴办法",
        categories=["养老服务"],
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 12, 31),
    )


def new_item(session, who: Actor, policy: Policy, **extra: object) -> int:  # type: ignore[no-untyped-def]
    """Create a draft item with valid content; return its id."""
    fields = {"name": "养老补贴", "subject_type": "person", "mode": "auto_grant", **CONTENT}
    detail = publishing.create_item(
        session=session, actor=who, policy_id=policy.id, **{**fields, **extra}
    )
    return detail.item.id


def live(session, who: Actor) -> tuple[Policy, int]:  # type: ignore[no-untyped-def]
    """Return a published policy and the id of its published item."""
    policy = new_policy(session, who)
    item_id = new_item(session, who, policy)
    publishing.publish_policy(session=session, actor=who, policy_id=policy.id, today=TODAY)
    return policy, item_id


def reasons(session, item_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the reasons of an item's change events, in order."""
    query = select(ChangeEvent.reason).where(ChangeEvent.item_id == item_id)
    return list(session.scalars(query.order_by(ChangeEvent.id)))


def test_creating_and_editing_a_policy_is_audited_with_before_and_after(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy = new_policy(session, who)
    publishing.update_policy(
        session=session,
        actor=who,
        policy_id=policy.id,
        changes={"title": "养老服务补贴办法", "categories": ["养老服务", "社会保障"]},
    )
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "policies").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["policy.create", "policy.update"]
    assert entries[0].before is None and entries[0].after["code"] == "P-1"
    assert entries[1].before["title"] == "养老补贴办法"
    assert entries[1].after["title"] == "养老服务补贴办法"
    assert entries[1].after["categories"] == sorted(["社会保障", "养老服务"])
    assert entries[1].actor_id == who.id


def test_re_versioning_keeps_history_and_moves_the_current_version(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    _, item_id = live(session, who)
    first = session.get(PolicyItem, item_id).current_version_id  # type: ignore[union-attr]
    changed = {"amount": {"kind": "fixed", "fen": 6000}, "cases": []}
    publishing.save_draft(session=session, actor=who, item_id=item_id, changes=changed)
    with pytest.raises(InvalidInput) as refused:
        publishing.publish_item(session=session, actor=who, item_id=item_id, today=TODAY)
    assert refused.value.errors == {"$cases": ["发布前至少需要一个案例（示例和期望结果）"]}
    cases = [dict(CASES[0], expect={"verdict": "eligible", "amount_fen": 6000})]
    publishing.save_draft(session=session, actor=who, item_id=item_id, changes={"cases": cases})
    detail = publishing.publish_item(session=session, actor=who, item_id=item_id, today=TODAY)
    versions = publishing.item_versions(session=session, actor=who, item_id=item_id)
    assert [(v.version, v.status) for v in versions] == [
        (2, VersionStatus.PUBLISHED),
        (1, VersionStatus.SUPERSEDED),
    ]
    assert detail.item.current_version_id == versions[0].id != first
    assert versions[1].amount == {"kind": "fixed", "fen": 5000}  # history is never rewritten
    assert reasons(session, item_id) == ["publish", "version"]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("item.%")).order_by(AuditEntry.id)
    ).all()
    assert actions == ["item.create", "item.publish", "item.draft", "item.draft", "item.version"]


def test_the_change_event_shares_the_publishing_transaction(session, monkeypatch) -> None:
    who = actor(session, "pub", "publisher:MZ")
    _, item_id = live(session, who)
    publishing.save_draft(session=session, actor=who, item_id=item_id, changes={"note": "改"})

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr("services.publishing._lifecycle.audit.record", broken)
    with pytest.raises(RuntimeError):
        publishing.publish_item(session=session, actor=who, item_id=item_id, today=TODAY)
    session.rollback()
    assert reasons(session, item_id) == ["publish"]
    statuses = session.scalars(
        select(PolicyItemVersion.status).order_by(PolicyItemVersion.version)
    ).all()
    assert statuses == [VersionStatus.PUBLISHED, VersionStatus.DRAFT]


def test_an_item_is_published_only_once_its_policy_is(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy = new_policy(session, who)
    with pytest.raises(InvalidInput) as empty:
        publishing.publish_policy(session=session, actor=who, policy_id=policy.id)
    assert "items" in empty.value.errors
    item_id = new_item(session, who, policy)
    with pytest.raises(Conflict):
        publishing.publish_item(session=session, actor=who, item_id=item_id, today=TODAY)
    assert reasons(session, item_id) == []
    publishing.publish_policy(session=session, actor=who, policy_id=policy.id, today=TODAY)
    later = new_item(session, who, policy, name="后加事项")
    assert session.get(PolicyItem, later).status == PolicyStatus.DRAFT  # type: ignore[union-attr]
    publishing.publish_item(session=session, actor=who, item_id=later, today=TODAY)
    assert reasons(session, later) == ["publish"]
    with pytest.raises(Conflict):
        publishing.publish_policy(session=session, actor=who, policy_id=policy.id)


def test_one_tap_items_need_materials_and_invalid_content_is_never_stored(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy = new_policy(session, who)
    new_item(session, who, policy, mode="one_tap")
    with pytest.raises(InvalidInput) as refused:
        publishing.publish_policy(session=session, actor=who, policy_id=policy.id, today=TODAY)
    assert refused.value.errors == {"items[P-1-01].$materials": ["一键办理事项应列出申请材料"]}
    with pytest.raises(InvalidInput) as invalid:
        new_item(session, who, policy, rule={"fact": "age", "op": ">=", "value": "老"})
    assert list(invalid.value.errors) == ["$.value"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PolicyItem)) == 1


def test_withdrawing_a_policy_takes_its_items_down(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy, item_id = live(session, who)
    pending = new_item(session, who, policy, name="未发布事项")
    publishing.withdraw_policy(session=session, actor=who, policy_id=policy.id)
    assert session.get(PolicyItem, item_id).status == PolicyStatus.WITHDRAWN  # type: ignore[union-attr]
    assert session.get(PolicyItem, pending).status == PolicyStatus.WITHDRAWN  # type: ignore[union-attr]
    assert reasons(session, item_id) == ["publish", "withdraw"]
    assert reasons(session, pending) == []  # it never matched anyone
    with pytest.raises(Conflict):
        publishing.save_draft(session=session, actor=who, item_id=item_id, changes={"note": "x"})


def test_expiring_is_by_date_and_safe_to_run_twice(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy, item_id = live(session, who)
    still = new_policy(session, who, code="P-2")
    assert publishing.expire_policies(session=session, today=date(2026, 12, 31)) == {
        "policies_expired": 0,
        "items_expired": 0,
    }
    counts = publishing.expire_policies(session=session, today=date(2027, 1, 1))
    assert counts == {"policies_expired": 1, "items_expired": 1}
    assert publishing.expire_policies(session=session, today=date(2027, 1, 1)) == {
        "policies_expired": 0,
        "items_expired": 0,
    }
    session.expire_all()
    assert session.get(Policy, policy.id).status == PolicyStatus.EXPIRED  # type: ignore[union-attr]
    assert session.get(Policy, still.id).status == PolicyStatus.DRAFT  # type: ignore[union-attr]
    assert reasons(session, item_id) == ["publish", "expire"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "policy.expire")).one()
    assert entry.actor_kind == "system" and entry.before["status"] == "published"


def test_publishers_see_only_their_department_and_reviewers_only_read(session) -> None:
    owner = actor(session, "pub", "publisher:MZ")
    policy, item_id = live(session, owner)
    stranger = actor(session, "rs", "publisher:RS")
    reviewer = actor(session, "rev", "reviewer:MZ")
    admin = actor(session, "root", "admin")
    for call in (
        lambda who: publishing.get_policy(session=session, actor=who, policy_id=policy.id),
        lambda who: publishing.get_item(session=session, actor=who, item_id=item_id),
        lambda who: publishing.list_items(session=session, actor=who, policy_id=policy.id),
        lambda who: publishing.withdraw_item(session=session, actor=who, item_id=item_id),
    ):
        with pytest.raises(NotFound):
            call(stranger)
    assert publishing.list_policies(session=session, actor=stranger) == ([], 0)
    assert publishing.get_item(session=session, actor=reviewer, item_id=item_id).item.id == item_id
    with pytest.raises(Forbidden):
        publishing.update_policy(
            session=session, actor=reviewer, policy_id=policy.id, changes={"title": "改"}
        )
    with pytest.raises(Forbidden):
        new_policy(session, stranger, code="P-9", department="MZ")
    rows, total = publishing.list_policies(session=session, actor=admin)
    assert total == 1 and rows[0].id == policy.id
    publishing.withdraw_item(session=session, actor=admin, item_id=item_id)


def test_a_published_item_keeps_its_kind_and_mode_but_attributes_change_in_place(
    session,
) -> None:
    who = actor(session, "pub", "publisher:MZ")
    _, item_id = live(session, who)
    with pytest.raises(Conflict) as fixed:
        publishing.update_item(
            session=session, actor=who, item_id=item_id, changes={"mode": "guide"}
        )
    assert set(fixed.value.errors) == {"mode"}
    publishing.update_item(
        session=session, actor=who, item_id=item_id, changes={"benefit": "每月50元"}
    )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "item.update")).one()
    assert entry.before["benefit"] == "" and entry.after["benefit"] == "每月50元"
    assert reasons(session, item_id) == ["publish"]  # the rule did not change


def test_a_pending_draft_can_be_discarded_but_a_first_draft_cannot(session) -> None:
    who = actor(session, "pub", "publisher:MZ")
    policy, item_id = live(session, who)
    publishing.save_draft(session=session, actor=who, item_id=item_id, changes={"note": "试"})
    publishing.discard_draft(session=session, actor=who, item_id=item_id)
    assert publishing.get_item(session=session, actor=who, item_id=item_id).draft is None
    fresh = new_item(session, who, policy, name="新事项")
    with pytest.raises(Conflict):
        publishing.discard_draft(session=session, actor=who, item_id=fresh)
