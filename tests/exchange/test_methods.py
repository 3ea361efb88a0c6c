"""Sealed tender (招标) and negotiated transfer (协议转让) through the one state machine: pure scoring and ranking
(hypothesis), the tender lifecycle (full, too few, default promotes the next in the ranking), tenders unreadable
before the opening, and the negotiated lifecycle (objection upheld blocks, price below the floor refused)."""

from __future__ import annotations

import base64
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.errors import Conflict, Forbidden, RuleViolation
from landbridge.exchange import tender_rules
from landbridge.exchange.method_models import Tender
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.tender_rules import Entry
from landbridge.kernel.clock import Clock
from landbridge.ledger import verify_ledger
from tests.exchange.conftest import OPERATOR, World, enrol, new_lot, to
from tests.exchange.settling import pay_balance
from tests.exchange.test_service import deposits, lot_of, run_due
from tests.registry.conftest import VILLAGE

RULES = exchange.rules_for("land_management_right")
PRICES = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("99999999.99"), places=2)
SCORES = st.decimals(min_value=Decimal(0), max_value=Decimal(RULES.tender_score_max), places=2)
T0 = datetime(2026, 5, 1, tzinfo=UTC)


# --- pure ---------------------------------------------------------------------------------------

@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    n = draw(st.integers(min_value=1, max_value=6))
    panel = draw(st.integers(min_value=1, max_value=5))
    return [Entry(i + 1, 100 + i, draw(PRICES), T0 + timedelta(minutes=draw(st.integers(0, 5))),
                  tuple(draw(SCORES) for _ in range(panel)), tuple(draw(SCORES) for _ in range(panel)))
            for i in range(n)]


@given(entries(), st.randoms())
def test_ranking_is_ordered_total_and_independent_of_input_order(es: list[Entry], rnd: object) -> None:
    ranked = tender_rules.rank(RULES, es)
    assert sorted(r.tender_id for r in ranked) == sorted(e.tender_id for e in es)
    assert [r.rank for r in ranked] == list(range(1, len(es) + 1))
    top = Decimal(RULES.tender_score_max)
    for a, b in itertools.pairwise(ranked):
        assert (a.total, a.price) >= (b.total, b.price)
    for r in ranked:
        assert 0 <= r.price_score <= top and 0 <= r.total <= top
    assert max(r.price_score for r in ranked) == top  # the highest price scores the full scale
    shuffled = list(es)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert tender_rules.rank(RULES, shuffled) == ranked


