"""A defaulted loan's collateral sold on the exchange and the loan settled from the exchange's figures (issue #17):
default → collateral lot → deposits, bids, award, payment → the payout uses the loan's outstanding claim (fact
``lending.secured_claim``) → the loan settles itself from the paid sale (worker sweep) → the loss is shared as
bound → the hand-over discharges the loan's mortgage, a junior mortgage and a court's seizure, and the buyer's
right is free of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.models import Deposit
from landbridge.kernel import modules
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, subjects, verify_ledger
from landbridge.lending import disposal, jobs, service, servicing
from landbridge.lending.models import Claim, FundEntry, Loan, Payment
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.lending.conftest import World
from tests.lending.conftest import _register as register_right
from tests.lending.test_service import BANK, apply, snapshot, to_disbursed
from tests.registry.conftest import ACTOR, VILLAGE, org_uscc, resident_id

D = Decimal
OPERATOR = "user:7:exchange"
INTEREST = (D("600000") * D("0.0435") / 12).quantize(D("0.01"))  # a month of a 600,000 bullet loan: 2,175


def interest_due(on: date) -> Decimal:
    """The bullet loan's interest fallen due by ``on`` (monthly on the 15th from 2026-04-15), none of it paid."""
    return INTEREST * sum(1 for month in range(4, 13) if date(2026, month, 15) <= on)


def approve(s: object, app_id: int) -> None:
    registry.approve_application(s, application_id=app_id, actor=ACTOR)  # type: ignore[arg-type]


def defaulted_loan(db: Database, clock: Clock, world: World) -> tuple[int, dict[str, int]]:
    """A 600,000 bullet loan on the forest right (appraised 1,000,000; its mortgage rank 1), a junior mortgage of
    30,000 to another bank, default at the close of 2026-07-20, then a court's seizure of the unit."""
    with db.transaction() as s:
        servicing.contribute_to_fund(s, amount="1000000", day=date(2026, 3, 1), actor="user:5:fund_manager")
    loan_id = apply(db, world, principal="600000", months=12, method="bullet")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        other_bank = registry.create_party(s, kind="organisation", name="邮储银行鹰潭分行", id_number=org_uscc(77),
                                           actor=ACTOR).id
        court = registry.create_party(s, kind="organisation", name="鹰潭市余江区人民法院", id_number=org_uscc(78),
                                      actor=ACTOR).id
        approve(s, registry.lodge_mortgage(s, actor=ACTOR, unit_id=world.unit, mortgagee_party_id=other_bank,
                                           secured_amount="30000.00", right_id=world.right).id)
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli").defaulted == 1
    with db.transaction() as s:
        approve(s, registry.lodge_seizure(s, actor=ACTOR, unit_id=world.unit, document_no="(2026)赣0622执123号",
                                          court_party_id=court).id)
    return loan_id, {"other_bank": other_bank, "court": court}


def start(db: Database, clock: Clock, loan_id: int) -> int:
    """The bank starts the disposal (15,000 enforcement costs): a published collateral lot at 70 % of 1,000,000."""
    clock.set(datetime(2026, 7, 21, 1, 0, tzinfo=UTC))
    with db.transaction() as s:
        loan = servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="15000")
        lot_id = loan.lot_id or 0
        exchange.publish_lot(s, lot_id=lot_id, actor=OPERATOR)
        lot = exchange.get_lot(s, lot_id)
        assert lot.kind == "collateral" and lot.start_price_cny == D("700000.00")
    return lot_id


def fail(db: Database, clock: Clock, lot_id: int) -> None:
    """Nobody applies: the lot's end passes and it is unsuccessful (流拍)."""
    with db.transaction(readonly=True) as s:
        ends = exchange.get_lot(s, lot_id).ends_at
    assert ends is not None
    clock.set(ends + timedelta(hours=1))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction(readonly=True) as s:
        assert exchange.get_lot(s, lot_id).phase == "unsuccessful"


def relist(db: Database, clock: Clock, lot_id: int) -> int:
    with db.transaction() as s:
        new = exchange.relist_lot(s, lot_id=lot_id, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))
        exchange.publish_lot(s, lot_id=new.id, actor=OPERATOR)
        assert new.start_price_cny == D("560000.00") and new.previous_lot_id == lot_id
        return new.id


