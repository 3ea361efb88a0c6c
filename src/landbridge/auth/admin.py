"""Account administration (issue #20 item 2): an administrator lists login accounts, changes an account's role and
deactivates or reactivates it. Each change is a named, self-guarding transition (the account row is locked; a
change to the state it already has is refused, typed, and writes nothing) with a ledger event in the caller's
transaction; the session version moves on, so a changed account's cookies and tokens are re-read at once. An
administrator never administers their own account (no one locks the last door behind them).

An organisation's administrator (``Role.org_admin``: a bank, a guarantor, an insurer, the fund, a company, a
collective) does the same within their organisation only (``Scope``): they see its accounts alone, create accounts
in it, and grant or take only the staff roles of its kind (``ORG_ROLES``); an account of another organisation reads
as not found, as a missing one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth.errors import AuthError
from landbridge.auth.models import Organisation, OrgKind, Role, User
from landbridge.ledger import append_event, subjects

PAGE_MAX = 100
# the staff roles an organisation's own administrator may grant, by the kind of organisation
ORG_ROLES: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.bank: (Role.bank_officer,), OrgKind.guarantor: (Role.guarantor_officer,),
    OrgKind.insurer: (Role.insurer_officer,), OrgKind.fund: (Role.fund_manager,), OrgKind.company: (Role.bidder,),
    OrgKind.collective: (Role.collective_clerk,)}


@dataclass(frozen=True)
class Scope:
    """Whose accounts an administrator manages: all (``organisation_id`` None, the platform's administrator) or one
    organisation's, with the roles its administrator may grant."""

    organisation_id: int | None = None
    roles: tuple[Role, ...] = ()

    def check_role(self, role: Role) -> None:
        if self.organisation_id is not None and role not in self.roles:
            raise AuthError.ROLE_NOT_GRANTABLE.error({"allowed": ", ".join(r.value for r in self.roles) or "-"})


EVERYONE = Scope()


def scope_of(session: Session, role: Role, organisation_id: int) -> Scope:
    """The scope of a signed-in administrator: everyone for the platform's, one organisation for its own."""
    if role is Role.admin:
        return EVERYONE
    org = session.get(Organisation, organisation_id)
    kind = OrgKind(org.kind) if org is not None else None
    return Scope(organisation_id=organisation_id, roles=ORG_ROLES.get(kind, ()) if kind else ())


def _locked_user(session: Session, user_id: int, admin_user_id: int, scope: Scope = EVERYONE) -> User:
    user = session.execute(select(User).where(User.id == user_id).with_for_update()).scalar_one_or_none()
    if user is None or (scope.organisation_id is not None and user.organisation_id != scope.organisation_id):
        raise AuthError.USER_NOT_FOUND.error()
    if user.id == admin_user_id:
        raise AuthError.SELF_ADMINISTRATION.error()
    scope.check_role(Role(user.role))  # an organisation's administrator leaves its other administrators alone
    return user


def list_users(session: Session, *, role: Role | None = None, query: str | None = None, limit: int = 50,
               offset: int = 0, scope: Scope = EVERYONE) -> tuple[list[User], int]:
    """Accounts by username, filtered by role and by a part of the username or display name, and the total."""
    conds = [] if scope.organisation_id is None else [User.organisation_id == scope.organisation_id]
    if role is not None:
        conds.append(User.role == role)
    if query:
        pattern = f"%{query}%"
        conds.append(User.username.like(pattern) | User.display_name.like(pattern))
    total = int(session.scalar(select(func.count()).select_from(User).where(*conds)) or 0)
    rows = session.scalars(select(User).where(*conds).order_by(User.username)
                           .limit(max(1, min(limit, PAGE_MAX))).offset(max(0, offset)))
    return list(rows), total


def change_role(session: Session, *, user_id: int, role: Role, admin_user_id: int, actor: str,
                scope: Scope = EVERYONE) -> User:
    """Give an account another role (its sessions are re-read with it)."""
    scope.check_role(role)
    user = _locked_user(session, user_id, admin_user_id, scope)
    if user.role == role:
        raise AuthError.ACCOUNT_UNCHANGED.error()
    before = user.role
    user.role, user.session_version = role, user.session_version + 1
    session.flush()
    append_event(session, module="auth", event_type="user_role_changed", subject=subjects.user(user.id), actor=actor,
                 payload={"from": str(before), "to": str(role)})
    return user


def set_active(session: Session, *, user_id: int, active: bool, admin_user_id: int, actor: str,
               scope: Scope = EVERYONE) -> User:
    """Deactivate an account (it can no longer log in; its sessions and tokens stop at once) or reactivate it."""
    user = _locked_user(session, user_id, admin_user_id, scope)
    if user.is_active == active:
        raise AuthError.ACCOUNT_UNCHANGED.error()
    user.is_active, user.session_version = active, user.session_version + 1
    session.flush()
    append_event(session, module="auth", event_type="user_reactivated" if active else "user_deactivated",
                 subject=subjects.user(user.id), actor=actor, payload={})
    return user