@given(PRICES, PRICES)
def test_price_score_is_proportional_and_monotone(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert tender_rules.price_score(RULES, high, high) == RULES.tender_score_max
    assert tender_rules.price_score(RULES, low, high) <= tender_rules.price_score(RULES, high, high)
    assert abs(tender_rules.price_score(RULES, low, high) - RULES.tender_score_max * low / high) <= Decimal("0.00005")


@given(PRICES, SCORES, SCORES)
def test_ties_go_to_the_higher_price_then_the_earlier_submission(price: Decimal, plan: Decimal, cred: Decimal,
                                                                 ) -> None:
    late = Entry(1, 11, price, T0 + timedelta(minutes=1), (plan,), (cred,))
    early = Entry(2, 12, price, T0, (plan,), (cred,))
    assert [r.bidder_id for r in tender_rules.rank(RULES, [late, early])] == [12, 11]
    # equal totals, different prices: only possible with a zero price weight
    flat = replace(RULES, tender_weight_price=Decimal(0), tender_weight_plan=Decimal(1))
    cheap = Entry(3, 13, price, T0, (plan,), (cred,))
    dear = Entry(4, 14, price + 1, T0 + timedelta(minutes=2), (plan,), (cred,))
    assert [r.bidder_id for r in tender_rules.rank(flat, [cheap, dear])] == [14, 13]


def test_scores_on_the_scale_and_too_few_tenders() -> None:
    assert tender_rules.check_score(RULES, "87.5", "plan_score") == Decimal("87.5")
    for bad in ("-1", "100.01", "50.001", "abc", "NaN", "Infinity"):
        with pytest.raises(RuleViolation) as err:
            tender_rules.check_score(RULES, bad, "plan_score")
        assert err.value.code == "exchange.invalid_score"
    assert RULES.tender_weight_price + RULES.tender_weight_plan + RULES.tender_weight_credentials == 1
    two = tender_rules.rank(RULES, [Entry(1, 1, Decimal(5), T0, (Decimal(1),), (Decimal(1),)),
                                    Entry(2, 2, Decimal(6), T0, (Decimal(1),), (Decimal(1),))])
    assert tender_rules.tender_decision(RULES, two).reason == "too_few_tenders"


def test_methods_only_where_the_rule_set_allows_them() -> None:
    assert exchange.rules_for("collateral").allowed_methods() == ("auction",)
    assert "negotiated" not in exchange.rules_for("forest_right").allowed_methods()
    assert set(exchange.rules_for("collective_asset").allowed_methods()) == {"listing", "tender", "negotiated"}
    with pytest.raises(RuleViolation) as err:
        exchange.rules_for("forest_right").with_method("negotiated")
    assert err.value.code == "exchange.method_not_allowed"


# --- tender lifecycle ---------------------------------------------------------------------------

def evaluators(s: Session, n: int, tag: str = "") -> list[int]:
    org = create_organisation(s, name=f"评标专家库{tag}", kind=OrgKind.exchange, region_code=VILLAGE)
    return [create_user(s, username=f"eval{tag}{i}", password="demo", display_name=f"评标人{i}",
                        role=Role.supervisor, organisation_id=org.id).id for i in range(n)]


def tender_lot(db: Database, world: World, n_enrolled: int = 4) -> tuple[int, list[Bidder], list[int]]:
    with db.transaction() as s:
        lot = new_lot(s, world, method="tender")
        assert lot.method == "tender" and lot.rules["method"] == "tender"
        panel = evaluators(s, RULES.tender_panel_size)
        exchange.designate_evaluators(s, lot_id=lot.id, user_ids=panel, actor=OPERATOR)
        bidders = [enrol(s, lot, world, p) for p in world.bidders[:n_enrolled]]
        return lot.id, bidders, panel


def submit(s: Session, lot_id: int, b: Bidder, price: str) -> Tender:
    return exchange.submit_tender(s, lot_id=lot_id, bidder_id=b.id, price=price, plan_summary=f"种植计划 {b.id}",
                                  documents=["营业执照.pdf", "经营方案.pdf"], actor=f"party:{b.party_id}")


def open_window(db: Database, clock: Clock, lot_id: int) -> Lot:
    lot = lot_of(db, lot_id)
    to(clock, lot.starts_at)
    run_due(db)
    lot = lot_of(db, lot_id)
    assert lot.phase == "tendering"
    return lot


def to_opening(db: Database, clock: Clock, lot: Lot) -> Lot:
    assert lot.ends_at is not None
    to(clock, tender_rules.opening_at(RULES, lot.ends_at))
    assert run_due(db) >= 1
    return lot_of(db, lot.id)


def score_all(db: Database, lot_id: int, panel: list[int], plan: dict[int, str]) -> None:
    with db.transaction() as s:
        tenders = list(s.scalars(select(Tender).where(Tender.lot_id == lot_id)))
        for uid in panel:
            for t in tenders:
                exchange.score_tender(s, lot_id=lot_id, tender_id=t.id, user_id=uid, plan_score=plan[t.bidder_id],
                                      credentials_score="80", actor=f"user:{uid}")


def test_tender_full_lifecycle_sealed_until_opening(db: Database, clock: Clock, world: World) -> None:
    lot_id, (a, b, c, d), panel = tender_lot(db, world)
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            submit(s, lot_id, a, "120000")
        assert err.value.code == "exchange.tender_window_closed"  # announced: the window is not open yet
    lot = open_window(db, clock, lot_id)
    with db.transaction() as s:
        ta, tb = submit(s, lot_id, a, "120000.00"), submit(s, lot_id, b, "150000.00")
        submit(s, lot_id, c, "130000.00")
        assert len(ta.receipt) == 64 and ta.receipt != tb.receipt
    with db.transaction() as s:
        for bidder, price, code in ((a, "200000", "exchange.tender_already_submitted"),
                                    (d, "90000", "exchange.tender_below_start")):
            with pytest.raises((Conflict, RuleViolation)) as e:
                submit(s, lot_id, bidder, price)
            assert e.value.code == code
    with db.transaction(readonly=True) as s:  # ciphertext at rest: no price, plan or document in clear
        rows = s.execute(text("SELECT ciphertext, price_cny, plan_summary, documents FROM exchange_tender")).all()
        assert len(rows) == 3 and all(r[1] is None and r[2] is None and r[3] is None for r in rows)
        for cipher, *_ in rows:
            raw = base64.b64decode(cipher)
            assert b"150000" not in raw and "种植".encode() not in raw and "150000" not in cipher
        with pytest.raises(Forbidden):
            exchange.score_tender(s, lot_id=lot_id, tender_id=ta.id, user_id=999, plan_score="1",
                                  credentials_score="1", actor="x")
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            exchange.score_tender(s, lot_id=lot_id, tender_id=ta.id, user_id=panel[0], plan_score="1",
                                  credentials_score="1", actor="x")
        assert err.value.code == "exchange.not_in_evaluation"
    assert lot.ends_at is not None
    to(clock, lot.ends_at)  # window closed, opening not yet due
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            submit(s, lot_id, d, "160000")
        assert err.value.code == "exchange.tender_window_closed"
    lot = to_opening(db, clock, lot)
    assert lot.phase == "evaluation"
    with db.transaction(readonly=True) as s:
        opened = {t.bidder_id: t for t, _ in exchange.list_tenders(s, lot_id)}
        assert opened[b.id].price_cny == Decimal("150000.00") and opened[a.id].documents == ["营业执照.pdf",
                                                                                               "经营方案.pdf"]
    # plan scores make a (lower price) win: 0.6 × 80 + 0.3 × 100 + 0.1 × 80 = 86 against b's 0.6 × 100 + 0.3 × 50 + 8
    score_all(db, lot_id, panel[:-1], {a.id: "100", b.id: "50", c.id: "60"})
    assert lot_of(db, lot_id).phase == "evaluation"  # the last panel member has not scored yet
    with db.transaction() as s, pytest.raises(RuleViolation):
        exchange.score_tender(s, lot_id=lot_id, tender_id=ta.id, user_id=panel[-1], plan_score="101",
                              credentials_score="80", actor="x")
    score_all(db, lot_id, panel[-1:], {a.id: "100", b.id: "50", c.id: "60"})
    lot = lot_of(db, lot_id)
    assert lot.phase == "award_pending"
    status = deposits(db, lot_id)
    assert status[a.id] == "converted" and status[b.id] == "confirmed"  # b, second, is held for promotion
    assert status[c.id] == "refund_due" and status[d.id] == "refund_due"
    with db.transaction() as s:
        result = s.scalar(select(LotResult).where(LotResult.lot_id == lot_id))
        assert result is not None and result.winner_bidder_id == a.id and result.price_cny == Decimal("120000.00")
        assert result.reason == "tender_evaluation"
        ranks = {t.bidder_id: (t.rank, t.total_score) for t, _ in exchange.list_tenders(s, lot_id)}
        assert ranks[a.id] == (1, Decimal("86.0000")) and ranks[b.id] == (2, Decimal("83.0000"))
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        pay_balance(s, lot_id)
        exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
    assert lot_of(db, lot_id).phase == "handed_over"
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok


def test_too_few_tenders_fail_at_opening(db: Database, clock: Clock, world: World) -> None:
    lot_id, (a, b, _c, _d), _panel = tender_lot(db, world)
    lot = open_window(db, clock, lot_id)
    with db.transaction() as s:
        submit(s, lot_id, a, "120000")
        submit(s, lot_id, b, "125000")
    lot = to_opening(db, clock, lot)
    assert lot.phase == "unsuccessful"
    assert set(deposits(db, lot_id).values()) == {"refunded"}  # the same worker run refunds them
    with db.transaction() as s:
        result = s.scalar(select(LotResult).where(LotResult.lot_id == lot_id))
        assert result is not None and result.reason == "too_few_tenders" and result.winner_bidder_id is None
        relisted = exchange.relist_lot(s, lot_id=lot_id, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))
        assert relisted.method == "tender"


