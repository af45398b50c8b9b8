"""Staff users: creation, password login, API keys for the data platform, roles."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import AccountType, Department, Role, StaffRole, StaffUser
from models.clock import utcnow
from services import audit
from services.audit import Actor
from services.errors import Conflict, InvalidInput, NotFound, Unauthorized

MIN_PASSWORD = 10
API_KEY_PREFIX = "kx_"
SCOPED_ROLES = (Role.PUBLISHER, Role.REVIEWER)
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_api_key(key: str) -> bytes:
    """Return the stored form of an API key (it is random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).digest()


def create_staff(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    roles: list[tuple[str, str | None]],
    password: str | None = None,
    machine: bool = False,
) -> tuple[StaffUser, str | None]:
    """Create a staff user (or machine client) with roles; return it and its API key if any."""
    errors: dict[str, list[str]] = {}
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Conflict(f"用户名「{username}」已存在", errors={"username": ["用户名已存在"]})
    if not machine and (password is None or len(password) < MIN_PASSWORD):
        errors["password"] = [f"密码至少 {MIN_PASSWORD} 位"]
    grants = []
    for index, (role, department_code) in enumerate(roles):
        problem = _role_problem(session, role, department_code)
        if isinstance(problem, str):
            errors.setdefault(f"roles.{index}", []).append(problem)
        else:
            grants.append(StaffRole(role=role, department_id=problem))
    if not roles:
        errors["roles"] = ["至少指定一个角色"]
    if errors:
        raise InvalidInput("员工信息有误", errors=errors)
    key = f"{API_KEY_PREFIX}{secrets.token_urlsafe(32)}" if machine else None
    staff = StaffUser(
        username=username,
        display_name=display_name,
        account_type=AccountType.MACHINE if machine else AccountType.HUMAN,
        password_hash=None if password is None else generate_password_hash(password),
        api_key_hash=None if key is None else hash_api_key(key),
        roles=grants,
    )
    session.add(staff)
    session.flush()
    audit.record(session, actor, "staff.create", staff, after=describe(staff))
    session.commit()
    return staff, key


def _role_problem(session: Session, role: str, department_code: str | None) -> str | int | None:
    """Return the department id a role is scoped to, or a Chinese problem."""
    if role not in set(Role):
        return f"未知角色「{role}」，可选：{'、'.join(Role)}"
    if role in SCOPED_ROLES and not department_code:
        return f"角色「{role}」需要指定部门"
    if department_code is None:
        return None
    department_id = session.scalar(select(Department.id).where(Department.code == department_code))
    if department_id is None:
        codes = session.scalars(select(Department.code).order_by(Department.code)).all()
        known = f"，现有部门：{'、'.join(codes)}" if codes else "，还没有任何部门"
        return f"部门「{department_code}」不存在{known}"
    return department_id


def authenticate(*, session: Session, username: str, password: str) -> StaffUser:
    """Return the active human staff user with this password, or raise Unauthorized."""
    staff = session.scalar(select(StaffUser).where(StaffUser.username == username))
    stored = staff.password_hash if staff is not None and staff.password_hash else _DUMMY_HASH
    valid = check_password_hash(stored, password)
    if staff is None or not valid or not staff.is_active or staff.account_type != AccountType.HUMAN:
        raise Unauthorized("用户名或密码错误")
    staff.last_login_at = utcnow()
    session.commit()
    return staff


def staff_for_token(*, session: Session, staff_id: int, version: int) -> StaffUser:
    """Return the staff user a token names, if the token is still valid for them."""
    staff = session.get(StaffUser, staff_id)
    if staff is None or not staff.is_active or staff.token_version != version:
        raise Unauthorized("登录已失效，请重新登录")
    return staff


def staff_for_api_key(*, session: Session, key: str) -> StaffUser:
    """Return the active machine client holding this API key."""
    staff = session.scalar(select(StaffUser).where(StaffUser.api_key_hash == hash_api_key(key)))
    if staff is None or not staff.is_active:
        raise Unauthorized("API 密钥无效")
    return staff


def set_password(*, session: Session, actor: Actor, username: str, password: str) -> StaffUser:
    """Set a staff member's password; every token they hold stops working."""
    staff = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if staff is None or staff.account_type != AccountType.HUMAN:
        raise NotFound(f"没有名为「{username}」的工作人员", errors={"username": ["员工不存在"]})
    if len(password) < MIN_PASSWORD:
        message = f"密码至少 {MIN_PASSWORD} 位"
        raise InvalidInput(message, errors={"password": [message]})
    staff.password_hash = generate_password_hash(password)
    staff.token_version += 1
    audit.record(session, actor, "staff.password", staff)
    session.commit()
    return staff


def logout_everywhere(*, session: Session, actor: Actor, staff_id: int) -> None:
    """Invalidate every token the staff user holds."""
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        raise NotFound("员工不存在")
    staff.token_version += 1
    audit.record(session, actor, "staff.logout", staff)
    session.commit()


def actor_of(staff: StaffUser, *, request_id: str | None = None, ip: str | None = None) -> Actor:
    """Return the Actor a staff user acts as."""
    kind = "data_platform" if staff.account_type == AccountType.MACHINE else "staff"
    return Actor(
        kind=kind,
        id=staff.id,
        name=staff.display_name,
        roles=tuple((grant.role, grant.department_id) for grant in staff.roles),
        request_id=request_id,
        ip=ip,
    )


def describe(staff: StaffUser) -> dict:
    """Return what the audit log and the API show of a staff user (never secrets)."""
    return {
        "id": staff.id,
        "username": staff.username,
        "display_name": staff.display_name,
        "kind": staff.account_type,  # the API's name
        "is_active": staff.is_active,
        "roles": [{"role": g.role, "department_id": g.department_id} for g in staff.roles],
    }