def auction(db: Database, clock: Clock, lot_id: int, bids: list[int], *, refused: int | None = None) -> int:
    """Two bidders pay their deposits and bid ``bids`` (increments above the start; a bid of ``refused`` increments
    is tried and refused), the award is confirmed and the winner pays the balance. Returns the winner's party."""
    with db.transaction() as s:
        bidders = []
        for i in range(2):
            name = f"处置竞买人{lot_id}-{i}"
            party = registry.create_party(s, kind="person", name=name, id_number=resident_id(700 + 10 * lot_id + i),
                                          actor=ACTOR).id
            bidder = exchange.apply_for_lot(s, lot_id=lot_id, party_id=party, actor=f"party:{party}")
            dep = s.execute(select(Deposit).where(Deposit.bidder_id == bidder.id)).scalar_one()
            exchange.confirm_deposit(s, sub_account=dep.sub_account, amount=dep.amount_cny, payer_name=name,
                                     bank_ref=f"DEP-{bidder.id}", actor="bank:callback")
            bidders.append(bidder)
        lot = exchange.get_lot(s, lot_id)
        starts, step, start_price = lot.starts_at, lot.increment_cny, lot.start_price_cny
    clock.set(starts + timedelta(seconds=1))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        lot = exchange.get_lot(s, lot_id)
        assert lot.phase == "live_auction"
        for bidder, steps in zip(bidders, bids, strict=False):  # a bidder may place none
            amount = start_price + step * steps
            assert exchange.place_bid(s, lot_id=lot_id, bidder_id=bidder.id, amount=amount,
                                      idempotency_key=f"b{bidder.id}", actor=f"party:{bidder.party_id}").accepted
        if refused is not None:
            late = bidders[-1]
            assert not exchange.place_bid(s, lot_id=lot_id, bidder_id=late.id, amount=start_price + step * refused,
                                          idempotency_key="over", actor=f"party:{late.party_id}").accepted
        ends = lot.ends_at
    assert ends is not None
    clock.set(ends + timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        winner = exchange.get_settlement(s, lot_id).party_id
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=registry.get_party(s, row.party_id).name, bank_ref=f"PAY-{lot_id}",
                             actor="bank:callback")
    return winner