def test_default_promotes_the_next_in_the_ranking(db: Database, clock: Clock, world: World) -> None:
    lot_id, (a, b, c, _d), panel = tender_lot(db, world)
    lot = open_window(db, clock, lot_id)
    with db.transaction() as s:
        for bidder, price in ((a, "150000"), (b, "140000"), (c, "130000")):
            submit(s, lot_id, bidder, price)
    to_opening(db, clock, lot)
    score_all(db, lot_id, panel, {a.id: "70", b.id: "70", c.id: "70"})
    with db.transaction() as s:
        lot = exchange.record_default(s, lot_id=lot_id, actor=OPERATOR, reason="未签订成交确认书")
        assert lot.phase == "award_pending"
        result = s.scalar(select(LotResult).where(LotResult.lot_id == lot_id))
        assert result is not None and result.winner_bidder_id == b.id and result.price_cny == Decimal("140000.00")
        assert result.reason == "promoted_next"
    status = deposits(db, lot_id)
    assert status[a.id] == "forfeited" and status[b.id] == "converted"


def test_panel_rules(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, method="tender")
        panel = evaluators(s, RULES.tender_panel_size + 1, "p")
        with pytest.raises(RuleViolation) as err:
            exchange.designate_evaluators(s, lot_id=lot.id, user_ids=panel, actor=OPERATOR)
        assert err.value.code == "exchange.invalid_panel"
        listing = new_lot(s, world)
        with pytest.raises(Conflict) as c_err:
            exchange.designate_evaluators(s, lot_id=listing.id, user_ids=panel[:5], actor=OPERATOR)
        assert c_err.value.code == "exchange.wrong_method"
        bidder = enrol(s, lot, world, world.bidders[0])
        org = create_organisation(s, name="竞买人", kind=OrgKind.individual, region_code=VILLAGE)
        conflicted = create_user(s, username="evalbidder", password="demo", display_name="x", role=Role.bidder,
                                 organisation_id=org.id, party_id=bidder.party_id).id
        with pytest.raises(Conflict) as c_err:
            exchange.designate_evaluators(s, lot_id=lot.id, user_ids=[*panel[:4], conflicted], actor=OPERATOR)
        assert c_err.value.code == "exchange.evaluator_conflict"


