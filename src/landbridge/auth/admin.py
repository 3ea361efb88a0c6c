"""Account administration (issue #20 item 2): an administrator lists login accounts, changes an account's role and
deactivates or reactivates it. Each change is a named, self-guarding transition (the account row is locked; a
change to the state it already has is refused, typed, and writes nothing) with a ledger event in the caller's
transaction; the session version moves on, so a changed account's cookies and tokens are re-read at once. An
administrator never administers their own account (no one locks the last door behind them)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth.errors import AuthError
from landbridge.auth.models import Role, User
from landbridge.ledger import append_event, subjects

PAGE_MAX = 100


def _locked_user(session: Session, user_id: int, admin_user_id: int) -> User:
    user = session.execute(select(User).where(User.id == user_id).with_for_update()).scalar_one_or_none()
    if user is None:
        raise AuthError.USER_NOT_FOUND.error()
    if user.id == admin_user_id:
        raise AuthError.SELF_ADMINISTRATION.error()
    return user


def list_users(session: Session, *, role: Role | None = None, query: str | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[User], int]:
    """Accounts by username, filtered by role and by a part of the username or display name, and the total."""
    conds = []
    if role is not None:
        conds.append(User.role == role)
    if query:
        pattern = f"%{query}%"
        conds.append(User.username.like(pattern) | User.display_name.like(pattern))
    total = int(session.scalar(select(func.count()).select_from(User).where(*conds)) or 0)
    rows = session.scalars(select(User).where(*conds).order_by(User.username)
                           .limit(max(1, min(limit, PAGE_MAX))).offset(max(0, offset)))
    return list(rows), total


def change_role(session: Session, *, user_id: int, role: Role, admin_user_id: int, actor: str) -> User:
    """Give an account another role (its sessions are re-read with it)."""
    user = _locked_user(session, user_id, admin_user_id)
    if user.role == role:
        raise AuthError.ACCOUNT_UNCHANGED.error()
    before = user.role
    user.role, user.session_version = role, user.session_version + 1
    session.flush()
    append_event(session, module="auth", event_type="user_role_changed", subject=subjects.user(user.id), actor=actor,
                 payload={"from": str(before), "to": str(role)})
    return user


def set_active(session: Session, *, user_id: int, active: bool, admin_user_id: int, actor: str) -> User:
    """Deactivate an account (it can no longer log in; its sessions and tokens stop at once) or reactivate it."""
    user = _locked_user(session, user_id, admin_user_id)
    if user.is_active == active:
        raise AuthError.ACCOUNT_UNCHANGED.error()
    user.is_active, user.session_version = active, user.session_version + 1
    session.flush()
    append_event(session, module="auth", event_type="user_reactivated" if active else "user_deactivated",
                 subject=subjects.user(user.id), actor=actor, payload={})
    return user
