"""What a resident may see: only the subjects bound to them. Every resident service checks here.

Objects of subjects not bound to the caller answer 404 (NotFound), never 403: a resident must
not learn that another's claim or grant exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import SubjectBinding
from services.errors import NotFound


def bound_subject_ids(session: Session, wechat_user_id: int) -> list[int]:
    """Return the subjects this WeChat user may act for (active bindings), in binding order."""
    return list(
        session.scalars(
            select(SubjectBinding.subject_id)
            .where(
                SubjectBinding.wechat_user_id == wechat_user_id,
                SubjectBinding.status == "active",
            )
            .order_by(SubjectBinding.id)
        )
    )


def require_bound(session: Session, wechat_user_id: int, subject_id: int) -> None:
    """Raise NotFound unless this user may act for this subject."""
    if subject_id not in bound_subject_ids(session, wechat_user_id):
        raise NotFound("未找到该办事主体")
