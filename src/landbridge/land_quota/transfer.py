"""Quota sold on the exchange (指标交易, issue #16 scope 3): a ``construction_quota`` lot, its conclusion giving the
buyer a holding it can allocate to its destination parcels, and the return of unsold quota to the county.

**When the quota is taken: at listing.** ``list_quota_lot`` takes the lot's amount from the county's unallocated
quota for the year in the same transaction that creates and publishes the exchange lot (the balance's ``allocated``
figure grows by it, as if allocated to the market). So the quota on sale can neither be allocated to a parcel nor
listed twice while the lot runs, and a conclusion can never find the county short: the invariant consumed ≤
allocated ≤ accepted holds throughout. Taking it only on conclusion would let the plan allocate the same quota
while bidders pay deposits for it.

**How land quota learns the outcome** (ADR 0014, calls go down only): the exchange never calls back. The self-guarding
transition ``settle_quota_lot`` reads the exchange's public queries (``exchange.latest_attempt``,
``exchange.find_result``) and moves only when the lot's latest attempt is decided: concluded (result confirmed,
settled or handed over) → the winner's holding receives the amount; unsuccessful or cancelled → the amount
returns to the county's unallocated quota. The worker's ``run_due`` sweeps the listed quota lots and settles each
that is decided (idempotent: a settled quota lot is no longer listed). Every movement is a quota-ledger entry of
kind ``transfer`` and a ledger event, in the caller's transaction; services never commit.

Lock order, as everywhere in the package: the county's balance row, then the quota lot or the holding, then the
parcel's allocation.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.land_quota import boundary, rules, service
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import QuotaAllocation, QuotaBalance, QuotaHolding, QuotaLot
from landbridge.land_quota.rules import EntryKind, Totals
from landbridge.ledger import subjects

LOT_KIND = "construction_quota"
CONCLUDED_PHASES = frozenset({"confirmed", "settled", "handed_over"})
ENDED_PHASES = frozenset({"unsuccessful", "cancelled"})
SWEEP_CHUNK = 200


class LotStatus(StrEnum):
    listed = "listed"
    concluded = "concluded"
    returned = "returned"


def list_quota_lot(session: Session, *, actor: str, county_code: str, year: int, amount_m2: Decimal | str,
                   title: str, start_price: Decimal | str, starts_at: datetime,
                   appraised_value: Decimal | str | None = None, seller_party_id: int | None = None) -> QuotaLot:
    """List ``amount_m2`` of the county's quota for the year on the exchange: the amount is taken from the
    unallocated quota now (``land_quota.over_allocation`` if short), the ``construction_quota`` lot is created and
    published through the exchange's public functions. Returns the quota lot (listed)."""
    amount = rules.area(amount_m2, "amount_m2")
    county, year = rules.county_code(county_code), rules.year(year)
    balance = service._balance(session, county, year)
    before = service._totals(balance)
    after = rules.allocated(before, amount)
    lot = exchange.create_lot(session, actor=actor, kind=LOT_KIND, title=title, region_code=county.ljust(12, "0"),
                              starts_at=starts_at, start_price=start_price, appraised_value=appraised_value,
                              seller_party_id=seller_party_id,
                              description=f"{county} {year} 年度建设用地指标 {amount} 平方米")
    exchange.publish_lot(session, lot_id=lot.id, actor=actor)
    service._set_totals(session, balance, after, QuotaBalance.accepted_m2 >= after.allocated,
                        QuotaError.OVER_ALLOCATION, accepted=str(before.accepted), allocated=str(before.allocated),
                        requested=str(amount))
    quota_lot = QuotaLot(lot_id=lot.id, balance_id=balance.id, county_code=county, year=year, amount_m2=amount,
                         status=LotStatus.listed.value, version=1, created_at=now())
    session.add(quota_lot)
    session.flush()
    entry = service._entry(session, actor=actor, kind=EntryKind.transfer, amount=amount, county_code=county,
                           year=year, event_type="quota_listed", subject=subjects.lot(lot.id), also=(),
                           payload={"lot_id": lot.id, "quota_lot_id": quota_lot.id, "direction": "to_exchange"})
    quota_lot.ledger_seq = entry.ledger_seq
    return quota_lot


