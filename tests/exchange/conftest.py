"""Exchange test helpers: a seller's land contract right on a registered unit, bidders with valid IDs,
and lots published, opened and paid for through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from landbridge import collective, exchange, registry
from landbridge.collective.models import Collective
from landbridge.db import Database
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.kernel.clock import Clock, now
from tests.collective.conftest import make_uscc
from tests.registry.conftest import VILLAGE, org_uscc, register, resident_id, square

OPERATOR = "user:7:exchange"


def put_on_roll(s: Session, party_id: int, *, region: str = VILLAGE, since: date = date(2010, 1, 1)) -> int:
    """Enrol a person on the roll of the collective of ``region`` (made on first use): what a member's
    pre-emption rests on (collective.member_of_village); returns the member id."""
    found = s.query(Collective).filter(Collective.region_code == region).first()
    if found is None:
        party = registry.create_party(s, kind="organisation", name=f"{region}股份经济合作社",
                                      id_number=make_uscc("93", int(region[-6:])), region_code=region, actor=OPERATOR)
        found = collective.create_collective(s, party_id=party.id, region_code=region,
                                             name=f"{region}股份经济合作社", actor=OPERATOR)
    return collective.admit_member(s, collective_id=found.id, party_id=party_id, ground="original",
                                   admitted_on=since, actor=OPERATOR).id


@dataclass
class World:
    seller: int
    unit: int
    right: int
    bidders: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def build_world(s: Session, *, n_bidders: int = 4, col: int = 0) -> World:
    """A seller holding a land contract right and ``n_bidders`` people who may bid."""
    seller = registry.create_party(s, kind="person", name=f"出让人{col}", id_number=resident_id(500 + col),
                                   actor=OPERATOR).id
    unit = register(s, square(col), [(seller, "1")], right_type="land_contract_right")
    right = registry.current_rights(s, unit)[0].id
    world = World(seller, unit, right)
    for i in range(n_bidders):
        name = f"竞买人{col}-{i}"
        pid = registry.create_party(s, kind="person", name=name, id_number=resident_id(600 + col * 50 + i),
                                    actor=OPERATOR).id
        world.bidders.append(pid)
        world.names[pid] = name
    world.names[seller] = f"出让人{col}"
    return world


def company(s: Session, n: int) -> int:
    return registry.create_party(s, kind="organisation", name=f"测试公司{n}", id_number=org_uscc(800 + n),
                                 actor=OPERATOR).id


def start_in(days: int = 8) -> datetime:
    return now() + timedelta(days=days)


def new_lot(s: Session, w: World, *, kind: str = "land_management_right", start_price: str = "100000.00",
            increment: str | None = "1000.00", publish: bool = True, **kw: object) -> Lot:
    """A lot on the world's unit (land management right: the term of the new right is set)."""
    args: dict[str, object] = {"unit_id": w.unit, "right_id": w.right}
    if kind == "land_management_right":
        args.update(term_start=datetime(2026, 6, 1).date(), term_end=datetime(2036, 5, 31).date())
    args.update(kw)
    lot = exchange.create_lot(s, actor=OPERATOR, kind=kind, title="范家村 20 亩耕地经营权", region_code=VILLAGE,
                              starts_at=args.pop("starts_at", start_in()),  # type: ignore[arg-type]
                              start_price=start_price, increment=increment, seller_party_id=w.seller,
                              **args)  # type: ignore[arg-type]
    if publish:
        exchange.publish_lot(s, lot_id=lot.id, actor=OPERATOR)
    return lot


def pay(s: Session, bidder: Bidder, name: str, *, ref: str | None = None) -> Deposit:
    deposit = s.query(Deposit).filter(Deposit.bidder_id == bidder.id).one()
    return exchange.confirm_deposit(s, sub_account=deposit.sub_account, amount=deposit.amount_cny, payer_name=name,
                                    bank_ref=ref or f"BANK-{deposit.sub_account}", actor="bank:callback")


def enrol(s: Session, lot: Lot, w: World, party: int, *, paid: bool = True) -> Bidder:
    bidder = exchange.apply_for_lot(s, lot_id=lot.id, party_id=party, actor=f"party:{party}")
    if paid:
        pay(s, bidder, w.names[party])
    return bidder


def bid(s: Session, lot: Lot, bidder: Bidder, amount: str | Decimal, key: str | None = None,
        ) -> exchange.BidOutcome:
    return exchange.place_bid(s, lot_id=lot.id, bidder_id=bidder.id, amount=amount,
                              idempotency_key=key or f"k-{bidder.id}-{amount}", actor=f"party:{bidder.party_id}")


def to(clock: Clock, when: datetime | None, plus: timedelta = timedelta(0)) -> None:
    assert when is not None
    clock.set(when + plus)


@pytest.fixture
def world(db: Database, clock: Clock) -> World:
    with db.transaction() as s:
        return build_world(s)