# --- negotiated lifecycle -----------------------------------------------------------------------

def negotiated_lot(db: Database, world: World) -> tuple[int, Bidder]:
    with db.transaction() as s:
        with pytest.raises(RuleViolation) as err:
            new_lot(s, world, kind="collateral", method="negotiated", appraised_value="100000")
        assert err.value.code == "exchange.method_not_allowed"
        lot = new_lot(s, world, kind="collective_asset", method="negotiated", unit_id=None, right_id=None)
        return lot.id, enrol(s, lot, world, world.bidders[0])


def to_publicity_end(db: Database, clock: Clock, lot_id: int) -> Lot:
    lot = lot_of(db, lot_id)
    to(clock, lot.starts_at)
    run_due(db)
    assert lot_of(db, lot_id).phase == "publicity"
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            exchange.record_agreement(s, lot_id=lot_id, party_id=1, price="100000", actor=OPERATOR)
        assert err.value.code == "exchange.invalid_transition"
    return lot


def test_negotiated_upheld_objection_blocks(db: Database, clock: Clock, world: World) -> None:
    lot_id, bidder = negotiated_lot(db, world)
    lot = to_publicity_end(db, clock, lot_id)
    with db.transaction() as s:
        objection = exchange.lodge_objection(s, lot_id=lot_id, text="该资产存在权属争议", actor="user:9:member")
    to(clock, lot.ends_at)
    run_due(db)
    assert lot_of(db, lot_id).phase == "negotiation"
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            exchange.record_agreement(s, lot_id=lot_id, party_id=bidder.party_id, price="100000", actor=OPERATOR)
        assert err.value.code == "exchange.objection_pending"
        with pytest.raises(Conflict) as err:
            exchange.lodge_objection(s, lot_id=lot_id, text="迟到的异议", actor="user:9:member")
        assert err.value.code == "exchange.publicity_closed"
        exchange.rule_objection(s, lot_id=lot_id, objection_id=objection.id, upheld=True, ruling="权属争议属实",
                                actor=OPERATOR)
    assert lot_of(db, lot_id).phase == "unsuccessful"
    assert deposits(db, lot_id)[bidder.id] == "refund_due"
    with db.transaction() as s:
        with pytest.raises(Conflict) as err:
            exchange.record_agreement(s, lot_id=lot_id, party_id=bidder.party_id, price="100000", actor=OPERATOR)
        assert err.value.code == "exchange.invalid_transition"
        stored = exchange.list_objections(s, lot_id)
        assert [(o.status, o.text) for o in stored] == [("upheld", "该资产存在权属争议")]
        assert verify_ledger(s).ok


def test_negotiated_agreement_not_below_the_floor(db: Database, clock: Clock, world: World) -> None:
    lot_id, bidder = negotiated_lot(db, world)
    lot = to_publicity_end(db, clock, lot_id)
    with db.transaction() as s:
        objection = exchange.lodge_objection(s, lot_id=lot_id, text="价格偏低", actor="user:9:member")
        exchange.rule_objection(s, lot_id=lot_id, objection_id=objection.id, upheld=False, ruling="价格经评估合理",
                                actor=OPERATOR)
    to(clock, lot.ends_at)
    run_due(db)
    with db.transaction() as s:
        with pytest.raises(RuleViolation) as err:
            exchange.record_agreement(s, lot_id=lot_id, party_id=bidder.party_id, price="99999.99", actor=OPERATOR)
        assert err.value.code == "exchange.agreed_price_below_floor"
    assert lot_of(db, lot_id).phase == "negotiation"
    with db.transaction() as s:
        with pytest.raises(Conflict) as c_err:
            exchange.record_agreement(s, lot_id=lot_id, party_id=world.bidders[1], price="100000", actor=OPERATOR)
        assert c_err.value.code == "exchange.counterparty_not_registered"
        result = exchange.record_agreement(s, lot_id=lot_id, party_id=bidder.party_id, price="105000.00",
                                           actor=OPERATOR)
        assert result.reason == "negotiated" and result.price_cny == Decimal("105000.00")
    assert lot_of(db, lot_id).phase == "award_pending"
    with db.transaction() as s:
        confirmed = exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        assert confirmed.winner_party_id == bidder.party_id
        assert verify_ledger(s).ok
    assert deposits(db, lot_id)[bidder.id] == "converted"