def _quota_lot(session: Session, quota_lot_id: int) -> QuotaLot:
    stmt = select(QuotaLot).where(QuotaLot.id == quota_lot_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    found = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if found is None:
        raise QuotaError.QUOTA_LOT_NOT_FOUND.error(quota_lot_id=quota_lot_id)
    return found


def _close(session: Session, quota_lot: QuotaLot, target: LotStatus, buyer: int | None) -> None:
    done = session.execute(
        update(QuotaLot).where(QuotaLot.id == quota_lot.id, QuotaLot.status == LotStatus.listed.value,
                               QuotaLot.version == quota_lot.version)
        .values(status=target.value, buyer_party_id=buyer, version=QuotaLot.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.QUOTA_LOT_CLOSED.error(status=quota_lot.status)
    session.refresh(quota_lot)


def _holding(session: Session, party_id: int, balance: QuotaBalance, *, create: bool = False) -> QuotaHolding:
    stmt = select(QuotaHolding).where(QuotaHolding.party_id == party_id, QuotaHolding.balance_id == balance.id)
    if for_update(session):
        stmt = stmt.with_for_update()
    found = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if found is None and create:
        try:
            with session.begin_nested():
                session.add(QuotaHolding(party_id=party_id, balance_id=balance.id, county_code=balance.county_code,
                                         year=balance.year, received_m2=rules.ZERO, allocated_m2=rules.ZERO,
                                         version=1))
        except IntegrityError:
            pass
        found = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if found is None:
        raise QuotaError.HOLDING_NOT_FOUND.error(party_id=party_id, county_code=balance.county_code,
                                                 year=balance.year)
    return found


def settle_quota_lot(session: Session, quota_lot_id: int, *, actor: str) -> QuotaLot:
    """Follow the exchange's outcome of a listed quota lot (its latest attempt): concluded → the winner's holding
    receives the amount (a ``transfer`` entry naming the buyer); unsuccessful or cancelled → the amount returns to
    the county's unallocated quota (a ``transfer`` entry back). Refused while the lot is undecided
    (``land_quota.lot_not_decided``) or once the quota lot is settled (``land_quota.quota_lot_closed``)."""
    found = session.get(QuotaLot, quota_lot_id)
    if found is None:
        raise QuotaError.QUOTA_LOT_NOT_FOUND.error(quota_lot_id=quota_lot_id)
    balance = service._balance(session, found.county_code, found.year)  # the balance first: one lock order
    quota_lot = _quota_lot(session, quota_lot_id)
    if quota_lot.status != LotStatus.listed:
        raise QuotaError.QUOTA_LOT_CLOSED.error(status=quota_lot.status)
    latest = exchange.latest_attempt(session, quota_lot.lot_id)
    phase = str(latest.phase)
    result = exchange.find_result(session, latest.id)
    amount = quota_lot.amount_m2
    if phase in CONCLUDED_PHASES and result is not None and result.winner_party_id is not None:
        buyer = int(result.winner_party_id)
        holding = _holding(session, buyer, balance, create=True)
        received = holding.received_m2 + amount
        done = session.execute(update(QuotaHolding).where(QuotaHolding.id == holding.id,
                                                          QuotaHolding.version == holding.version)
                               .values(received_m2=received, version=QuotaHolding.version + 1)
                               .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            raise QuotaError.QUOTA_LOT_CLOSED.error(status=quota_lot.status)
        session.refresh(holding)
        _close(session, quota_lot, LotStatus.concluded, buyer)
        service._entry(session, actor=actor, kind=EntryKind.transfer, amount=amount,
                       county_code=quota_lot.county_code, year=quota_lot.year, event_type="quota_transferred",
                       subject=subjects.lot(quota_lot.lot_id), also=(subjects.party(buyer),), buyer_party_id=buyer,
                       payload={"lot_id": quota_lot.lot_id, "quota_lot_id": quota_lot.id, "direction": "to_buyer",
                                "holding_id": holding.id, "price_cny": str(result.price_cny)})
        return quota_lot
    if phase in ENDED_PHASES:
        before = service._totals(balance)
        after = Totals(before.accepted, before.allocated - amount, before.consumed)
        service._set_totals(session, balance, after, QuotaBalance.consumed_m2 <= after.allocated,
                            QuotaError.QUOTA_LOT_CLOSED, status=quota_lot.status)
        _close(session, quota_lot, LotStatus.returned, None)
        service._entry(session, actor=actor, kind=EntryKind.transfer, amount=amount,
                       county_code=quota_lot.county_code, year=quota_lot.year, event_type="quota_returned",
                       subject=subjects.lot(quota_lot.lot_id), also=(),
                       payload={"lot_id": quota_lot.lot_id, "quota_lot_id": quota_lot.id, "direction": "to_county",
                                "phase": phase})
        return quota_lot
    raise QuotaError.LOT_NOT_DECIDED.error(phase=phase)


def run_due(session: Session, *, actor: str = "system:worker") -> int:
    """The worker's sweep: settle every listed quota lot whose exchange lot is decided; how many. Idempotent."""
    done, after = 0, 0
    while True:
        ids = list(session.scalars(select(QuotaLot.id).where(QuotaLot.status == LotStatus.listed.value,
                                                             QuotaLot.id > after)
                                   .order_by(QuotaLot.id).limit(SWEEP_CHUNK)))
        for quota_lot_id in ids:
            try:
                with session.begin_nested():
                    settle_quota_lot(session, quota_lot_id, actor=actor)
                done += 1
            except DomainError as exc:
                if exc.code not in (QuotaError.LOT_NOT_DECIDED.code, QuotaError.QUOTA_LOT_CLOSED.code):
                    raise
        if len(ids) < SWEEP_CHUNK:
            return done
        after = ids[-1]


def allocate_held(session: Session, *, actor: str, party_id: int, county_code: str, year: int, parcel_id: int,
                  amount_m2: Decimal | str) -> QuotaAllocation:
    """A buyer allocates quota it bought (of that county's year) to a destination parcel: a current registry
    parcel of the city. Bought quota lies outside the selling county's supply plan (the plan counts the county's
    own allocations); it is bounded by the holding (``land_quota.over_holding``). The parcel then consumes it like
    any allocation (``service.consume``)."""
    amount = rules.area(amount_m2, "amount_m2")
    county, year = rules.county_code(county_code), rules.year(year)
    try:
        parcel = registry.get_parcel(session, parcel_id)
    except DomainError:
        raise QuotaError.PARCEL_NOT_FOUND.error(parcel_id=parcel_id) from None
    if str(parcel.status) != boundary.CURRENT:
        raise QuotaError.PARCEL_NOT_FOUND.error(parcel_id=parcel_id)
    balance = service._balance(session, county, year)
    holding = _holding(session, party_id, balance)
    if holding.allocated_m2 + amount > holding.received_m2:
        raise QuotaError.OVER_HOLDING.error(received=str(holding.received_m2), allocated=str(holding.allocated_m2),
                                            requested=str(amount))
    allocation = service._allocation(session, parcel_id, year)
    if allocation is not None and allocation.holding_id != holding.id:
        raise QuotaError.ALLOCATION_LINE_MISMATCH.error(parcel_id=parcel_id, year=year)
    new_allocated = holding.allocated_m2 + amount
    done = session.execute(update(QuotaHolding).where(QuotaHolding.id == holding.id,
                                                      QuotaHolding.version == holding.version,
                                                      QuotaHolding.received_m2 >= new_allocated)
                           .values(allocated_m2=new_allocated, version=QuotaHolding.version + 1)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.OVER_HOLDING.error(received=str(holding.received_m2), allocated=str(holding.allocated_m2),
                                            requested=str(amount))
    session.refresh(holding)
    if allocation is None:
        allocation = QuotaAllocation(balance_id=balance.id, county_code=county, year=year, parcel_id=parcel_id,
                                     amount_m2=amount, consumed_m2=rules.ZERO, holding_id=holding.id, version=1,
                                     created_at=now())
        session.add(allocation)
        session.flush()
    else:
        t = QuotaAllocation
        session.execute(update(t).where(t.id == allocation.id).values(amount_m2=allocation.amount_m2 + amount,
                                                                      version=t.version + 1)
                        .execution_options(synchronize_session=False))
        session.refresh(allocation)
    service._entry(session, actor=actor, kind=EntryKind.allocation, amount=amount, county_code=county, year=year,
                   event_type="quota_allocated", subject=subjects.parcel(parcel_id), also=(subjects.party(party_id),),
                   parcel_id=parcel_id, buyer_party_id=party_id,
                   payload={"parcel_id": parcel_id, "allocation_id": allocation.id, "holding_id": holding.id})
    return allocation


def holdings_of(session: Session, party_id: int) -> list[QuotaHolding]:
    """A buyer's holdings, by county and year."""
    return list(session.scalars(select(QuotaHolding).where(QuotaHolding.party_id == party_id)
                                .order_by(QuotaHolding.county_code, QuotaHolding.year)))
