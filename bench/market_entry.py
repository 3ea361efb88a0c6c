"""Market entry (集体经营性建设用地入市, issue #15): n cases driven through every step of the case.

Set-up (timed apart): collectives of 3 households × 2 members with quantified shares, ``--per-collective`` units
each (default 20), every unit the collective's registered construction land use right in one approved industrial
planning zone, and a pool of bidders. Then the n cases move step by step, all cases through one step before
the next, each case-step in its own transaction as the API would run it: open, planning conditions, plan,
affairs council, the members' vote (convene, table, open, one ballot per member, seal: each its own
transaction), record the vote, file with the county, clear after the objection window (the frozen clock moves
10 days), list on the exchange, two bidders apply and pay deposits, bid, the listings end (the exchange's
deadline job until nothing is due), award, result, contract, the balance paid into the settlement
sub-account, payment, fees, revenue distribution, registration lodged, the registry approves, in use.

Prints one JSON line: mean seconds per case for each step (the step's wall time over n), the step totals,
set-up and end-to-end time, cases completed (in use, checked in the database), peak RSS.

    python bench/market_entry.py --n 1000 --database postgresql://postgres@127.0.0.1:55441/landbridge_bench
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import fresh_database, parser, peak_rss_mb

CLERK = "user:9:bench-clerk"
NR = "user:3:bench-nr"
OPERATOR = "user:7:bench-exchange"
REGISTRAR = "user:1:bench-registrar"
BANK = "bank:callback"
VILLAGE = "360603101001"  # 锦江村
TOWNSHIP = "360603101000"  # 锦江镇, 余江区
PLAN = "鹰潭市国土空间总体规划(2021-2035年)"
ORIGIN = (116.90, 28.20)
DEG_PER_M = 1 / 111_000
LON_DEG_PER_M = DEG_PER_M / math.cos(math.radians(ORIGIN[1]))
COLS = 40  # units per row of the 100 m grid
HOUSEHOLDS, PER_HOUSEHOLD = 3, 2
BIDDERS = 40
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def resident_id(i: int) -> str:
    """A valid, unique resident ID number (余江) for person ``i`` (< 999 per birth date)."""
    from stdnum.cn import ric

    born = date(1960, 1, 1) + timedelta(days=i // 999)
    body = f"360622{born:%Y%m%d}{i % 999 + 1:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def uscc(prefix: str, i: int) -> str:
    from stdnum.cn import uscc as check

    body = f"{prefix}360603MA{i:07d}"
    return body + str(check.calc_check_digit(body + "0"))


def rect(x_m: float, y_m: float, w_m: float, h_m: float) -> Any:
    from shapely.geometry import Polygon

    x0, y0 = ORIGIN[0] + x_m * LON_DEG_PER_M, ORIGIN[1] + y_m * DEG_PER_M
    x1, y1 = x0 + w_m * LON_DEG_PER_M, y0 + h_m * DEG_PER_M
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def cell(k: int) -> Any:
    """Unit ``k``'s 20 m square in the 100 m grid."""
    return rect((k % COLS) * 100, (k // COLS) * 100, 20, 20)


def build_collective(s: Any, c: int, units: range) -> tuple[int, int, list[int], list[int]]:
    """A collective with quantified shares and a registered construction land use right on each of ``units``;
    returns (collective id, collective party id, member ids, unit ids)."""
    from sqlalchemy import select

    from landbridge import collective, registry
    from landbridge.collective import MemberIn
    from landbridge.collective.models import Member

    party = registry.create_party(s, kind="organisation", name=f"基准村{c}股份经济合作社", id_number=uscc("93", c),
                                  region_code=VILLAGE, actor=CLERK).id
    committee = registry.create_party(s, kind="organisation", name=f"基准村{c}村民委员会", id_number=uscc("54", c),
                                      region_code=VILLAGE, actor=CLERK).id
    coll = collective.create_collective(s, party_id=party, region_code=VILLAGE, name=f"基准村{c}股份经济合作社",
                                        village_committee_party_id=committee, actor=CLERK).id
    rows = []
    for h in range(HOUSEHOLDS):
        persons = [registry.create_party(s, kind="person", name=f"村民{c}-{h}-{k}",
                                         id_number=resident_id((c * HOUSEHOLDS + h) * PER_HOUSEHOLD + k),
                                         actor=CLERK).id for k in range(PER_HOUSEHOLD)]
        household = registry.create_party(s, kind="group", name=f"户{c}-{h}",
                                          members=[(p, "成员", f"1/{PER_HOUSEHOLD}") for p in persons],
                                          actor=CLERK).id
        rows += [MemberIn(party_id=p, household_party_id=household, admitted_on=date(1990, 1, 1)) for p in persons]
    collective.enrol_members_bulk(s, collective_party_id=party, members=rows, as_of=date(2019, 6, 30), actor=CLERK,
                                  resolution_ref="2019年成员大会决议")
    members = list(s.execute(select(Member.id).where(Member.collective_id == coll).order_by(Member.id)).scalars())
    collective.record_asset(s, collective_id=coll, name="村集体厂房", category="building", value="600000.00",
                            acquired_on=date(2015, 5, 1), from_fiscal_funds=True,
                            fund_source="2015年财政衔接推进乡村振兴补助资金", actor=CLERK)
    collective.quantify_shares(s, collective_id=coll, base_date=date(2019, 12, 31), actor=CLERK,
                               resolution_ref="2019年第2次成员大会决议")
    unit_ids = []
    for k in units:
        app = registry.lodge_first_registration(
            s, actor=CLERK, region_code=VILLAGE, geometry=cell(k), land_use_class="0601", location=f"锦江村{k}号地块",
            right_type="collective_construction_land_use_right", holders=[(party, "1")], attachment="W",
            term_start=date(2020, 1, 1), term_end=date(2070, 1, 1))
        registry.approve_application(s, application_id=app.id, actor=CLERK)
        unit_ids.append(int(app.payload["unit_id"]))
    return coll, party, members, unit_ids


def main() -> None:
    p = parser("market entry: n cases through every step")
    p.set_defaults(n=1000)
    p.add_argument("--per-collective", type=int, default=20, help="units (cases) per collective")
    args = p.parse_args()
    n = args.n
    url = args.database or f"sqlite:////tmp/landbridge_bench_market_entry_{n}.db"
    t_all = time.perf_counter()
    db = fresh_database(url)

    from sqlalchemy import func, select

    from landbridge import collective, exchange, planning, registry
    from landbridge.db import set_database
    from landbridge.exchange.models import Deposit
    from landbridge.kernel.clock import Clock, now, set_clock
    from landbridge.market_entry import deal, service
    from landbridge.market_entry.models import EntryCase
    from landbridge.planning import ZoneIn

    set_database(db)
    clock = Clock(START, speed=0)
    set_clock(clock)
    rng = random.Random(args.seed)
    migrate_s = time.perf_counter() - t_all

    # --- set-up ---------------------------------------------------------------------------------
    t0 = time.perf_counter()
    rows = math.ceil(n / COLS)
    with db.transaction() as s:
        z = planning.create_zone(s, ZoneIn(code="Z-BENCH-1", zone_kind="industrial", region_code=TOWNSHIP,
                                           geometry=rect(-50, -50, COLS * 100, rows * 100),
                                           effective_from=date(2021, 1, 1)), actor=NR, plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
        bidders: dict[int, str] = {}
        for i in range(BIDDERS):
            name = f"竞买企业{i}"
            bidders[registry.create_party(s, kind="person", name=name, id_number=resident_id(900_000 + i),
                                          actor=OPERATOR).id] = name
    cases: list[dict[str, Any]] = []
    per = args.per_collective
    for c in range(math.ceil(n / per)):
        with db.transaction() as s:
            coll, _party, members, units = build_collective(s, c, range(c * per, min(n, (c + 1) * per)))
        cases += [{"collective": coll, "members": members, "unit": u} for u in units]
    setup_s = time.perf_counter() - t0
    print(f"set-up: {setup_s:.1f} s", file=sys.stderr, flush=True)

    # --- the steps --------------------------------------------------------------------------------
    totals: dict[str, float] = {}

    def step(name: str, fn: Callable[[Any, dict[str, Any]], None]) -> None:
        t = time.perf_counter()
        for case in cases:
            with db.transaction() as s:
                fn(s, case)
        totals[name] = totals.get(name, 0.0) + time.perf_counter() - t
        progress(name)

    def progress(name: str) -> None:  # a partial run still tells its figures
        print(f"{name}: {totals[name]:.2f} s, {totals[name] / n:.4f} s per case", file=sys.stderr, flush=True)

    def timed(name: str, fn: Callable[[], None]) -> None:
        t = time.perf_counter()
        fn()
        totals[name] = totals.get(name, 0.0) + time.perf_counter() - t
        progress(name)

    def open_case(s: Any, c: dict[str, Any]) -> None:
        case = service.open_case(s, collective_id=c["collective"], unit_id=c["unit"], actor=CLERK)
        c["id"], c["number"] = case.id, case.number

    def issue(s: Any, c: dict[str, Any]) -> None:
        case = service.issue_conditions(s, case_id=c["id"], land_use="0601", indicators={"max_plot_ratio": "1.2"},
                                        industry_requirements="农产品加工，无重污染", environment_requirements="环评备案",
                                        actor=NR)
        assert case.conditions is not None
        c["conditions"] = case.conditions["number"]

    def draft(s: Any, c: dict[str, Any]) -> None:
        service.draft_plan(s, case_id=c["id"], actor=CLERK, plan={
            "boundary": "东至村道，南至河，西至林地，北至厂房", "area_m2": "400.00", "land_use": "0601",
            "conditions": c["conditions"], "industry_requirements": "农产品加工，无重污染",
            "environment_requirements": "环评备案，雨污分流", "term_years": 50, "method": "grant",
            "transaction_method": "listing", "floor_price": "70000.00",
            "revenue_arrangement": {"retained_share": "0.30"}})

    def council(s: Any, c: dict[str, Any]) -> None:
        service.consult_council(s, case_id=c["id"], held_at=now(), attendees=7, opinion="理事会同意提交成员大会表决",
                                actor=CLERK)

    def convene(s: Any, c: dict[str, Any]) -> None:
        meeting = collective.convene_meeting(s, collective_id=c["collective"], body="members_assembly",
                                             title="成员大会", scheduled_at=now() + timedelta(hours=1), actor=CLERK)
        c["motion"] = collective.create_motion(s, meeting_id=meeting.id, title=f"{c['number']} 入市方案表决", text="",
                                               kind="market_entry_consent", subject_ref=c["number"], actor=CLERK).id

    def open_vote(s: Any, c: dict[str, Any]) -> None:
        collective.open_vote(s, motion_id=c["motion"], actor=CLERK)

    def ballots() -> None:
        for c in cases:
            for m in c["members"]:
                with db.transaction() as s:
                    collective.cast_ballot(s, motion_id=c["motion"], member_id=m, choice="yes", channel="in_person",
                                           actor=CLERK)

    def seal(s: Any, c: dict[str, Any]) -> None:
        collective.seal_vote(s, motion_id=c["motion"], actor=CLERK)

    def record_vote(s: Any, c: dict[str, Any]) -> None:
        service.record_vote(s, case_id=c["id"], motion_id=c["motion"], actor=CLERK)

    def file(s: Any, c: dict[str, Any]) -> None:
        service.file_with_county(s, case_id=c["id"], transaction_on=(now() + timedelta(days=30)).date(), actor=CLERK)

    def clear(s: Any, c: dict[str, Any]) -> None:
        service.clear(s, case_id=c["id"], actor=NR)

    def list_lot(s: Any, c: dict[str, Any]) -> None:
        case = service.list_on_exchange(s, case_id=c["id"], start_price="100000.00", appraised_value="100000.00",
                                        appraisal_ref="估价报告 2026-001", starts_at=now() + timedelta(days=21),
                                        actor=OPERATOR)
        c["lot"] = case.lot_id
        c["bidders"] = rng.sample(sorted(bidders), 2)

    def apply(s: Any, c: dict[str, Any]) -> None:
        c["registered"] = []
        for party in c["bidders"]:  # one application each, then the bank's deposit callback
            c["registered"].append(exchange.apply_for_lot(s, lot_id=c["lot"], party_id=party,
                                                          actor=f"party:{party}").id)

    def deposits() -> None:
        for c in cases:
            for party, bidder in zip(c["bidders"], c["registered"], strict=True):
                with db.transaction() as s:
                    d = s.execute(select(Deposit).where(Deposit.bidder_id == bidder)).scalar_one()
                    exchange.confirm_deposit(s, sub_account=d.sub_account, amount=d.amount_cny,
                                             payer_name=bidders[party], bank_ref=f"BANK-{d.sub_account}", actor=BANK)

    def bids() -> None:
        for c in cases:
            for i, (party, bidder) in enumerate(zip(c["bidders"], c["registered"], strict=True)):
                with db.transaction() as s:
                    assert exchange.place_bid(s, lot_id=c["lot"], bidder_id=bidder, amount=str(100000 + 1000 * i),
                                              idempotency_key=f"k{bidder}", actor=f"party:{party}").accepted

    def run_due() -> None:
        while True:
            with db.transaction() as s:
                if not exchange.run_due(s):
                    break

    def award(s: Any, c: dict[str, Any]) -> None:
        exchange.confirm_award(s, lot_id=c["lot"], actor=OPERATOR)

    def confirm(s: Any, c: dict[str, Any]) -> None:
        deal.confirm_result(s, case_id=c["id"], actor=OPERATOR)

    def sign(s: Any, c: dict[str, Any]) -> None:
        deal.sign_contract(s, case_id=c["id"], actor=CLERK)

    def pay_balance(s: Any, c: dict[str, Any]) -> None:
        row = exchange.get_settlement(s, c["lot"])
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=bidders[row.party_id], bank_ref=f"BANK-{row.sub_account}", actor=BANK)

    def payment(s: Any, c: dict[str, Any]) -> None:
        deal.record_payment(s, case_id=c["id"], actor=OPERATOR)

    def fees(s: Any, c: dict[str, Any]) -> None:
        deal.settle_fees(s, case_id=c["id"], actor=OPERATOR)

    def revenue(s: Any, c: dict[str, Any]) -> None:
        deal.distribute_revenue(s, case_id=c["id"], actor=CLERK)

    def lodge(s: Any, c: dict[str, Any]) -> None:
        case = deal.register(s, case_id=c["id"], actor=OPERATOR)
        assert case.registry_application_id is not None
        c["application"] = case.registry_application_id

    def approve(s: Any, c: dict[str, Any]) -> None:
        registry.approve_application(s, application_id=c["application"], actor=REGISTRAR)

    def in_use(s: Any, c: dict[str, Any]) -> None:
        deal.put_in_use(s, case_id=c["id"], actor=REGISTRAR)

    t1 = time.perf_counter()
    step("open_case", open_case)
    step("issue_conditions", issue)
    step("draft_plan", draft)
    step("consult_council", council)
    step("vote: convene + table motion", convene)
    step("vote: open", open_vote)
    timed(f"vote: {HOUSEHOLDS * PER_HOUSEHOLD} ballots", ballots)
    step("vote: seal", seal)
    step("record_vote", record_vote)
    step("file_with_county", file)
    clock.advance(timedelta(days=10))  # past the objection window
    step("clear", clear)
    step("list_on_exchange", list_lot)
    step("exchange: 2 applications", apply)
    timed("exchange: 2 deposits", deposits)
    clock.advance(timedelta(days=21))  # the listing period opens
    timed("exchange: 2 bids", bids)
    with db.transaction() as s:
        ends = max(exchange.get_lot(s, c["lot"]).ends_at for c in cases)
    clock.set(ends + timedelta(seconds=301))
    timed("exchange: deadline job (listing ends)", run_due)
    step("exchange: confirm_award", award)
    step("confirm_result", confirm)
    step("sign_contract", sign)
    step("exchange: pay balance", pay_balance)
    step("record_payment", payment)
    step("settle_fees", fees)
    step("distribute_revenue", revenue)
    step("register", lodge)
    step("registry: approve", approve)
    step("put_in_use", in_use)
    steps_s = time.perf_counter() - t1

    with db.transaction(readonly=True) as s:
        done = int(s.scalar(select(func.count()).select_from(EntryCase).where(EntryCase.status == "in_use")) or 0)
    print(json.dumps({
        "bench": "market_entry", "dialect": "sqlite" if url.startswith("sqlite") else "postgresql", "n": n,
        "collectives": math.ceil(n / per), "members_per_collective": HOUSEHOLDS * PER_HOUSEHOLD,
        "cases_completed": done, "per_case_s": {k: round(v / n, 4) for k, v in totals.items()},
        "step_total_s": {k: round(v, 2) for k, v in totals.items()},
        "migrate_s": round(migrate_s, 1), "setup_s": round(setup_s, 1), "steps_s": round(steps_s, 1),
        "per_case_end_to_end_s": round(steps_s / n, 3), "wall_s": round(time.perf_counter() - t_all, 1),
        "peak_rss_mb": peak_rss_mb(), "at": datetime.now(UTC).isoformat()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
