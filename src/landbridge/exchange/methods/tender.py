"""Sealed tender with evaluation (招标, F4; 39号令 art. 13-14; trading.md c.2): the operator designates the
evaluation panel; bidders with a confirmed deposit each submit one sealed, irrevocable tender during the
window (encrypted at rest, a receipt returned); at the opening (a worker deadline) the tenders are decrypted
and listed, or the lot fails with too few; when every panel member has scored every tender the ranking
decides the winner, and the engine's award / default (next in the ranking) / refund / hand-over path follows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from landbridge.exchange import sealing, tender_rules
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money
from landbridge.exchange.inputs import text as text_field
from landbridge.exchange.lots import Step, bidder_of, conclude, move_lot
from landbridge.exchange.method_models import Tender, TenderEvaluator, TenderScore
from landbridge.exchange.methods.shared import method_lot, qualified_bidder
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.preemption import deposits_to_hold
from landbridge.exchange.rules import LotPhase, Method
from landbridge.exchange.ruleset import lot_rules
from landbridge.kernel.clock import ensure_utc, now

PANEL_PHASES = frozenset({LotPhase.draft, LotPhase.announced, LotPhase.tendering, LotPhase.evaluation})
MAX_DOCUMENTS = 20


def _tender_lot(session: Session, lot_id: int) -> Lot:
    return method_lot(session, lot_id, Method.tender, due_step)


def _aad(lot_id: int, bidder_id: int) -> bytes:
    return f"exchange.lot:{lot_id}:tender:{bidder_id}".encode()


# --- panel --------------------------------------------------------------------------------------


def designate_evaluators(session: Session, *, lot_id: int, user_ids: Sequence[int], actor: str,
                         ) -> list[TenderEvaluator]:
    """Designate the evaluation panel (评标小组) of a tender lot: the rule set's number of distinct active
    accounts, none of them a bidder on the lot; replaceable until the first score (F4)."""
    lot = _tender_lot(session, lot_id)
    lr = lot_rules(lot)
    if lot.phase not in PANEL_PHASES or _score_count(session, lot.id) > 0:
        raise ExchangeError.PANEL_CLOSED.error(phase=lot.phase)
    ids = sorted({int(u) for u in user_ids})
    if len(ids) != len(user_ids) or len(ids) != lr.tender_panel_size:
        raise ExchangeError.INVALID_PANEL.error({"lr": lr}, size=lr.tender_panel_size)
    bidder_parties = set(session.scalars(select(Bidder.party_id).where(Bidder.lot_id == lot.id)))
    bidder_users = set(session.scalars(select(Bidder.user_id).where(Bidder.lot_id == lot.id)))
    for uid in ids:
        row = session.execute(text("SELECT party_id FROM auth_user WHERE id = :id AND is_active"), {"id": uid}).first()
        if row is None:
            raise ExchangeError.EVALUATOR_NOT_FOUND.error(user_id=uid)
        if uid in bidder_users or (row[0] is not None and row[0] in bidder_parties):
            raise ExchangeError.EVALUATOR_CONFLICT.error(user_id=uid)
    for old in session.scalars(select(TenderEvaluator).where(TenderEvaluator.lot_id == lot.id)):
        session.delete(old)
    session.flush()
    at = now()
    panel = [TenderEvaluator(lot_id=lot.id, user_id=uid, designated_by=actor, designated_at=at) for uid in ids]
    session.add_all(panel)
    session.flush()
    record(session, lot, "evaluators_designated", actor, {"user_ids": ids})
    return panel


def panel_of(session: Session, lot_id: int) -> list[int]:
    """The user ids of a lot's evaluation panel."""
    return sorted(session.scalars(select(TenderEvaluator.user_id).where(TenderEvaluator.lot_id == lot_id)))


def _score_count(session: Session, lot_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(TenderScore).where(TenderScore.lot_id == lot_id)) or 0)


# --- submission ---------------------------------------------------------------------------------


