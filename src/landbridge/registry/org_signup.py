"""An organisation signs up by its unified social credit code and an authorised agent (issue #20 item 2; R1).

The agent is a person signed in with their own real-name login (``registry.signup``, or a login a desk linked to
their registry record). They give the organisation's USCC and name, which must match an organisation party of the
registry (found by the code's keyed blind index), its kind (a company that bids, a bank, a guarantor, an insurer,
the fund), the reference of the authorisation letter (授权委托书) they carry, and the username and password of the
organisation's first administrator. Nothing is opened yet: a platform administrator reviews the sign-up against
the letter and approves it (the organisation and its ``org_admin`` login are created, the password's hash moves
from the sign-up to the login and is cleared from the sign-up) or refuses it with a reason. The agent hears either
way through a notice. One sign-up per organisation waits at a time (its registry record is locked meanwhile); an
organisation that has logins already is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from landbridge import notices
from landbridge.auth.errors import AuthError
from landbridge.auth.models import Organisation, OrgKind, Role, User
from landbridge.auth.service import check_password, create_organisation, create_user, hash_password
from landbridge.cityprofile import get_profile
from landbridge.db import Base
from landbridge.kernel.clock import now
from landbridge.kernel.columns import CreatedAt, IdPk
from landbridge.ledger import append_event, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import IdType, Party, PartyKind
from landbridge.registry.queries import find_party_by_id_number
from landbridge.registry.signup import USERNAME

KINDS = (OrgKind.company, OrgKind.bank, OrgKind.guarantor, OrgKind.insurer, OrgKind.fund)
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
STATUS_ZH = {PENDING: "待审核", APPROVED: "通过", REFUSED: "不予通过"}


class OrgSignup(IdPk, CreatedAt, Base):
    """An organisation's sign-up: the registry party, its agent, the letter's reference, the first administrator's
    username and password hash (until approval), and the review."""

    __tablename__ = "registry_org_signup"
    __table_args__ = (Index("uq_registry_org_signup_pending", "party_id", unique=True,
                            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),)

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    agent_user_id: Mapped[int] = mapped_column(Integer, index=True)
    agent_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    kind: Mapped[str] = mapped_column(String(16))
    letter_ref: Mapped[str] = mapped_column(String(60))
    username: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(Integer)


def apply(session: Session, *, agent_user_id: int, agent_party_id: int | None, uscc: str, name: str, kind: str,
          letter_ref: str, username: str, password: str) -> OrgSignup:
    """The agent's sign-up, checked against the registry and waiting for review."""
    if agent_party_id is None:
        raise RegistryError.SIGNUP_AGENT_NOT_VERIFIED.error()
    if kind not in {k.value for k in KINDS}:
        raise RegistryError.SIGNUP_ORG_KIND.error({"allowed": ", ".join(k.value for k in KINDS)})
    letter = " ".join((letter_ref or "").split())
    if not 1 <= len(letter) <= 60:
        raise RegistryError.SIGNUP_ORG_NOT_VERIFIED.error()
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise RegistryError.SIGNUP_BAD_USERNAME.error()
    check_password(password or "", username)
    found = find_party_by_id_number(session, IdType.uscc, (uscc or "").strip().upper())
    if found is None or found.kind != PartyKind.organisation or found.name != " ".join((name or "").split()):
        raise RegistryError.SIGNUP_ORG_NOT_VERIFIED.error()
    party = session.get(Party, found.id, with_for_update=True)  # one sign-up of an organisation at a time
    assert party is not None
    if session.execute(select(Organisation.id).where(Organisation.uscc == uscc.strip().upper())).first():
        raise RegistryError.SIGNUP_ORG_EXISTS.error()
    if session.execute(select(OrgSignup.id).where(OrgSignup.party_id == party.id, OrgSignup.status == PENDING)).first():
        raise RegistryError.SIGNUP_ORG_PENDING.error()
    if session.execute(select(User.id).where(User.username == username)).first():
        raise AuthError.USERNAME_TAKEN.error({"username": username})
    row = OrgSignup(party_id=party.id, agent_user_id=agent_user_id, agent_party_id=agent_party_id, kind=kind,
                    letter_ref=letter, username=username, password_hash=hash_password(password), status=PENDING,
                    created_at=now())
    session.add(row)
    session.flush()
    append_event(session, module="registry", event_type="org_signup_applied", subject=subjects.party(party.id),
                 actor=f"user:{agent_user_id}", payload={"signup_id": row.id, "kind": kind},
                 also=(subjects.party(agent_party_id),))
    return row


def pending(session: Session, *, limit: int = 50) -> list[OrgSignup]:
    """Sign-ups waiting for review, oldest first."""
    return list(session.scalars(select(OrgSignup).where(OrgSignup.status == PENDING)
                                .order_by(OrgSignup.created_at, OrgSignup.id).limit(limit)))


def decide(session: Session, *, signup_id: int, approve: bool, reason: str | None, actor: str) -> OrgSignup:
    """Approve (the organisation and its administrator's login open) or refuse (with a reason) a waiting sign-up."""
    row = session.get(OrgSignup, signup_id, with_for_update=True)
    if row is None:
        raise RegistryError.SIGNUP_ORG_NOT_FOUND.error(signup_id=signup_id)
    if row.status != PENDING:
        raise RegistryError.SIGNUP_ORG_DECIDED.error({"status": STATUS_ZH.get(row.status, row.status)},
                                                     status=row.status)
    note = " ".join((reason or "").split())
    if not approve and not 1 <= len(note) <= 200:
        raise RegistryError.SIGNUP_REASON_REQUIRED.error()
    party = session.get(Party, row.party_id)
    assert party is not None
    row.decided_by, row.decided_at, row.reason = actor, now(), note or None
    if approve:
        if session.execute(select(Organisation.id).where(Organisation.uscc == party.id_number)).first():
            raise RegistryError.SIGNUP_ORG_EXISTS.error()
        org = create_organisation(session, name=party.name, kind=OrgKind(row.kind),
                                  region_code=party.region_code or get_profile().city_code,
                                  uscc=party.id_number, actor=actor)
        user = create_user(session, username=row.username, password=secrets.token_urlsafe(24),
                           display_name=f"{party.name} 机构管理员", role=Role.org_admin, organisation_id=org.id,
                           actor=actor)
        user.password_hash, row.password_hash = row.password_hash, ""  # the agent's chosen password, moved once
        row.status, row.organisation_id = APPROVED, org.id
        title_zh, title_en = f"机构注册已通过：{party.name}，请用申请时的账号登录", f"Sign-up approved: {party.name}"
    else:
        row.status, row.password_hash = REFUSED, ""
        title_zh, title_en = f"机构注册未通过：{note}", f"Sign-up refused: {note}"
    session.flush()
    append_event(session, module="registry", event_type=f"org_signup_{row.status}", subject=subjects.party(party.id),
                 actor=actor, payload={"signup_id": row.id, "organisation_id": row.organisation_id})
    notices.send(session, user_ids=[row.agent_user_id], module="registry", kind=f"registry.org_signup_{row.status}",
                 title_zh=title_zh[:200], title_en=title_en[:200], href="/hall",
                 dedupe_key=f"org_signup:{row.id}")
    return row
