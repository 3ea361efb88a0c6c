"""Review mends of the market-entry terms (issue #15): a relisted entry lot's terms are read once per step of its
settlement and hand-over (item 4), a relisted equity lot still admits only organisations, and the reconciliation
reads every settlement's adjustment fee cell in a fixed number of statements (item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import Clock
from tests.exchange.conftest import OPERATOR, World, bid, enrol, start_in, to
from tests.exchange.settling import pay_balance
from tests.exchange.test_market_entry import entry_lot
from tests.registry.conftest import org_uscc
from tests.sql import statements

TERMS_TABLE = "exchange_entry_terms"


def terms_reads(seen: list[str]) -> int:
    return sum(1 for x in seen if TERMS_TABLE in x and x.lstrip().upper().startswith("SELECT"))


def relisted(db: Database, clock: Clock, world: World, *, method: str = "grant", col: int = 61) -> int:
    """An entry lot that found no bidder, relisted (the new lot has no terms of its own) and published."""
    lot_id, _, _ = entry_lot(db, clock, world, method=method, win=False, col=col)
    with db.transaction() as s:
        assert s.get(Lot, lot_id).phase == "unsuccessful"  # type: ignore[union-attr]
        new = exchange.relist_lot(s, lot_id=lot_id, actor=OPERATOR, starts_at=start_in(21))
        exchange.publish_lot(s, lot_id=new.id, actor=OPERATOR)
        return new.id


def test_a_relisted_lots_terms_are_read_once_per_step(db: Database, clock: Clock, world: World) -> None:
    lot_id = relisted(db, clock, world)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        bidders = [enrol(s, lot, world, p) for p in world.bidders[:2]]
        starts, ends = lot.starts_at, lot.ends_at
    to(clock, starts)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        for i, b in enumerate(bidders):
            assert bid(s, lot, b, str(100000 + 1000 * i)).accepted
    to(clock, ends, timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    # a walk of the chain reads the terms of the relisted lot (none) and of the lot it relists: 2 statements
    with statements(db) as seen, db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)  # opens the settlement: levy and its ledger cell
    assert terms_reads(seen) == 2
    with statements(db) as seen, db.transaction() as s:
        pay_balance(s, lot_id, ref=f"ALL-{lot_id}")
    assert terms_reads(seen) == 2
    with statements(db) as seen, db.transaction() as s:
        result = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)  # the new right and the sales record
        assert result.registry_application_id is not None
    assert terms_reads(seen) == 2
    with db.transaction(readonly=True) as s:
        row = exchange.get_settlement(s, lot_id)
        assert (row.adjustment_land_use, row.adjustment_rate) == ("industrial", "0.20")  # the terms were applied
        app = registry.get_application(s, result.registry_application_id)
        assert app.payload["entry_method"] == "grant"


def test_another_kinds_lot_reads_no_entry_terms(db: Database, world: World) -> None:
    from tests.exchange.conftest import new_lot
    with db.transaction() as s:
        lot = new_lot(s, world)
        with statements(db) as seen:
            assert exchange.entry_terms_of(s, lot) is None
    assert terms_reads(seen) == 0


def test_a_relisted_equity_lot_still_admits_only_organisations(db: Database, clock: Clock, world: World) -> None:
    lot_id = relisted(db, clock, world, method="equity", col=63)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        with pytest.raises(DomainError) as e:
            exchange.apply_for_lot(s, lot_id=lot_id, party_id=world.bidders[0], actor="party:x")
        assert e.value.code == "exchange.equity_bidder_not_organisation"
    with db.transaction() as s:
        company = registry.create_party(s, kind="organisation", name="入股项目公司R", id_number=org_uscc(970),
                                        actor=OPERATOR).id
        assert exchange.apply_for_lot(s, lot_id=lot_id, party_id=company, actor="party:c").lot_id == lot_id


def test_the_reconciliation_reads_all_rows_adjustment_cells_in_fixed_statements(db: Database, clock: Clock,
                                                                                world: World) -> None:
    from datetime import date

    from landbridge.exchange import reconcile
    entry_lot(db, clock, world, col=71)
    first_paid = clock.now().date()
    entry_lot(db, clock, world, method="lease", years=20, land_use_class="0508", col=73)
    assert clock.now().date() > first_paid

    def report(until: date) -> tuple[list[str], list[reconcile.Line]]:
        with statements(db) as seen, db.transaction(readonly=True) as s:
            rec = reconcile.reconcile_deposits(s, date_from=date(2026, 3, 1), date_to=until)
        return seen, [x for x in rec.lines if x.category == reconcile.Category.settlement_paid]

    one, paid_one = report(first_paid)
    two, paid_two = report(clock.now().date())
    assert len(paid_one) == 1 and len(paid_two) == 2
    assert "[industrial/grade */grant]" in paid_two[0].detail and "[commercial/grade */lease]" in paid_two[1].detail
    assert len(two) == len(one)  # a second settlement adds lines, not statements (no query per row)
    assert terms_reads(two) == 1  # both lots' terms in one statement
