"""The exchange's to-dos for the service hall (issue #20 item 1; trading.md c.2): for a bidder, the lots it is
registered on that are still running (due when the listing ends, or when a running countdown ends: urgent); for
an operator, the drafts of its area waiting to be announced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.rules import LotPhase
from landbridge.kernel.clock import ensure_utc
from landbridge.kernel.hall import SOURCE_LIMIT, Todo

RUNNING = (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.countdown,
           LotPhase.registration_closed, LotPhase.live_auction, LotPhase.tendering, LotPhase.negotiation)
PHASE_ZH = {LotPhase.announced: "公告中", LotPhase.listing: "挂牌中", LotPhase.listing_frozen: "挂牌截止前",
            LotPhase.countdown: "限时竞价中", LotPhase.registration_closed: "报名已截止",
            LotPhase.live_auction: "拍卖中", LotPhase.tendering: "投标中", LotPhase.negotiation: "协商中"}


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """A bidder's running lots, or an operator's drafts; nothing for other roles."""
    if principal.party_id is not None and principal.role in (Role.bidder, Role.member):
        rows = session.scalars(
            select(Lot).join(Bidder, Bidder.lot_id == Lot.id)
            .where(Bidder.party_id == principal.party_id, Lot.phase.in_([p.value for p in RUNNING]))
            .order_by(Lot.ends_at, Lot.id).limit(SOURCE_LIMIT))
        for lot in rows:
            phase = LotPhase(lot.phase)
            running = phase is LotPhase.countdown and lot.countdown_end is not None
            end = lot.countdown_end if running else lot.ends_at
            yield Todo(kind="exchange.bid", title_zh=f"竞买 {lot.number} {lot.title}（{PHASE_ZH[phase]}）",
                       title_en=f"Bidding on {lot.number} {lot.title} ({phase.value.replace('_', ' ')})",
                       href=f"/exchange/lots/{lot.id}", due=ensure_utc(end) if end else None, urgent=running)
    elif principal.role is Role.exchange_operator:
        drafts = session.scalars(select(Lot).where(Lot.phase == LotPhase.draft).order_by(Lot.starts_at, Lot.id)
                                 .limit(SOURCE_LIMIT * 4))
        for lot in (d for d in drafts if principal.covers_region(d.region_code)):
            yield Todo(kind="exchange.draft", title_zh=f"待发布公告：{lot.number} {lot.title}",
                       title_en=f"Draft to announce: {lot.number} {lot.title}", href=f"/exchange/lots/{lot.id}",
                       due=ensure_utc(lot.starts_at))
