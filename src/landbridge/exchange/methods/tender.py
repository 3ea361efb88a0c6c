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

from landbridge.errors import Conflict, Forbidden, NotFound, RuleViolation
from landbridge.exchange import sealing, tender_rules
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money
from landbridge.exchange.inputs import text as text_field
from landbridge.exchange.lots import Step, bidder_of, conclude, move_lot
from landbridge.exchange.method_models import Tender, TenderEvaluator, TenderScore
from landbridge.exchange.methods.shared import method_lot, qualified_bidder
from landbridge.exchange.models import Bidder, Lot
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
        raise Conflict("exchange.panel_closed", "评标已开始，不能更改评标小组", "the panel can no longer be changed",
                       phase=lot.phase)
    ids = sorted({int(u) for u in user_ids})
    if len(ids) != len(user_ids) or len(ids) != lr.tender_panel_size:
        raise RuleViolation("exchange.invalid_panel", f"评标小组须由 {lr.tender_panel_size} 名不同成员组成",
                            f"the panel needs {lr.tender_panel_size} distinct members", size=lr.tender_panel_size)
    bidder_parties = set(session.scalars(select(Bidder.party_id).where(Bidder.lot_id == lot.id)))
    bidder_users = set(session.scalars(select(Bidder.user_id).where(Bidder.lot_id == lot.id)))
    for uid in ids:
        row = session.execute(text("SELECT party_id FROM auth_user WHERE id = :id AND is_active"), {"id": uid}).first()
        if row is None:
            raise RuleViolation("exchange.evaluator_not_found", "指定的评标人账号不存在",
                                "no active account with this id", user_id=uid)
        if uid in bidder_users or (row[0] is not None and row[0] in bidder_parties):
            raise Conflict("exchange.evaluator_conflict", "评标人不得是本标的的竞买人",
                           "an evaluator may not be a bidder on the lot", user_id=uid)
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
        raise RuleViolation("exchange.too_many_documents", f"附件清单最多 {MAX_DOCUMENTS} 项",
                            f"at most {MAX_DOCUMENTS} documents", limit=MAX_DOCUMENTS)
    docs = [text_field(d, 200, "documents") for d in documents]
    lot = _tender_lot(session, lot_id)
    if lot.phase != LotPhase.tendering or lot.ends_at is None or now() >= ensure_utc(lot.ends_at):
        raise Conflict("exchange.tender_window_closed", "不在投标期内", "the tender window is not open",
                       phase=lot.phase)
    bidder = qualified_bidder(session, lot, bidder_id)
    if amount < lot.start_price_cny:
        raise RuleViolation("exchange.tender_below_start", "投标价低于起始价",
                            "the tender price is below the start price", start_price_cny=str(lot.start_price_cny))
    if lot.price_cap_cny is not None and amount > lot.price_cap_cny:
        raise RuleViolation("exchange.bid_above_cap", "报价超过最高限价", "the tender price exceeds the price cap")
    if session.execute(select(Tender.id).where(Tender.lot_id == lot.id, Tender.bidder_id == bidder.id)).first():
        raise Conflict("exchange.tender_already_submitted", "已提交投标文件，不可更改或撤回",
                       "a tender was already submitted; it is irrevocable")
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
            raise Conflict("exchange.tender_unreadable", "投标文件密文无法解密（密钥或数据不符）",
                           "a sealed tender cannot be opened (wrong key or altered data)", tender_id=row.id)
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
        raise Forbidden("exchange.not_evaluator", "您不是本标的的评标人", "you are not on this lot's evaluation panel")
    if lot.phase != LotPhase.evaluation:
        raise Conflict("exchange.not_in_evaluation", "标的当前不在评标阶段", "the lot is not being evaluated",
                       phase=lot.phase)
    if len(panel) != lr.tender_panel_size:
        raise Conflict("exchange.panel_incomplete", "评标小组尚未组成", "the evaluation panel is not complete")
    plan = tender_rules.check_score(lr, plan_score, "plan_score")
    cred = tender_rules.check_score(lr, credentials_score, "credentials_score")
    tender = session.get(Tender, tender_id)
    if tender is None or tender.lot_id != lot.id:
        raise NotFound("exchange.tender_not_found", "投标文件不存在", "no such tender on this lot", tender_id=tender_id)
    if session.execute(select(TenderScore.id).where(TenderScore.tender_id == tender.id,
                                                    TenderScore.evaluator_user_id == user_id)).first():
        raise Conflict("exchange.already_scored", "已对该投标文件评分，不可更改", "you have already scored this tender")
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
             price=decision.price, hold=hold, ranking=summary)


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