def submit_tender(session: Session, *, lot_id: int, bidder_id: int, price: Decimal | str, plan_summary: str,
                  documents: Sequence[str], actor: str) -> Tender:
    """Submit a bidder's one sealed tender (投标) in the window: price, plan and documents encrypted at rest,
    irrevocable; the receipt is the SHA-256 of the stored ciphertext (F4)."""
    amount = money(price, "price_cny")
    plan = text_field(plan_summary, 2000, "plan_summary")
    if len(documents) > MAX_DOCUMENTS:
        raise ExchangeError.TOO_MANY_DOCUMENTS.error({"MAX_DOCUMENTS": MAX_DOCUMENTS}, limit=MAX_DOCUMENTS)
    docs = [text_field(d, 200, "documents") for d in documents]
    lot = _tender_lot(session, lot_id)
    if lot.phase != LotPhase.tendering or lot.ends_at is None or now() >= ensure_utc(lot.ends_at):
        raise ExchangeError.TENDER_WINDOW_CLOSED.error(phase=lot.phase)
    bidder = qualified_bidder(session, lot, bidder_id)
    if amount < lot.start_price_cny:
        raise ExchangeError.TENDER_BELOW_START.error(start_price_cny=str(lot.start_price_cny))
    if lot.price_cap_cny is not None and amount > lot.price_cap_cny:
        raise ExchangeError.BID_ABOVE_CAP.error()
    if session.execute(select(Tender.id).where(Tender.lot_id == lot.id, Tender.bidder_id == bidder.id)).first():
        raise ExchangeError.TENDER_ALREADY_SUBMITTED.error()
    key = sealing.reserve_key()
    plain = json.dumps({"price_cny": str(amount), "plan_summary": plan, "documents": docs}, ensure_ascii=False,
                       sort_keys=True).encode()
    cipher = sealing.seal_bytes(plain, _aad(lot.id, bidder.id), key)
    row = Tender(lot_id=lot.id, bidder_id=bidder.id, ciphertext=cipher, key_id=sealing.key_id(key),
                 receipt=hashlib.sha256(cipher.encode()).hexdigest(), submitted_by=actor, submitted_at=now())
    session.add(row)
    session.flush()
    record(session, lot, "tender_submitted", actor, {"bidder_code": bidder.bidder_code, "receipt": row.receipt,
                                                     "key_id": row.key_id})  # never the content
    return row


# --- deadlines ----------------------------------------------------------------------------------


def due_step(lot: Lot, at: datetime) -> Step | None:
    """The tender lot's next due deadline: the window opens at the start, the tenders open after its close."""
    if lot.phase == LotPhase.announced and at >= ensure_utc(lot.starts_at):
        return _open_tendering
    if lot.phase == LotPhase.tendering and lot.ends_at is not None and \
            at >= tender_rules.opening_at(lot_rules(lot), lot.ends_at):
        return _open_tenders
    return None


def _open_tendering(session: Session, lot: Lot, actor: str) -> None:
    assert lot.ends_at is not None
    move_lot(session, lot, "open_tendering", actor, tender_rules.opening_at(lot_rules(lot), lot.ends_at),
             at=lot.starts_at, window_end=lot.ends_at)


def _open_tenders(session: Session, lot: Lot, actor: str) -> None:
    """The opening (开标): decrypt and list every tender, or fail the lot with too few (39号令 art. 13)."""
    lr = lot_rules(lot)
    assert lot.ends_at is not None
    opened_at = tender_rules.opening_at(lr, lot.ends_at)
    key = sealing.reserve_key()
    tenders = list(session.scalars(select(Tender).where(Tender.lot_id == lot.id).order_by(Tender.id)))
    listed = []
    for row in tenders:
        plain = sealing.open_bytes(row.ciphertext, _aad(lot.id, row.bidder_id), key)
        if plain is None:
            raise ExchangeError.TENDER_UNREADABLE.error(tender_id=row.id)
        content = json.loads(plain)
        row.price_cny = Decimal(content["price_cny"])
        row.plan_summary = content["plan_summary"]
        row.documents = content["documents"]
        row.opened_at = opened_at
        listed.append({"bidder_code": bidder_of(session, row.bidder_id).bidder_code, "receipt": row.receipt,
                       "price_cny": row.price_cny})
    session.flush()
    if not tender_rules.enough_tenders(lr, len(tenders)):
        conclude(session, lot, actor, transition="fail", reason="too_few_tenders", closed_at=opened_at,
                 tenders=listed)
        return
    move_lot(session, lot, "open_tenders", actor, None, at=opened_at, tenders=listed)


# --- evaluation ---------------------------------------------------------------------------------