def sell(db: Database, clock: Clock, world: World, loan_id: int, bids: list[int], *,
         relist_once: bool = False) -> tuple[int, int]:
    """Start the disposal; with ``relist_once`` the first auction draws no bidder, fails and is relisted at 80 %;
    then an auction of ``bids``, paid (before the payment the loan cannot be settled). Returns the lot and winner."""
    lot_id = start(db, clock, loan_id)
    if relist_once:
        fail(db, clock, lot_id)
        lot_id = relist(db, clock, lot_id)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # no award paid yet: nothing to settle from
        disposal.settle_from_sale(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.sale_not_paid"
    return lot_id, auction(db, clock, lot_id, bids)


def other_liens(sale: exchange.CollateralSale, loan: Loan) -> list[dict[str, object]]:
    return [x for x in sale.distribution if x["basis"] == "mortgage" and x["restriction_id"] != loan.restriction_id]


def hand_over_and_check_discharge(db: Database, world: World, lot_id: int, winner: int, loan_id: int) -> None:
    """The hand-over is not refused for the seizure or the mortgages; approval leaves the buyer's right free."""
    with db.transaction() as s:
        before = {r.id: r.kind for r in registry.current_restrictions(s, world.unit)}
        assert sorted(before.values()) == ["mortgage", "mortgage", "seizure"]
        result = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        app = registry.get_application(s, result.registry_application_id or 0)
        assert sorted(app.payload["discharged_restriction_ids"]) == sorted(before)
    with db.transaction() as s:
        approve(s, app.id)
    with db.transaction() as s:
        assert registry.current_restrictions(s, world.unit) == []  # the buyer's right is free of them
        rights = registry.current_rights(s, world.unit)
        assert [p for p, _ in registry.holders_of(s, rights[0].id)] == [winner]
        discharged = [e for e in list_events(s, module="registry", limit=5000)
                      if e.event_type == "restriction_discharged"]
        assert sorted(int(e.subject.split(":")[1]) for e in discharged) == sorted(before)
        loan = service.get_loan(s, loan_id)
        closed = servicing.release_lien(s, loan_id=loan_id, actor=BANK, write_off=loan.loss_cny > 0)
        assert closed.release_application_id is None  # the sale already discharged the mortgage: nothing to lodge
        assert verify_ledger(s).ok


def test_a_sale_that_covers_the_claim_pays_the_outstanding_claim_not_the_registered_amount(
        db: Database, clock: Clock, world: World) -> None:
    loan_id, parties = defaulted_loan(db, clock, world)
    lot_id, winner = sell(db, clock, world, loan_id, bids=[0, 5])
    with db.transaction(readonly=True) as s:
        loan = service.get_loan(s, loan_id)
        sale = exchange.collateral_sale(s, lot_id)
        assert sale is not None and sale.paid and sale.paid_on is not None
        # the claim on the day the buyer paid: 15,000 costs + the interest due by then + all 600,000 principal
        claim = D("15000.00") + interest_due(sale.paid_on) + D("600000.00")
        fact = modules.fact("lending.secured_claim")
        assert fact(session=s, restriction_id=loan.restriction_id, on=sale.paid_on) == claim
        own = [x for x in sale.distribution if x["restriction_id"] == loan.restriction_id]
        assert [D(x["amount_cny"]) for x in own] == [claim]  # not the registered 600,000
        junior = other_liens(sale, loan)
        owners = [x for x in sale.distribution if x["basis"] == "owner"]
        assert [D(str(x["amount_cny"])) for x in junior] == [min(D("30000.00"), sale.net - claim)]
        assert sum(D(x["amount_cny"]) for x in sale.distribution) == sale.net
        assert [x["party_id"] for x in owners] == ([world.borrower] if sale.net > claim + D("30000") else [])
    with db.transaction() as s:
        assert jobs.run_due(s) >= 1  # the worker's sweep settles the loan from the paid sale
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 0  # idempotent: nothing twice
        loan = service.get_loan(s, loan_id)
        assert loan.status == "settled" and loan.outstanding_cny == 0 and loan.loss_cny == 0
        assert loan.costs_cny == 0 and loan.penalty_cny == 0
        pay = s.execute(select(Payment).where(Payment.loan_id == loan_id, Payment.kind == "disposal")).scalar_one()
        assert pay.amount_cny == claim and pay.detail["proceeds_cny"] == str(sale.price)
        assert pay.detail["sale_costs_cny"] == str(sale.sale_costs)
        settled = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.settled"]
        assert len(settled) == 1
    hand_over_and_check_discharge(db, world, lot_id, winner, loan_id)
    assert parties["court"]


def test_a_short_sale_settles_automatically_and_shares_the_loss(db: Database, clock: Clock, world: World) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)
    lot_id, winner = sell(db, clock, world, loan_id, bids=[0, 1], relist_once=True)
    with db.transaction() as s:
        sale = exchange.collateral_sale(s, lot_id)
        assert sale is not None and sale.paid and sale.paid_on is not None
        loan = service.get_loan(s, loan_id)
        assert loan.status == "in_disposal"
        before_fund = servicing.fund_balance(s)
        with pytest.raises(DomainError) as info:  # no hand-typed amounts once the exchange has the figures
            servicing.settle_disposal(s, loan_id=loan_id, proceeds="1", sale_costs="0", day=date(2026, 9, 1),
                                      actor=BANK)
        assert info.value.code == "lending.sale_settles_itself"
        settled = disposal.settle_from_sale(s, loan_id=loan_id, actor=BANK)  # the bank's call, same figures
        # net = price − 1 % fee; costs and interest first, then principal: the rest of the principal is the loss
        interest = interest_due(sale.paid_on)
        loss = D("600000.00") - (sale.net - D("15000.00") - interest)
        assert settled.status == "settled" and settled.loss_cny == loss and settled.outstanding_cny == loss
        claims = {c.party: c for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
        assert claims["fund"].loss_cny == min(D("50000.00"), (loss * D("0.4")).quantize(D("0.01")))
        assert claims["guarantor"].loss_cny == (loss * D("0.4")).quantize(D("0.01"))
        assert sum(c.loss_cny for c in claims.values()) == loss  # every fen once; the bank bears the rest
        true_up = s.execute(select(FundEntry).where(FundEntry.loan_id == loan_id, FundEntry.kind == "true_up")
                            ).scalar_one()
        assert true_up.amount_cny == claims["fund"].advanced_cny - claims["fund"].loss_cny
        assert servicing.fund_balance(s) == before_fund + true_up.amount_cny
        assert other_liens(sale, loan) == []  # nothing left for the junior mortgage
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 0
    hand_over_and_check_discharge(db, world, lot_id, winner, loan_id)


def test_settling_before_a_disposal_or_on_an_unsold_lot_is_refused(db: Database, clock: Clock,
                                                                   world: World) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        disposal.settle_from_sale(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.invalid_transition"
    assert snapshot(db) == before
    with db.transaction() as s:
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        disposal.settle_from_sale(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.sale_not_paid"
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 0
        assert s.execute(select(Loan.status).where(Loan.id == loan_id)).scalar_one() == "in_disposal"


def test_an_ordinary_transfer_is_still_blocked_by_a_seizure_and_only_named_restrictions_are_discharged(
        db: Database, clock: Clock, world: World) -> None:
    _, parties = defaulted_loan(db, clock, world)
    with db.transaction() as s:
        seizure = next(r.id for r in registry.current_restrictions(s, world.unit) if r.kind == "seizure")
        with pytest.raises(DomainError) as info:
            registry.lodge_transfer(s, actor=ACTOR, unit_id=world.unit, holders=[(world.other, "1")], reason="买卖",
                                    right_id=world.right)
        assert info.value.code == "registry.transfer_blocked"
        with pytest.raises(DomainError) as info:  # a discharge names current mortgages or seizures of the unit only
            registry.lodge_transfer(s, actor=ACTOR, unit_id=world.unit, holders=[(world.other, "1")], reason="x",
                                    right_id=world.right, discharge=[seizure + 999])
        assert info.value.code == "registry.restriction_not_current"
    assert parties["other_bank"]


def test_after_two_failed_auctions_a_fixed_price_sale_sells_at_the_second_price_and_settles(
        db: Database, clock: Clock, world: World) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)
    first = start(db, clock, loan_id)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # the auctions have not failed yet
        disposal.start_fixed_price_sale(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.fixed_sale_not_due"
    fail(db, clock, first)
    second = relist(db, clock, first)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # one auction failed: the second is open
        disposal.start_fixed_price_sale(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.fixed_sale_not_due"
    fail(db, clock, second)
    with db.transaction() as s:
        loan = disposal.start_fixed_price_sale(s, loan_id=loan_id, actor=BANK)
        lot = exchange.get_lot(s, loan.lot_id or 0)
        # the second auction's start price (560,000 × ratio 1.00), the only admissible bid; open for 60 days
        assert (lot.start_price_cny, lot.price_cap_cny, lot.attempt, lot.previous_lot_id) == (
            D("560000.00"), D("560000.00"), 3, second)
        assert lot.ends_at is not None and lot.ends_at - lot.starts_at == timedelta(days=60)
        assert lot.phase == "announced" and lot.excluded_party_ids == exchange.get_lot(s, first).excluded_party_ids
        third = lot.id
        events = [e.event_type for e in list_events(s, subject=subjects.loan(loan_id))]
        assert events[-1] == "loan.fixed_price_sale_started"
    winner = auction(db, clock, third, [0], refused=1)  # a bid above the fixed price is refused
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 1
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        sale = exchange.collateral_sale(s, third)
        assert sale is not None and sale.price == D("560000.00") and loan.status == "settled"
        assert loan.lot_id == third and loan.loss_cny > 0
        claims = s.scalars(select(Claim).where(Claim.loan_id == loan_id)).all()
        assert sum(c.loss_cny for c in claims) == loan.loss_cny
    hand_over_and_check_discharge(db, world, third, winner, loan_id)


def test_a_failed_fixed_price_sale_sends_the_loan_back_to_workout(db: Database, clock: Clock,
                                                                  world: World) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)
    first = start(db, clock, loan_id)
    fail(db, clock, first)
    second = relist(db, clock, first)
    fail(db, clock, second)
    with db.transaction() as s:
        third = disposal.start_fixed_price_sale(s, loan_id=loan_id, actor=BANK).lot_id or 0
    with db.transaction() as s, pytest.raises(DomainError) as info:  # still open: not failed
        disposal.end_failed_disposal(s, loan_id=loan_id, actor=BANK)
    assert info.value.code == "lending.fixed_sale_not_failed"
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 0
    fail(db, clock, third)
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 1  # the sweep sees the failed fixed-price sale
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        assert loan.status == "defaulted" and loan.outstanding_cny == D("600000.00")  # back to workout, still owed
        assert [e.event_type for e in list_events(s, subject=subjects.loan(loan_id))][-1] == "loan.disposal_failed"
        assert any(r.id == loan.restriction_id for r in registry.current_restrictions(s, world.unit))  # lien stays
        assert disposal.settle_sold_disposals(s) == 0


def house_loan(db: Database, world: World) -> int:
    """A 300,000 bullet loan against the borrower's farm house (房地一体 on a homestead; the collective's consent on
    file), defaulted at the close of 2026-07-20."""
    with db.transaction() as s:
        right, unit, parcel = register_right(s, 5, world.borrower, "homestead_use_right", attachment="F")
        house = next(r.id for r in registry.current_rights(s, unit) if r.right_type == "house_ownership")
        run = s.execute(select(MassRun).where(MassRun.run_no == "MR-TEST-1")).scalar_one()  # the world's run
        s.add(MassValue(run_id=run.id, parcel_id=parcel, region_code=VILLAGE, land_use_class="0702",
                        value_per_m2_cny=D("100.00"), value_cny=D("1000000.00"),
                        features=np.zeros(1, dtype=np.float64).tobytes()))
    loan_id = apply(db, world, right_id=house, principal="300000", months=12, method="bullet",
                    consent_document="范家村集体同意抵押书 2026-01")
    to_disbursed(db, world, loan_id)
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli").defaulted == 1
    assert right
    return loan_id


def test_a_farm_house_is_disposed_of_only_where_the_household_keeps_a_dwelling(db: Database, clock: Clock,
                                                                              world: World) -> None:
    loan_id = house_loan(db, world)
    before = snapshot(db)
    with db.transaction() as s, pytest.raises(DomainError) as info:
        servicing.start_disposal(s, loan_id=loan_id, actor=BANK, costs="5000")
    assert info.value.code == "lending.housing_not_protected"
    assert snapshot(db) == before  # nothing changed, not even the costs
    with db.transaction() as s:
        assert service.get_loan(s, loan_id).status == "defaulted"
    with db.transaction() as s:  # the bank records the resettlement document: the disposal may go ahead
        loan = servicing.start_disposal(s, loan_id=loan_id, actor=BANK, dwelling_document="安置协议 2026-088")
        assert loan.status == "in_disposal" and loan.lot_id is not None
        started = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.event_type == "loan.disposal_started"]
        assert len(started) == 1


def test_another_registered_house_is_proof_of_a_dwelling(db: Database, clock: Clock, world: World) -> None:
    loan_id = house_loan(db, world)
    with db.transaction() as s:
        register_right(s, 7, world.borrower, "homestead_use_right", attachment="F")  # the household's other home
    with db.transaction() as s:
        loan = servicing.start_disposal(s, loan_id=loan_id, actor=BANK)
        assert loan.status == "in_disposal"
        other = registry.current_rights_held(s, world.borrower, ["house_ownership"])
        assert len(other) == 2 and loan.right_id in {r.id for r in other}


def test_other_collateral_needs_no_housing_proof(db: Database, clock: Clock, world: World) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)  # a forest right
    with db.transaction() as s:
        assert servicing.start_disposal(s, loan_id=loan_id, actor=BANK).status == "in_disposal"
