"""The exchange's remaining legal rules (issue #24): pre-emption (a member matching the best offer wins, a member
outside the time limit does not, two holders in the rules' order), joint bidders (a barred member refused, shares
registered exactly), a defaulting winner's paid instalments to the fen, and an upheld objection to the results
notice reopening the lot. Every refusal is typed and changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import Conflict, DomainError
from landbridge.exchange import consortium, preemption_service, reconcile, result_objections, results_notice
from landbridge.exchange.legal_models import ConsortiumMember, DefaultDisposal, PreemptionClaim, ResultObjection
from landbridge.exchange.legal_rules import Match, dispose_paid, prevailing, set_off
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.settlement import instalments_of
from landbridge.exchange.settlement_rules import overdue_at
from landbridge.kernel.clock import Clock, ensure_utc, now, to_local
from landbridge.ledger import current_size, list_events, verify_ledger
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, pay, put_on_roll, start_in, to
from tests.exchange.settling import pay_balance
from tests.exchange.test_race import together
from tests.exchange.test_service import deposits, lot_of, run_due
from tests.registry.conftest import VILLAGE, register, resident_id, square

FEN = Decimal("0.01")
fen = st.integers(min_value=0, max_value=10**10).map(lambda n: Decimal(n) * FEN)


# --- pure rules -------------------------------------------------------------------------------------

@given(paid=fen, price=fen, resale=fen, earnest=fen)
def test_a_defaulters_payment_splits_to_the_fen(paid: Decimal, price: Decimal, resale: Decimal,
                                                 earnest: Decimal) -> None:
    for treatment in ("forfeit", "refund", "set_off"):
        split = dispose_paid(treatment, paid)
        assert split.forfeited + split.held + split.refund == paid
    used, refund = set_off(paid, price=price, resale_price=resale, earnest=earnest)
    assert used + refund == paid and used >= 0 and refund >= 0
    assert used == min(paid, max(Decimal(0), price - resale - earnest))


def test_the_first_ground_in_the_rules_order_prevails_then_the_earlier_match() -> None:
    t = now()
    assert prevailing([Match(1, 2, t), Match(2, 0, t + timedelta(hours=1))]) == Match(2, 0, t + timedelta(hours=1))
    assert prevailing([Match(3, 2, t + timedelta(minutes=5)), Match(4, 2, t)]) == Match(4, 2, t)
    assert prevailing([]) is None


# --- helpers ----------------------------------------------------------------------------------------

def member(s: object, n: int, w: World) -> int:
    """A person of the lot's village on the collective's member roll."""
    pid = registry.create_party(s, kind="person", name=f"本村成员{n}", id_number=resident_id(900 + n),  # type: ignore[arg-type]
                                region_code=VILLAGE, actor=OPERATOR).id
    put_on_roll(s, pid)  # type: ignore[arg-type]
    w.names[pid] = f"本村成员{n}"
    return pid


def decided(db: Database, clock: Clock, w: World, lot_id: int, bids: list[tuple[Bidder, str]]) -> None:
    """The listing opens, the bids are placed, the listing and its countdown end: the lot is decided."""
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        starts, ends = lot.starts_at, lot.ends_at
    to(clock, starts)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        for bidder, amount in bids:
            assert bid(s, lot, bidder, amount).accepted
    to(clock, ends, timedelta(seconds=301))
    run_due(db)
    assert lot_of(db, lot_id).phase == "award_pending"


def result_of(db: Database, lot_id: int) -> LotResult:
    with db.transaction(readonly=True) as s:
        row = s.scalars(select(LotResult).where(LotResult.lot_id == lot_id)).one()
        s.expunge(row)
        return row


def lot_events(db: Database, lot_id: int) -> list[tuple[str, dict[str, object]]]:
    with db.transaction(readonly=True) as s:
        return [(e.event_type, json.loads(e.body)["payload"]) for e in list_events(s, limit=5000)
                if e.subject == f"lot:{lot_id}"]


def refused(db: Database, call: object, code: str) -> DomainError:
    """Run ``call(session)``; it must raise the typed error ``code`` and leave the ledger as it was."""
    with db.transaction(readonly=True) as s:
        before = current_size(s)
    with db.transaction() as s, pytest.raises(DomainError) as err:
        call(s)  # type: ignore[operator]
    assert err.value.code == code, err.value.code
    with db.transaction(readonly=True) as s:
        assert current_size(s) == before
    return err.value


# --- pre-emption ------------------------------------------------------------------------------------

def test_a_member_matching_the_best_offer_wins(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        m = member(s, 1, world)
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        mb = enrol(s, lot, world, m)
        lot_id = lot.id
        claim = preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member",
                                                       actor=f"party:{m}")
        assert (claim.ground, claim.rank, claim.status) == ("member", 2, "registered")
    # an outsider cannot claim to be a member; the same member cannot register twice
    refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=b0.id, ground="member",
                                                                 actor="x"), "exchange.preemption_ground_unproven")
    refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member",
                                                                 actor="x"), "exchange.preemption_already_registered")
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    assert result_of(db, lot_id).winner_bidder_id == b1.id
    assert deposits(db, lot_id) == {b0.id: "confirmed", b1.id: "converted", mb.id: "confirmed"}  # the member's held
    # the award waits for the pre-emption period; the best bidder cannot "pre-empt" itself
    err = refused(db, lambda s: exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR), "exchange.preemption_pending")
    assert isinstance(err, Conflict)
    refused(db, lambda s: preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=b1.id, actor="x"),
            "exchange.preemption_not_registered")
    clock.set(clock.now() + timedelta(hours=47))
    with db.transaction() as s:
        preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor=f"party:{m}")
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.winner_party_id, result.price_cny, result.reason) == (
        mb.id, m, Decimal("101000.00"), "preemption")
    assert deposits(db, lot_id) == {b0.id: "confirmed", b1.id: "confirmed", mb.id: "converted"}
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    assert deposits(db, lot_id) == {b0.id: "refund_due", b1.id: "confirmed", mb.id: "converted"}  # b1 runner-up
    award = [p for k, p in lot_events(db, lot_id) if k == "award"]
    assert award[-1]["reason"] == "preemption" and award[-1]["ground"] == "member"
    assert award[-1]["best_bidder_code"] == b1.bidder_code and "pre-emption" in str(award[-1]["why_best_bidder_lost"])
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(PreemptionClaim.status)).all() == ["exercised"]
        assert verify_ledger(s).ok


def test_a_member_outside_the_time_limit_does_not_win(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        m = member(s, 2, world)
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        mb = enrol(s, lot, world, m)
        lot_id = lot.id
        preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member", actor="m")
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    clock.set(ensure_utc(result_of(db, lot_id).decided_at) + timedelta(hours=48))  # the limit, 48 h, has passed
    refused(db, lambda s: preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor="m"),
            "exchange.preemption_window_closed")
    assert result_of(db, lot_id).winner_bidder_id == b1.id
    assert run_due(db) >= 1  # the worker closes the period: the claim lapses
    with db.transaction() as s:
        assert s.scalars(select(PreemptionClaim.status)).all() == ["lapsed"]
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    assert result_of(db, lot_id).winner_bidder_id == b1.id and result_of(db, lot_id).reason == "highest_bid"
    assert deposits(db, lot_id)[mb.id] == "refund_due"


def test_two_holders_take_the_rules_order_not_the_order_they_match(db: Database, clock: Clock,
                                                                   world: World) -> None:
    with db.transaction() as s:
        co = registry.create_party(s, kind="person", name="共有人", id_number=resident_id(950), actor=OPERATOR).id
        world.names[co] = "共有人"
        unit = register(s, square(7), [(world.seller, "1/2"), (co, "1/2")])
        right = registry.current_rights(s, unit)[0].id
        m = member(s, 3, world)
        lot = new_lot(s, World(world.seller, unit, right, world.bidders, world.names))
        b0 = enrol(s, lot, world, world.bidders[0])
        mb, cb = enrol(s, lot, world, m), enrol(s, lot, world, co)
        lot_id = lot.id
        for bidder, ground in ((mb, "member"), (cb, "co_owner")):
            preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=bidder.id, ground=ground, actor="h")
    # a ground the registry does not show, and one this lot kind's rules do not give
    refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=b0.id, ground="lessee",
                                                                 actor="x"), "exchange.preemption_ground_unproven")
    refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=b0.id, ground="nephew",
                                                                 actor="x"), "exchange.preemption_not_given")
    decided(db, clock, world, lot_id, [(b0, "100000")])
    with db.transaction() as s:  # the member matches first: a co-owner ranks before it, so the period stays open
        preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor="m")
    assert result_of(db, lot_id).winner_bidder_id == b0.id
    clock.set(clock.now() + timedelta(hours=1))
    with db.transaction() as s:
        preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=cb.id, actor="c")
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.reason, result.price_cny) == (cb.id, "preemption", Decimal("100000.00"))
    with db.transaction(readonly=True) as s:
        claims = {c.bidder_id: c.status for c in s.scalars(select(PreemptionClaim))}
    assert claims == {mb.id: "lapsed", cb.id: "exercised"}
    refused(db, lambda s: preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor="m"),
            "exchange.preemption_not_open")


def test_pre_emption_only_where_the_rules_give_it(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        m = member(s, 4, world)
        lot = new_lot(s, world, kind="collective_asset")
        mb = enrol(s, lot, world, m)
        lot_id = lot.id
    refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member",
                                                                 actor="m"), "exchange.preemption_not_given")


# --- joint bidders ----------------------------------------------------------------------------------

def test_a_consortium_with_a_barred_member_is_refused(db: Database, clock: Clock, world: World) -> None:
    a, b, c = world.bidders[:3]
    with db.transaction() as s:
        lot = new_lot(s, world)
        lot_id = lot.id
        exchange.bar_party(s, party_id=c, reason="失信被执行人", actor=OPERATOR)
    for members, code in (([(a, "1/3"), (c, "2/3")], "exchange.consortium_member_barred"),
                          ([(a, "1/3"), (b, "1/2")], "exchange.consortium_shares_invalid"),
                          ([(a, "1")], "exchange.consortium_size"),
                          ([(a, "1/2"), (a, "1/2")], "exchange.consortium_size"),
                          ([(a, "0.99"), (b, "0.01")], "exchange.consortium_shares_invalid")):
        refused(db, lambda s, members=members: consortium.apply_as_consortium(s, lot_id=lot_id, members=members,
                                                                              actor="x"), code)
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Bidder)) == 0
        assert s.scalar(select(func.count()).select_from(ConsortiumMember)) == 0


def test_a_consortium_wins_and_the_hand_over_registers_its_shares_exactly(db: Database, clock: Clock,
                                                                         world: World) -> None:
    a, b, other = world.bidders[:3]
    with db.transaction() as s:
        lot = new_lot(s, world)
        lot_id = lot.id
        joint = consortium.apply_as_consortium(s, lot_id=lot_id, members=[(a, "1/3"), (b, "2/3")], actor="party:a")
        assert joint.party_id == a  # the lead is the bidder of record and pays the one deposit
        pay(s, joint, world.names[a])
        rival = enrol(s, lot, world, other)
    refused(db, lambda s: consortium.apply_as_consortium(s, lot_id=lot_id, members=[(b, "1/2"), (other, "1/2")],
                                                         actor="x"), "exchange.already_applied")
    decided(db, clock, world, lot_id, [(rival, "100000"), (joint, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        pay_balance(s, lot_id)
    with db.transaction() as s:
        app_id = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR).registry_application_id
        assert app_id is not None
        holders = registry.get_application(s, app_id).payload["holders"]
    assert sorted(holders) == sorted([[a, "1/3"], [b, "2/3"]])
    assert sum(Fraction(sh) for _, sh in holders) == 1
    registered = [p for k, p in lot_events(db, lot_id) if k == "consortium_registered"]
    assert registered[0]["members"] == [{"party_id": a, "share": "1/3"}, {"party_id": b, "share": "2/3"}]


# --- a defaulting winner's payments -----------------------------------------------------------------

def test_a_defaulting_winners_instalments_are_set_off_and_refunded_to_the_fen(db: Database, clock: Clock,
                                                                              world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, kind="collective_construction_land", starts_at=start_in(21))
        ba, bb = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    decided(db, clock, world, lot_id, [(ba, "100000"), (bb, "130000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        row = exchange.get_settlement(s, lot_id)
        first, last = instalments_of(s, row.id)
        # price 130 000, earnest 20 000: half the price within a month (45 000 beyond the earnest), then 65 000
        assert (row.earnest_cny, first.amount_cny, last.amount_cny) == (Decimal("20000.00"), Decimal("45000.00"),
                                                                       Decimal("65000.00"))
        exchange.pay_balance(s, sub_account=row.sub_account, amount="45000.00", payer_name=world.names[bb.party_id],
                             bank_ref="I-1", actor="bank:callback")
    clock.set(overdue_at(last.due_on))
    run_due(db)  # the second instalment is overdue: bb defaults, ba (100 000) is promoted
    assert lot_of(db, lot_id).phase == "award_pending" and deposits(db, lot_id)[bb.id] == "forfeited"
    with db.transaction(readonly=True) as s:
        held = s.scalars(select(DefaultDisposal)).one()
        assert (held.treatment, held.status, held.paid_cny, held.held_cny, held.refund_cny) == (
            "set_off", "held", Decimal("45000.00"), Decimal("45000.00"), Decimal("0.00"))
        assert "拍卖法 art. 39" in held.source
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        pay_balance(s, lot_id)  # ba pays 80 000: the lot sold again at 100 000
    run_due(db)
    with db.transaction(readonly=True) as s:
        done = s.scalars(select(DefaultDisposal)).one()
        # shortfall 130 000 − 100 000 = 30 000, less the forfeited earnest 20 000: 10 000 set off, 35 000 refunded
        assert (done.resale_price_cny, done.set_off_cny, done.refund_cny, done.held_cny, done.status) == (
            Decimal("100000.00"), Decimal("10000.00"), Decimal("35000.00"), Decimal("0.00"), "refunded")
        assert done.forfeited_cny + done.set_off_cny + done.refund_cny == done.paid_cny
        day = to_local(now()).date()
        report = reconcile.reconcile_deposits(s, date_from=day - timedelta(days=400), date_to=day)
    lines = {(x.category.value, x.amount_cny) for x in report.lines if x.category.value.startswith("default_")}
    assert lines == {("default_held", Decimal("45000.00")), ("default_set_off", Decimal("10000.00")),
                     ("default_refunded", Decimal("35000.00"))}
    events = {k: p for k, p in lot_events(db, lot_id) if k.startswith("default_")}
    assert events["default_payments_disposed"]["held_cny"] == "45000.00"
    assert (events["default_set_off"]["set_off_cny"], events["default_set_off"]["refund_cny"]) == ("10000.00",
                                                                                                    "35000.00")
    assert events["default_refund_paid"]["refund_cny"] == "35000.00"


# --- results notice and objections ------------------------------------------------------------------

def test_an_objection_holds_the_hand_over_and_one_per_party(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    refused(db, lambda s: results_notice.file_objection(s, lot_id=lot_id, party_id=world.bidders[0], grounds="x",
                                                        actor="x"), "exchange.no_results_notice")
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        notice = results_notice.notice_of(s, s.get(Lot, lot_id))  # type: ignore[arg-type]
        assert notice is not None and notice.open and notice.price_cny == Decimal("101000.00")
        assert notice.transferee == world.names[b1.party_id][0] + "**"  # the rules publish a masked name
        objection = results_notice.file_objection(s, lot_id=lot_id, party_id=b0.party_id,
                                                  grounds="成交人与出让人存在关联关系", actor=f"party:{b0.party_id}")
        objection_id = objection.id
    refused(db, lambda s: results_notice.file_objection(s, lot_id=lot_id, party_id=b0.party_id, grounds="again",
                                                        actor="x"), "exchange.objection_limit")
    with db.transaction() as s:
        pay_balance(s, lot_id)
    refused(db, lambda s: exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR), "exchange.objection_pending")
    refused(db, lambda s: result_objections.rule_result_objection(s, lot_id=lot_id, objection_id=objection_id,
                                                                  upheld=True, ruling="成立", actor=OPERATOR),
            "exchange.invalid_transition")  # the price is paid in full: too late to annul here


def test_an_upheld_objection_annuls_the_result_refunds_and_relists(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        objection_id = results_notice.file_objection(s, lot_id=lot_id, party_id=b0.party_id, grounds="串通",
                                                     actor="p").id
    with db.transaction() as s:
        row = result_objections.rule_result_objection(s, lot_id=lot_id, objection_id=objection_id, upheld=True,
                                                      ruling="异议成立：竞买人串通", actor=OPERATOR)
        new_id = row.reopened_lot_id
    refused(db, lambda s: result_objections.rule_result_objection(s, lot_id=lot_id, objection_id=objection_id,
                                                                  upheld=False, ruling="x", actor=OPERATOR),
            "exchange.objection_already_ruled")
    old = lot_of(db, lot_id)
    assert old.phase == "unsuccessful" and result_of(db, lot_id).reason == "objection_upheld"
    assert deposits(db, lot_id) == {b0.id: "refund_due", b1.id: "refund_due"}
    assert new_id is not None
    reopened = lot_of(db, new_id)
    assert (reopened.phase, reopened.previous_lot_id, reopened.start_price_cny) == ("announced", lot_id,
                                                                                     old.start_price_cny)
    kinds = [k for k, _ in lot_events(db, lot_id)]
    assert kinds[kinds.index("result_objection_filed"):] == ["result_objection_filed", "fail", "lot_reopened"]
    fail = next(p for k, p in lot_events(db, lot_id) if k == "fail")
    assert fail["reason"] == "objection_upheld" and fail["earnest_refunded"] == f"{old.deposit_cny:.2f}"
    assert fail["annulled_confirmation_no"] == f"CJ-{old.number}"
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(ResultObjection.status)).all() == ["upheld"]
        assert verify_ledger(s).ok
    # the objection period: after its last working day no objection is taken
    with db.transaction() as s:
        lot2 = new_lot(s, world, starts_at=start_in(8))
        c0, c1 = enrol(s, lot2, world, world.bidders[2]), enrol(s, lot2, world, world.bidders[3])
        lot2_id = lot2.id
    decided(db, clock, world, lot2_id, [(c0, "100000"), (c1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot2_id, actor=OPERATOR)
        notice = results_notice.notice_of(s, s.get(Lot, lot2_id))  # type: ignore[arg-type]
        assert notice is not None
    clock.set(clock.now() + timedelta(days=(notice.closes_on - notice.published_on).days + 2))
    refused(db, lambda s: results_notice.file_objection(s, lot_id=lot2_id, party_id=c0.party_id, grounds="late",
                                                        actor="p"), "exchange.objection_period_closed")


# --- races ------------------------------------------------------------------------------------------

def test_two_holders_matching_at_once_still_take_the_rules_order(db: Database, clock: Clock, world: World) -> None:
    """A co-owner and two members match the best offer in the same instant while the worker closes periods:
    whatever the interleaving, the co-owner wins once, one award event, no claim left open."""
    with db.transaction() as s:
        co = registry.create_party(s, kind="person", name="共有人乙", id_number=resident_id(951), actor=OPERATOR).id
        world.names[co] = "共有人乙"
        unit = register(s, square(8), [(world.seller, "1/2"), (co, "1/2")])
        right = registry.current_rights(s, unit)[0].id
        lot = new_lot(s, World(world.seller, unit, right, world.bidders, world.names))
        b0 = enrol(s, lot, world, world.bidders[0])
        holders = [(enrol(s, lot, world, co), "co_owner")]
        holders += [(enrol(s, lot, world, member(s, 10 + i, world)), "member") for i in range(2)]
        lot_id = lot.id
        for bidder, ground in holders:
            preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=bidder.id, ground=ground, actor="h")
    decided(db, clock, world, lot_id, [(b0, "100000")])

    def work(i: int) -> None:
        with db.transaction() as s:
            if i < len(holders):
                preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=holders[i][0].id, actor="h")
            else:
                exchange.run_due(s)

    errors = together(len(holders) + 1, work)
    assert all(isinstance(e, DomainError) and e.code == "exchange.preemption_not_open" for e in errors), errors
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.reason) == (holders[0][0].id, "preemption")
    assert [k for k, p in lot_events(db, lot_id) if k == "award" and p.get("reason") == "preemption"] == ["award"]
    with db.transaction(readonly=True) as s:
        assert sorted(s.scalars(select(PreemptionClaim.status))) == ["exercised", "lapsed", "lapsed"]


@pytest.mark.parametrize("raw", ["1e999999999", "1/0", "-1/2", "0.5e3", "1/2/3", "", "1" * 10 + "/3"])
def test_a_share_is_plain_digits_only(raw: str) -> None:
    """A consortium share is "n/d" or a decimal: an exponent (which would make Fraction build a huge integer), a
    sign or more than nine digits is refused with the consortium's own code."""
    from landbridge.exchange.legal_rules import parse_share

    with pytest.raises(DomainError) as err:
        parse_share(raw)
    assert err.value.code == "exchange.consortium_shares_invalid"


