"""Saved searches (保存的搜索, issue #23 item 2; L6, P1, F1): a signed-in user keeps a finder search and gets a notice
(站内消息) once when a lot is published on a parcel that meets it.

The exchange does not know the finder (the peer domains are below the processes, ADR 0014): the worker job
``notify_new_lots`` reads the lots published since its watermark through ``exchange.lots_announced_after``, finds
their parcels through the registry, matches every saved search with ``search.matching_parcels`` (the very filters
of the search) and sends through ``notices.send`` with the dedupe key ``finder.lot:<lot id>``, so a user hears of a
lot once however many of their searches meet it and however often the job runs. A lot is read only once it was
published ``SETTLE`` ago, so a publication whose transaction committed a little after a later one is not passed by
the watermark. A search hears only of lots published after it was saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import exchange, notices, registry
from landbridge.auth.models import User
from landbridge.cityprofile import get_profile
from landbridge.finder.errors import FinderError
from landbridge.finder.models import LotWatermark, SavedSearch
from landbridge.finder.search import matching_parcels, parse_filters
from landbridge.kernel.clock import ensure_utc, now

SETTLE = timedelta(minutes=2)  # a publication's transaction commits well within this (a bound of the job)
LOT_BATCH = 200  # published lots one tick reads
SEARCH_BATCH = 500  # saved searches read at a time
NAME_MAX = 60
MODULE = "finder"


def saved_searches_max() -> int:
    """The most searches one user may keep (rule ``finder.saved_searches_max``)."""
    return get_profile().rules("finder").int("saved_searches_max")


def _name(name: str, stored: dict[str, str]) -> str:
    text = " ".join(name.split())
    if not text:
        text = " · ".join(stored.values())[:NAME_MAX]
    if len(text) > NAME_MAX:
        raise FinderError.INVALID_NAME.error()
    return text


def save_search(session: Session, *, user_id: int, params: Mapping[str, Any], name: str = "") -> SavedSearch:
    """Keep a search of ``user_id``: its filters checked as a search's are (422 ``finder.*``), at least one given
    (``finder.empty_search``), at most ``finder.saved_searches_max`` per user (``finder.saved_searches_full``)."""
    filters, shown = parse_filters(params)
    filters.check()
    stored = {k: v for k, v in shown.items() if v}
    if not stored:
        raise FinderError.EMPTY_SEARCH.error()
    label = _name(name, stored)
    limit = saved_searches_max()
    # the user's row is the lock that serialises their saves: two at once could both count one below the limit
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    held = int(session.scalar(select(func.count()).select_from(SavedSearch)
                              .where(SavedSearch.user_id == user_id)) or 0)
    if held >= limit:
        raise FinderError.SAVED_SEARCHES_FULL.error(limit=limit)
    row = SavedSearch(user_id=user_id, name=label, filters=stored, created_at=now())
    session.add(row)
    session.flush()
    return row


def list_searches(session: Session, user_id: int) -> list[SavedSearch]:
    """The user's own saved searches, oldest first (no one else's)."""
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)))


def delete_search(session: Session, *, user_id: int, search_id: int) -> None:
    """Delete one of the user's own searches; another user's is 404 ``finder.saved_search_not_found`` (as if it
    did not exist: a search is private)."""
    row = session.get(SavedSearch, search_id)
    if row is None or row.user_id != user_id:
        raise FinderError.SAVED_SEARCH_NOT_FOUND.error()
    session.delete(row)
    session.flush()


def search_json(row: SavedSearch) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in row.filters.items())
    return {"id": row.id, "name": row.name, "filters": dict(row.filters), "created_at": row.created_at.isoformat(),
            "url": f"/finder?{query}"}


def notify_new_lots(session: Session) -> int:
    """The worker job: match the lots published since the watermark against every saved search; one notice per
    user and lot; returns how many notices were new. The watermark moves in the same transaction."""
    mark = session.scalars(select(LotWatermark).order_by(LotWatermark.id).limit(1).with_for_update()).first()
    after = (ensure_utc(mark.announced_at), mark.lot_id) if mark is not None else None
    lots = exchange.lots_announced_after(session, after, until=now() - SETTLE, limit=LOT_BATCH)
    if not lots:
        return 0
    units = [int(lot["unit_id"]) for lot in lots if lot["unit_id"] is not None]
    parcel_of = registry.unit_parcels(session, units) if units else {}
    located = [(lot, parcel_of[lot["unit_id"]]) for lot in lots if lot["unit_id"] in parcel_of]
    sent = 0
    if located:
        last = 0
        while True:
            batch = list(session.scalars(select(SavedSearch).where(SavedSearch.id > last)
                                         .order_by(SavedSearch.id).limit(SEARCH_BATCH)))
            if not batch:
                break
            last = batch[-1].id
            for saved in batch:
                sent += _notify(session, saved, located)
    newest = lots[-1]
    if mark is None:
        session.add(LotWatermark(announced_at=newest["announced_at"], lot_id=newest["lot_id"]))
    else:
        mark.announced_at, mark.lot_id = newest["announced_at"], newest["lot_id"]
    session.flush()
    return sent


def _notify(session: Session, saved: SavedSearch, located: list[tuple[dict[str, Any], int]]) -> int:
    since = ensure_utc(saved.created_at)
    fresh = [(lot, pid) for lot, pid in located if lot["announced_at"] >= since]
    if not fresh:
        return 0
    hits = matching_parcels(session, parse_filters(saved.filters)[0], sorted({p for _, p in fresh}))
    sent = 0
    for lot, pid in fresh:
        if pid in hits:
            sent += notices.send(
                session, user_ids=[saved.user_id], module=MODULE, kind="finder.lot_published",
                title_zh=f"新公告标的 {lot['number']} 符合您保存的搜索「{saved.name}」"[:200],
                title_en=f"Lot {lot['number']} just published meets your saved search “{saved.name}”"[:200],
                href=lot["url"], dedupe_key=f"finder.lot:{lot['lot_id']}")
    return sent
