"""Facts the collective answers for its peers (ADR 0016), through ``kernel.modules.fact`` and never by import.

``collective.member_of_village``: whether a person is on the roll of a collective economic organisation of a
village on a day (成员身份, C1) — what a member's pre-emption on the exchange rests on (农村土地承包法 §38).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landbridge.collective.models import Collective, Member


def member_of_village(session: Session, *, party_id: int, region_code: str, on: date) -> bool:
    """Whether ``party_id`` is a member of a collective of the village ``region_code`` on ``on``: admitted on or
    before that day and not ended by it (a member who left, died or moved away is no longer one)."""
    found = session.scalar(
        select(Member.id).join(Collective, Collective.id == Member.collective_id)
        .where(Member.party_id == party_id, Collective.region_code == region_code, Member.admitted_on <= on,
               or_(Member.ended_on.is_(None), Member.ended_on > on))
        .limit(1))
    return found is not None
