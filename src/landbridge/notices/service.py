"""Sending, reading and delivering notices (站内消息, issue #20 item 1).

``send`` adds one notice per user in the caller's transaction (services never commit), so a notice exists exactly
when the change it reports was committed; a ``dedupe_key`` makes a reminder that a job sends on every tick arrive
once per user (``INSERT … ON CONFLICT DO NOTHING``, no check-then-act). The notice table is also the outbox:
``deliver_pending`` (a worker job) hands undelivered notices to the gateway and marks each delivered with a
conditional update, so a crash between the two re-delivers at most that notice and never loses one. The gateway is
an interface (an SMS or e-mail service in a deployment); the default writes a log line and sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from landbridge.config import Mode, get_settings
from landbridge.kernel.clock import now
from landbridge.notices.errors import NoticeError
from landbridge.notices.models import Notice

log = logging.getLogger("landbridge.notices")
DELIVERY_BATCH = 200   # notices handed to the gateway per worker tick
RECIPIENTS_MAX = 1000  # users one call may address
PAGE_MAX = 100


class Gateway(Protocol):
    """Where a notice goes besides the inbox: ``deliver`` returns the channel used (``sms``, ``email``, ``log``)."""

    def deliver(self, notice: Notice) -> str: ...


class LogGateway:
    """The default gateway: one log line per notice (no personal data beyond the user id), nothing sent."""

    def deliver(self, notice: Notice) -> str:
        log.info("notice %s to user %s: %s", notice.id, notice.user_id, notice.kind)
        return "log"


_gateway: Gateway = LogGateway()


def set_gateway(gateway: Gateway) -> Gateway:
    """Install a gateway (a deployment's SMS or e-mail adapter); returns the one it replaces."""
    global _gateway
    previous, _gateway = _gateway, gateway
    return previous


class CodeSender(Protocol):
    """Where a one-time code goes before its owner has a login (real-name sign-up, issue #20 item 2): an SMS to
    the phone the registry holds. ``send_code`` returns the channel used."""

    def send_code(self, phone: str, text: str) -> str: ...


class LogCodeSender:
    """The default: a log line with the phone masked to its last four digits, and the message outside production
    (so the demo and tests can finish a sign-up); in production the code is never logged, and the deployment
    installs its SMS adapter with ``set_code_sender`` (until then nobody can finish a sign-up)."""

    def send_code(self, phone: str, text: str) -> str:
        shown = "(withheld in production)" if get_settings().mode is Mode.production else text
        log.info("one-time code to ******%s: %s", phone[-4:], shown)
        return "log"


_code_sender: CodeSender = LogCodeSender()


def set_code_sender(sender: CodeSender) -> CodeSender:
    """Install a code sender (a deployment's SMS adapter); returns the one it replaces."""
    global _code_sender
    previous, _code_sender = _code_sender, sender
    return previous


def send_code(phone: str, text: str) -> str:
    """Hand a one-time code's message to the installed sender (outside any inbox: the person has no login yet)."""
    return _code_sender.send_code(phone, text)


def _check(field: str, value: str, limit: int) -> str:
    if not value or len(value) > limit:
        raise NoticeError.BAD_NOTICE.error(field=field)
    return value


def send(session: Session, *, user_ids: Iterable[int], module: str, kind: str, title_zh: str, title_en: str,
         href: str, dedupe_key: str | None = None) -> int:
    """Put a notice in each user's inbox (once per ``dedupe_key``); returns how many were new."""
    users = sorted(set(user_ids))
    if len(users) > RECIPIENTS_MAX:
        raise NoticeError.BAD_NOTICE.error(field="user_ids")
    _check("module", module, 32)
    _check("kind", kind, 48)
    _check("title_zh", title_zh, 200)
    _check("title_en", title_en, 200)
    if not _check("href", href, 200).startswith("/") or href.startswith("//"):
        raise NoticeError.BAD_NOTICE.error(field="href")
    if dedupe_key is not None:
        _check("dedupe_key", dedupe_key, 120)
    if not users:
        return 0
    table: Any = Notice.__table__
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    moment = now()
    rows = [{"user_id": u, "module": module, "kind": kind, "title_zh": title_zh, "title_en": title_en, "href": href,
             "dedupe_key": dedupe_key, "created_at": moment} for u in users]
    # RETURNING counts what was inserted on both databases (a multi-row insert's rowcount is -1 under psycopg)
    inserted = session.execute(insert.values(rows).on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
                               .returning(table.c.id))
    return len(inserted.all())


def inbox(session: Session, user_id: int, *, limit: int = 20, offset: int = 0) -> tuple[list[Notice], int]:
    """A user's notices, newest first, and their total."""
    total = int(session.scalar(select(func.count()).select_from(Notice).where(Notice.user_id == user_id)) or 0)
    rows = session.scalars(select(Notice).where(Notice.user_id == user_id)
                           .order_by(Notice.created_at.desc(), Notice.id.desc())
                           .limit(max(1, min(limit, PAGE_MAX))).offset(max(0, offset)))
    return list(rows), total


def unread_count(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Notice)
                              .where(Notice.user_id == user_id, Notice.read_at.is_(None))) or 0)


def mark_read(session: Session, *, notice_id: int, user_id: int) -> bool:
    """Mark one of the user's own notices read; False when it was read already. Someone else's is not found."""
    changed = session.execute(update(Notice).where(Notice.id == notice_id, Notice.user_id == user_id,
                                                   Notice.read_at.is_(None)).values(read_at=now()))
    if changed.rowcount:  # type: ignore[attr-defined]
        return True
    if session.scalar(select(Notice.id).where(Notice.id == notice_id, Notice.user_id == user_id)) is None:
        raise NoticeError.NOT_FOUND.error()
    return False


def deliver_pending(session: Session, *, batch: int = DELIVERY_BATCH) -> int:
    """The worker: hand undelivered notices to the gateway, oldest first, each marked delivered once."""
    delivered = 0
    for notice in session.scalars(select(Notice).where(Notice.delivered_at.is_(None))
                                  .order_by(Notice.id).limit(batch)):
        channel = _gateway.deliver(notice)
        done = session.execute(update(Notice).where(Notice.id == notice.id, Notice.delivered_at.is_(None))
                               .values(delivered_at=now(), channel=channel[:16]))
        delivered += int(done.rowcount or 0)  # type: ignore[attr-defined]
    return delivered
