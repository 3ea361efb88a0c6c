"""Review mends of the exchange's legal rules (issue #24): pre-emption by every method the law gives it (tender,
negotiated), a consortium member barred after the application refused at the bid and at the award confirmation,
a lot reopened on an upheld objection built and scanned as a re-listing, the disposals' reconciliation lines in
one query, and the public results notice showing an objection's outcome, never the ruling's text."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from landbridge import exchange
from landbridge.db import Database
from landbridge.exchange import consortium, preemption_service, result_objections, results_notice
from landbridge.exchange.default_payments import disposal_lines
from landbridge.exchange.legal_models import PreemptionClaim
from landbridge.exchange.legal_pages import legal_context
from landbridge.exchange.legal_rules import given_grounds
from landbridge.exchange.legal_views import legal_rules_of
from landbridge.exchange.models import Lot
from landbridge.exchange.results_notice import ResultsNotice
from landbridge.exchange.settlement import instalments_of
from landbridge.exchange.settlement_rules import overdue_at
from landbridge.kernel.clock import Clock, now
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, pay, to
from tests.exchange.test_api import Api, api  # noqa: F401 - api is a fixture
from tests.exchange.test_legal_rules import decided, lot_events, member, refused, result_of
from tests.exchange.test_methods import open_window, score_all, submit, tender_lot, to_opening
from tests.exchange.test_service import deposits, lot_of, run_due
from tests.sql import statements

# --- 1. pre-emption by every method -----------------------------------------------------------------


def test_a_member_pre_empts_the_winning_tender(db: Database, clock: Clock, world: World) -> None:
    lot_id, (a, b, c, _d), panel = tender_lot(db, world)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.method == "tender"
        m = member(s, 21, world)
        mb = enrol(s, lot, world, m)
        claim = preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member",
                                                       actor=f"party:{m}")
        assert (claim.ground, claim.status) == ("member", "registered")
    lot = open_window(db, clock, lot_id)
    with db.transaction() as s:
        for bidder, price in ((a, "120000"), (b, "150000"), (c, "130000")):
            submit(s, lot_id, bidder, price)
    to_opening(db, clock, lot)
    score_all(db, lot_id, panel, {a.id: "100", b.id: "50", c.id: "60"})  # a wins on its plan at 120 000
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.reason) == (a.id, "tender_evaluation")
    assert deposits(db, lot_id)[mb.id] == "confirmed"  # held: the member may match the winning tender
    refused(db, lambda s: exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR), "exchange.preemption_pending")
    with db.transaction() as s:
        preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor=f"party:{m}")
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.reason, result.price_cny) == (mb.id, "preemption", Decimal("120000.00"))
    award = [p for k, p in lot_events(db, lot_id) if k == "award"]
    assert "winning tender" in str(award[-1]["why_best_bidder_lost"])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    assert deposits(db, lot_id)[mb.id] == "converted"


def test_a_member_pre_empts_a_negotiated_transfer(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, method="negotiated")
        lot_id = lot.id
        counterparty = enrol(s, lot, world, world.bidders[0])
        m = member(s, 22, world)
        mb = enrol(s, lot, world, m)
    to(clock, lot_of(db, lot_id).starts_at)
    run_due(db)
    assert lot_of(db, lot_id).phase == "publicity"
    with db.transaction() as s:  # while the transfer is publicised, applications are open: so is pre-emption
        preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member", actor="m")
    to(clock, lot_of(db, lot_id).ends_at)
    run_due(db)
    with db.transaction() as s:
        exchange.record_agreement(s, lot_id=lot_id, party_id=counterparty.party_id, price="105000.00",
                                  actor=OPERATOR)
    assert deposits(db, lot_id) == {counterparty.id: "converted", mb.id: "confirmed"}
    refused(db, lambda s: exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR), "exchange.preemption_pending")
    with db.transaction() as s:
        preemption_service.match_best_offer(s, lot_id=lot_id, bidder_id=mb.id, actor="m")
    result = result_of(db, lot_id)
    assert (result.winner_bidder_id, result.reason, result.price_cny) == (mb.id, "preemption", Decimal("105000.00"))
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(PreemptionClaim.status)).all() == ["exercised"]


def test_a_negotiated_transfer_with_no_match_is_confirmed_after_the_period(db: Database, clock: Clock,
                                                                          world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, method="negotiated")
        lot_id = lot.id
        counterparty = enrol(s, lot, world, world.bidders[0])
        mb = enrol(s, lot, world, member(s, 23, world))
        preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id, ground="member", actor="m")
    to(clock, lot_of(db, lot_id).ends_at)
    run_due(db)
    with db.transaction() as s:
        exchange.record_agreement(s, lot_id=lot_id, party_id=counterparty.party_id, price="100000", actor=OPERATOR)
    clock.set(clock.now() + timedelta(hours=48))
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    assert result_of(db, lot_id).winner_bidder_id == counterparty.id
    assert deposits(db, lot_id)[mb.id] == "refund_due"
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(PreemptionClaim.status)).all() == ["lapsed"]


# --- 2. a consortium member barred after the application -------------------------------------------


def test_a_member_barred_since_the_application_bars_the_consortiums_bids_and_award(db: Database, clock: Clock,
                                                                                 world: World) -> None:
    a, b, other = world.bidders[:3]
    with db.transaction() as s:
        lot = new_lot(s, world)
        lot_id = lot.id
        joint = consortium.apply_as_consortium(s, lot_id=lot_id, members=[(a, "1/2"), (b, "1/2")], actor="party:a")
        pay(s, joint, world.names[a])
        rival = enrol(s, lot, world, other)
    to(clock, lot_of(db, lot_id).starts_at)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        for bidder, amount in ((joint, "100000"), (rival, "101000"), (joint, "102000")):
            assert bid(s, lot, bidder, amount).accepted
        exchange.bar_party(s, party_id=b, reason="失信被执行人", actor=OPERATOR)  # b, not the lead
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        outcome = bid(s, lot, joint, "103000")
        assert not outcome.accepted and outcome.bid.reject_code == "exchange.consortium_member_barred"
        assert lot.current_price_cny == Decimal("102000.00") and lot.leader_bidder_id == joint.id
    to(clock, lot_of(db, lot_id).ends_at, timedelta(seconds=301))
    run_due(db)
    assert result_of(db, lot_id).winner_bidder_id == joint.id
    # the award confirmation: refused, typed, nothing written
    err = refused(db, lambda s: exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR),
                  "exchange.consortium_member_barred")
    assert err.http_status == 409
    assert lot_of(db, lot_id).phase == "award_pending" and result_of(db, lot_id).confirmation_no is None
    assert deposits(db, lot_id)[joint.id] == "converted"


def test_a_negotiated_counterparty_with_a_member_barred_meanwhile_is_refused(db: Database, clock: Clock,
                                                                           world: World) -> None:
    a, b = world.bidders[:2]
    with db.transaction() as s:
        lot = new_lot(s, world, method="negotiated")
        lot_id = lot.id
        joint = consortium.apply_as_consortium(s, lot_id=lot_id, members=[(a, "1/4"), (b, "3/4")], actor="party:a")
        pay(s, joint, world.names[a])
    to(clock, lot_of(db, lot_id).ends_at)
    run_due(db)
    with db.transaction() as s:
        exchange.bar_party(s, party_id=b, reason="失信被执行人", actor=OPERATOR)
    refused(db, lambda s: exchange.record_agreement(s, lot_id=lot_id, party_id=a, price="100000", actor=OPERATOR),
            "exchange.consortium_member_barred")
    assert lot_of(db, lot_id).phase == "negotiation"


# --- 3. a reopened lot is built and scanned as a re-listing -----------------------------------------


def test_a_lot_reopened_on_an_upheld_objection_is_scanned_like_a_relisting(db: Database, clock: Clock,
                                                                          world: World) -> None:
    with db.transaction() as s:  # a third attempt: supervision flags a lot listed this often
        lot = new_lot(s, world, attempt=3, excluded_party_ids=[world.bidders[3]])
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        oid = results_notice.file_objection(s, lot_id=lot_id, party_id=b0.party_id, grounds="串通", actor="p").id
    with db.transaction() as s:
        new_id = result_objections.rule_result_objection(s, lot_id=lot_id, objection_id=oid, upheld=True,
                                                         ruling="异议成立", actor=OPERATOR).reopened_lot_id
    assert new_id is not None
    old, new = lot_of(db, lot_id), lot_of(db, new_id)
    assert (new.phase, new.attempt, new.previous_lot_id, new.method) == ("announced", 3, lot_id, old.method)
    assert (new.start_price_cny, new.increment_cny, new.excluded_party_ids, new.term_end) == (
        old.start_price_cny, old.increment_cny, old.excluded_party_ids, old.term_end)
    with db.transaction(readonly=True) as s:
        flags, _ = exchange.list_flags(s, lot_id=new_id)
        assert [f.kind for f, _ in flags] == ["repeated_relisting"]


# --- 4. the disposals' reconciliation lines in one query --------------------------------------------


def test_the_disposals_lines_are_read_in_one_query(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world, kind="collective_construction_land", starts_at=now() + timedelta(days=21))
        ba, bb = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    decided(db, clock, world, lot_id, [(ba, "100000"), (bb, "130000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        row = exchange.get_settlement(s, lot_id)
        first, last = instalments_of(s, row.id)
        exchange.pay_balance(s, sub_account=row.sub_account, amount=first.amount_cny,
                             payer_name=world.names[bb.party_id], bank_ref="I-1", actor="bank:callback")
    clock.set(overdue_at(last.due_on))
    run_due(db)  # bb defaults: what it paid beyond the earnest money is held for the set-off
    at = now()
    everything = (datetime(2000, 1, 1, tzinfo=UTC), at + timedelta(days=1))
    before = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC))
    for (start, end), expected in ((everything, [("default_held", bb.bidder_code, first.amount_cny)]),
                                   (before, [])):
        with db.transaction(readonly=True) as s, statements(db) as seen:
            lines = disposal_lines(s, start, end, lambda region: True)
        assert [(x.category, x.bidder_code, x.amount_cny) for x in lines] == expected
        assert len([q for q in seen if q.lstrip().upper().startswith("SELECT")]) == 1, seen
    with db.transaction(readonly=True) as s:  # another operator's area sees none of it
        assert disposal_lines(s, *everything, lambda region: False) == []


# --- 5. the public results notice: an objection's outcome, not the ruling's text --------------------


def test_the_public_notice_shows_an_objections_outcome_not_the_ruling(api: Api, db: Database) -> None:  # noqa: F811
    world, clock = api.world, api.clock
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id = lot.id
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    ruling = "异议不成立：异议人王某某（身份证号 360602199001011234）所称关联关系查无实据"
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        oid = results_notice.file_objection(s, lot_id=lot_id, party_id=b0.party_id, grounds="成交人系出让人亲属",
                                            actor="p").id
        result_objections.rule_result_objection(s, lot_id=lot_id, objection_id=oid, upheld=False, ruling=ruling,
                                                actor=OPERATOR)
    r = api.client.get(f"/api/v1/exchange/lots/{lot_id}/results-notice")  # anonymous
    assert r.status_code == 200, r.text
    # the API answers with the notice's one model, field for field
    assert list(r.json()) == [f.name for f in fields(ResultsNotice)] and r.json()["price_cny"] == "101000.00"
    objections = r.json()["objections"]
    assert [(o["id"], o["status"]) for o in objections] == [(oid, "dismissed")]
    assert set(objections[0]) == {"id", "status", "filed_on", "ruled_on"} and objections[0]["ruled_on"]
    assert "王某某" not in r.text and "360602199001011234" not in r.text and "亲属" not in r.text
    page = api.client.get(f"/exchange/lots/{lot_id}?lang=zh_CN").text  # the lot page, anonymous
    assert 'id="result-objections"' in page
    assert "王某某" not in page and "360602199001011234" not in page


# --- 6. one reading of the grounds a lot gives ------------------------------------------------------


def test_the_grounds_a_lot_gives_are_read_once_for_the_service_the_api_and_the_page(db: Database, clock: Clock,
                                                                                  world: World) -> None:
    assert given_grounds(["co_owner", "lessee", "member"], member_priority=True) == ["co_owner", "lessee", "member"]
    assert given_grounds(["co_owner", "member"], member_priority=False) == ["co_owner"]
    with db.transaction() as s:  # a forest right: the rules list a member's ground, member_priority drops it
        lot = new_lot(s, world, kind="forest_right")
        assert legal_rules_of(s, lot)["rules"]["preemption_grounds"]["value"] == ["co_owner"]
        assert legal_context(s, lot)["grounds"] == ["co_owner"]
        mb = enrol(s, lot, world, member(s, 31, world))
        lot_id = lot.id
    err = refused(db, lambda s: preemption_service.register_preemption(s, lot_id=lot_id, bidder_id=mb.id,
                                                                       ground="member", actor="m"),
                  "exchange.preemption_not_given")
    assert err.details["grounds"] == ["co_owner"]