def test_plain_shares_parse_exactly() -> None:
    from fractions import Fraction

    from landbridge.exchange.legal_rules import parse_share

    assert [parse_share(x) for x in ("1/3", "0.25", " 2/3 ", "1")] == [Fraction(1, 3), Fraction(1, 4),
                                                                        Fraction(2, 3), Fraction(1)]


def test_membership_is_the_collectives_roll_not_the_address(db: Database, clock: Clock, world: World) -> None:
    """ADR 0016: a person registered in the village but not on the roll, or a member whose membership ended
    before today, does not prove the member ground; a member on the roll does (collective.member_of_village)."""
    from landbridge.collective.models import Member

    with db.transaction() as s:
        lot = new_lot(s, world)
        lot_id = lot.id
        villager = registry.create_party(s, kind="person", name="同村非成员", id_number=resident_id(951),
                                         region_code=VILLAGE, actor=OPERATOR).id
        former = registry.create_party(s, kind="person", name="已迁出成员", id_number=resident_id(952),
                                       region_code=VILLAGE, actor=OPERATOR).id
        ended = s.get(Member, put_on_roll(s, former))
        assert ended is not None
        ended.ended_on, ended.end_ground = clock.now().date() - timedelta(days=1), "moved_away"
        on_roll = member(s, 3, world)
        world.names.update({villager: "同村非成员", former: "已迁出成员"})
        vb, fb, mb = (enrol(s, lot, world, p) for p in (villager, former, on_roll))
    for bidder in (vb, fb):
        refused(db, lambda s, b=bidder: preemption_service.register_preemption(  # type: ignore[misc]
            s, lot_id=lot_id, bidder_id=b.id, ground="member", actor="x"), "exchange.preemption_ground_unproven")
    with db.transaction() as s:
        claim = preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member", actor="m")
        assert claim.ground == "member"
