"""Self-registration with real-name verification (实名认证, issue #20 item 2; R1, P1).

A person the registry already knows opens their own login without a visit to a desk: they give their name and
resident ID number; the registry finds them through the ID number's keyed blind index, checks the name and that it
holds a phone number of theirs, and sends a six-digit one-time code to that phone through the notices package's
code sender (an SMS adapter in a deployment; a log line by default, which in production never shows the code). The
code is stored only as a salted SHA-256; it is valid ``code_valid_minutes`` and for ``code_max_attempts`` wrong
tries, and one phone gets at most ``codes_per_party_per_day`` codes (rule set ``registry_signup``). With the code the
person picks a username and a password (the platform's password policy); the login is created as a member of the
city's individual users, linked to their party, with ledger events in the same transaction.

Every refusal of the first step reads alike (``registry.signup_not_verified``), whether the ID number is unknown,
the name differs or no phone is on file, so the form is no way to learn who is registered. A wrong code is counted
in the caller's transaction and the view answers it without raising, so the count is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from landbridge import notices
from landbridge.auth.models import Organisation, OrgKind, Role, User
from landbridge.auth.service import check_password, create_organisation, create_user
from landbridge.cityprofile import get_profile
from landbridge.db import Base
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.columns import CreatedAt, IdPk
from landbridge.kernel.ids import mask_phone
from landbridge.ledger import append_event, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import Party
from landbridge.registry.queries import find_party_by_id_number

USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,40}")
INDIVIDUALS = "个人用户"  # the organisation every villager's own login belongs to (as the demo member's)
CODE_DIGITS = 6


class SignupCode(IdPk, CreatedAt, Base):
    """A one-time code sent for a sign-up: whose, its salted digest, until when, wrong tries, and when it was used."""

    __tablename__ = "registry_signup"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)


@dataclass(frozen=True)
class CodeSent:
    """What the first step tells the person: which sign-up, the phone masked, and until when the code holds."""

    signup_id: int
    phone_masked: str
    expires_at: datetime


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _rule(name: str) -> int:
    return get_profile().rules("registry_signup").int(name)


def start_signup(session: Session, *, id_number: str, name: str) -> CodeSent:
    """Check the person against the registry and send a one-time code to the phone it holds."""
    party = find_party_by_id_number(session, "resident_id", (id_number or "").strip().upper())
    if party is None or party.kind != "person" or party.name != " ".join((name or "").split()) \
            or party.phone_enc is None:
        raise RegistryError.SIGNUP_NOT_VERIFIED.error()
    party = session.get(Party, party.id, with_for_update=True)  # one sign-up at a time per person
    assert party is not None and party.phone is not None
    if session.execute(select(User.id).where(User.party_id == party.id)).first():
        raise RegistryError.SIGNUP_ALREADY_REGISTERED.error()
    moment = now()
    limit = _rule("codes_per_party_per_day")
    sent = session.scalar(select(func.count()).select_from(SignupCode).where(
        SignupCode.party_id == party.id, SignupCode.created_at > moment - timedelta(days=1)))
    if (sent or 0) >= limit:
        raise RegistryError.SIGNUP_TOO_MANY_CODES.error(limit=limit)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    minutes = _rule("code_valid_minutes")
    row = SignupCode(party_id=party.id, salt=salt, code_hash=_digest(salt, code), attempts=0, created_at=moment,
                     expires_at=moment + timedelta(minutes=minutes))
    session.add(row)
    session.flush()
    append_event(session, module="registry", event_type="signup_code_sent", subject=subjects.party(party.id),
                 actor="self", payload={"signup_id": row.id, "expires_at": row.expires_at})
    notices.send_code(party.phone, f"【{get_profile().name}】您的注册验证码为 {code}，{minutes} 分钟内有效。"
                                   "如非本人操作，请忽略本短信。")
    return CodeSent(signup_id=row.id, phone_masked=mask_phone(party.phone) or "", expires_at=row.expires_at)


def check_code(session: Session, *, signup_id: int, code: str) -> SignupCode | None:
    """The sign-up if ``code`` is its code, unused, in time and with tries left; a wrong code is counted (the
    caller keeps the count by committing) and None returned."""
    row = session.get(SignupCode, signup_id, with_for_update=True)
    if row is None or row.used_at is not None or ensure_utc(row.expires_at) <= now() \
            or row.attempts >= _rule("code_max_attempts"):
        return None
    if not hmac.compare_digest(row.code_hash, _digest(row.salt, (code or "").strip())):
        row.attempts += 1
        session.flush()
        return None
    return row


def _individuals(session: Session) -> Organisation:
    city = get_profile().city_code
    found = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.individual)
                            .order_by(Organisation.id)).first()
    return found or create_organisation(session, name=INDIVIDUALS, kind=OrgKind.individual, region_code=city)


def complete_signup(session: Session, signup: SignupCode, *, username: str, password: str) -> User:
    """Open the person's login with a code ``check_code`` accepted: username and password checked first, then the
    account created as a member linked to the party, the code spent, and the sign-up in the ledger."""
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise RegistryError.SIGNUP_BAD_USERNAME.error()
    check_password(password or "", username)
    party = session.get(Party, signup.party_id, with_for_update=True)
    assert party is not None
    if session.execute(select(User.id).where(User.party_id == party.id)).first():
        raise RegistryError.SIGNUP_ALREADY_REGISTERED.error()
    user = create_user(session, username=username, password=password, display_name=f"村民 {party.name}",
                       role=Role.member, organisation_id=_individuals(session).id, party_id=party.id, actor="self")
    signup.used_at, signup.user_id = now(), user.id
    session.flush()
    append_event(session, module="registry", event_type="signup_verified", subject=subjects.party(party.id),
                 actor="self", payload={"signup_id": signup.id, "user_id": user.id}, also=(subjects.user(user.id),))
    return user