def score_tender(session: Session, *, lot_id: int, tender_id: int, user_id: int, plan_score: Decimal | str,
                 credentials_score: Decimal | str, actor: str, comment: str | None = None) -> TenderScore:
    """A panel member scores one opened tender (plan, credentials), once; the last score decides (F4)."""
    lot = _tender_lot(session, lot_id)
    lr = lot_rules(lot)
    panel = panel_of(session, lot.id)
    if user_id not in panel:
        raise ExchangeError.NOT_EVALUATOR.error()
    if lot.phase != LotPhase.evaluation:
        raise ExchangeError.NOT_IN_EVALUATION.error(phase=lot.phase)
    if len(panel) != lr.tender_panel_size:
        raise ExchangeError.PANEL_INCOMPLETE.error()
    plan = tender_rules.check_score(lr, plan_score, "plan_score")
    cred = tender_rules.check_score(lr, credentials_score, "credentials_score")
    tender = session.get(Tender, tender_id)
    if tender is None or tender.lot_id != lot.id:
        raise ExchangeError.TENDER_NOT_FOUND.error(tender_id=tender_id)
    if session.execute(select(TenderScore.id).where(TenderScore.tender_id == tender.id,
                                                    TenderScore.evaluator_user_id == user_id)).first():
        raise ExchangeError.ALREADY_SCORED.error()
    row = TenderScore(lot_id=lot.id, tender_id=tender.id, evaluator_user_id=user_id, plan_score=plan,
                      credentials_score=cred, comment=text_field(comment, 500, "comment") if comment else None,
                      scored_at=now())
    session.add(row)
    session.flush()
    record(session, lot, "tender_scored", actor, {"receipt": tender.receipt, "evaluator_user_id": user_id,
                                                  "plan_score": str(plan), "credentials_score": str(cred)})
    tenders = int(session.scalar(select(func.count()).select_from(Tender).where(Tender.lot_id == lot.id)) or 0)
    if _score_count(session, lot.id) == tenders * len(panel):
        _decide(session, lot, actor)
    return row


def ranking(session: Session, lot: Lot) -> list[tender_rules.Ranked]:
    """The ranking of a lot's opened tenders by the panel's scores (tender_rules.rank)."""
    tenders = list(session.scalars(select(Tender).where(Tender.lot_id == lot.id, Tender.opened_at.is_not(None))))
    scores: dict[int, list[TenderScore]] = {t.id: [] for t in tenders}
    for s in session.scalars(select(TenderScore).where(TenderScore.lot_id == lot.id)):
        scores[s.tender_id].append(s)
    entries = [tender_rules.Entry(t.id, t.bidder_id, Decimal(str(t.price_cny)), t.submitted_at,
                                  tuple(Decimal(str(s.plan_score)) for s in scores[t.id]),
                                  tuple(Decimal(str(s.credentials_score)) for s in scores[t.id]))
               for t in tenders if scores[t.id]]
    return tender_rules.rank(lot_rules(lot), entries)


def _decide(session: Session, lot: Lot, actor: str) -> None:
    """DECIDING for a tender: the ranking's first wins; the second is held for promotion (rule set)."""
    lr = lot_rules(lot)
    ranked = ranking(session, lot)
    by_id = {t.id: t for t in session.scalars(select(Tender).where(Tender.lot_id == lot.id))}
    for r in ranked:
        by_id[r.tender_id].total_score, by_id[r.tender_id].rank = r.total, r.rank
    decision = tender_rules.tender_decision(lr, ranked)
    summary = [{"receipt": by_id[r.tender_id].receipt, "rank": r.rank, "total": r.total, "price_cny": r.price}
               for r in ranked]
    if decision.winner_bidder_id is None:
        conclude(session, lot, actor, transition="fail", reason=decision.reason, ranking=summary)
        return
    hold = [ranked[1].bidder_id] if lr.promote_next and len(ranked) > 1 else []
    conclude(session, lot, actor, transition="award", reason=decision.reason, winner=decision.winner_bidder_id,
             price=decision.price, hold=hold, ranking=summary,
             preempting=deposits_to_hold(session, lot, decision.winner_bidder_id))  # issue #24


# --- reading ------------------------------------------------------------------------------------


def list_tenders(session: Session, lot_id: int) -> list[tuple[Tender, str]]:
    """A lot's tenders with their bidder codes, in submission order (contents only once opened)."""
    rows = session.execute(select(Tender, Bidder.bidder_code).join(Bidder, Bidder.id == Tender.bidder_id)
                           .where(Tender.lot_id == lot_id).order_by(Tender.submitted_at, Tender.id)).all()
    return [(t, str(c)) for t, c in rows]


def tender_of(session: Session, lot_id: int, bidder_id: int) -> Tender | None:
    """The bidder's own tender on the lot, if any."""
    return session.scalar(select(Tender).where(Tender.lot_id == lot_id, Tender.bidder_id == bidder_id))


def scores_by(session: Session, lot_id: int, user_id: int) -> set[int]:
    """The tenders this evaluator has scored on the lot."""
    return set(session.scalars(select(TenderScore.tender_id).where(TenderScore.lot_id == lot_id,
                                                                   TenderScore.evaluator_user_id == user_id)))
