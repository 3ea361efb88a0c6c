"""One village of the demo world (issue #3, stage 3): its households and organisations, the bulk first
registration of its parcels, its collective with roll, shares, meetings and books, then the registry activity on
its rights (transfers, mortgages, seizures, objections, pending applications).

Split out of ``demo/world.py`` (issue #14, no file over 600 lines).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import (
    MemberIn,
    appoint_seat,
    cast_ballot,
    convene_meeting,
    create_collective,
    create_motion,
    enrol_members_bulk,
    open_vote,
    quantify_shares_bulk,
    record_book_entry,
    record_minutes,
    run_dividend,
    seal_vote,
    vote_verdict,
)
from landbridge.collective.models import Member as CollectiveMember
from landbridge.collective.queries import books_of, roster_of
from landbridge.demo.geography import VillageTiling, tile_village
from landbridge.demo.people import Member, make_uscc
from landbridge.demo.world_state import ACTOR, FARMLAND, WorldBuild, demo_short_name
from landbridge.registry.bulk_register import PartyIn, UnitRegistration, bulk_create_parties, bulk_register
from landbridge.registry.models import PartyKind, RightType


def add_years(start: date, years: int) -> date:
    """The same day ``years`` years on (1 March for a 29 February that has none)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return date(start.year + years, 3, 1)


def years_after(start: date, years: int) -> date:
    """The last day of a term of ``years`` years that starts on ``start``."""
    return add_years(start, years) - timedelta(days=1)


def random_date(rng: random.Random, first: date, last: date) -> date:
    """A day drawn uniformly from ``first`` to ``last``."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))



def company_name(rng: random.Random, place: str, k: int, city: str = "鹰潭") -> str:
    """An invented company name of the place, numbered so that names stay unique."""
    trade = rng.choice(["置业", "商贸", "实业", "物流", "铜业", "建材", "电子", "食品", "文旅", "农业科技"])
    return f"{city}{place[:2]}{trade}{'有限公司' if k % 3 else '股份有限公司'}（{k + 1}）"



class VillageBuild:
    """One village's build, in the caller's transaction (stage 3 of the world build)."""

    def __init__(self, session: Session, world: WorldBuild, code: str, parcels: int, index: int) -> None:
        self.session = session
        self.world = world
        self.code = code
        self.n = parcels
        self.index = index
        self.territory = world.geography.villages[code]
        self.county = world.geography.township_of(code).parent or code[:6] + "000000"
        self.rng = random.Random(f"{world.seed}:village:{code}")
        self.first_head: tuple[int, str] | None = None
        world.people.rng = random.Random(f"{world.seed}:people:{code}")

    # --- parties ---------------------------------------------------------------------------------
    def _households(self, count: int) -> list[list[Member]]:
        place = self.county[:6]
        return [self.world.people.household(place) for _ in range(count)]

    def _parties(self, households: list[list[Member]], organisations: list[PartyIn],
                 ) -> tuple[list[int], list[int], list[list[int]]]:
        """Register the organisations and persons, then the households (groups); ids in input order."""
        name = self.territory.name
        persons: list[PartyIn] = []
        for h, members in enumerate(households):
            group_no = h % 12 + 1
            for k, m in enumerate(members):
                persons.append(PartyIn(
                    kind=PartyKind.person.value, name=m.person.name, id_number=m.person.resident_id,
                    phone=f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(10**7, 10**8 - 1)}"
                    if k == 0 else None,
                    address=f"{name}{group_no}组", region_code=self.code))
        ids = bulk_create_parties(self.session, [*organisations, *persons], actor=ACTOR)
        org_ids, person_ids = ids[:len(organisations)], ids[len(organisations):]
        groups: list[PartyIn] = []
        per_household: list[list[int]] = []
        at = 0
        for members in households:
            mine = person_ids[at:at + len(members)]
            at += len(members)
            per_household.append(mine)
            share = Fraction(1, len(members))
            groups.append(PartyIn(kind=PartyKind.group.value, name=f"{members[0].person.name}户", region_code=self.code,
                                  members=[(pid, m.relation, share) for pid, m in zip(mine, members, strict=True)]))
        group_ids = bulk_create_parties(self.session, groups, actor=ACTOR) if groups else []
        if households and self.first_head is None:
            self.first_head = (person_ids[0], households[0][0].person.name)
        report = self.world.report
        report.persons += len(person_ids)
        report.households += len(group_ids)
        report.organisations += len(org_ids)
        return org_ids, group_ids, per_household

    # --- the build -------------------------------------------------------------------------------
    def build(self) -> None:
        world, rules, rng = self.world, self.world.rules, self.rng
        tiling = tile_village(world.geography, self.code, parcels=self.n, seed=world.seed)
        land_use = tiling.land_use.astype(str)
        name = self.territory.name
        urban = self.territory.urban
        if urban:
            residents = float(rules["urban_residents_per_parcel"]) * self.n
            households = []
            count = 0
            while count < residents:
                households.append(self._households(1)[0])
                count += len(households[-1])
            companies = max(1, math.ceil(self.n / float(rules["urban_parcels_per_company"])))
            short = demo_short_name(self.world.profile)
            orgs = [PartyIn(kind=PartyKind.organisation.value, name=company_name(rng, name, k, short),
                            id_number=make_uscc(rng, self.code[:6], "91"), region_code=self.code)
                    for k in range(companies)]
        else:
            homesteads = int((land_use == "0702").sum())
            per_homestead = float(rules["households_per_homestead"])  # every homestead has its household
            households = self._households(max(1, homesteads, round(homesteads * per_homestead)))
            orgs = [PartyIn(kind=PartyKind.organisation.value, name=f"{name}股份经济合作社",
                            id_number=make_uscc(rng, self.code[:6], "93"), region_code=self.code),
                    PartyIn(kind=PartyKind.organisation.value,
                            name=f"{name}{rng.choice(['水稻', '蔬菜', '油茶', '果业', '养殖', '农机'])}专业合作社",
                            id_number=make_uscc(rng, self.code[:6], "93"), region_code=self.code)]
        org_ids, group_ids, person_ids = self._parties(households, orgs)
        rows, plot_ratio = self._rows(tiling, land_use, org_ids, group_ids)
        result = bulk_register(self.session, rows, actor=ACTOR)
        offset = 0 if urban else 1  # the ownership parcel of the village territory comes first
        world.report.parcels += len(result.parcel_ids)
        world.report.rights += len(result.right_ids) + int((land_use == "0702").sum())  # houses: a second right
        world.report.certificates += result.certificate_count
        world.features.add(self.code, self.county, urban, tiling, result.parcel_ids[offset:], plot_ratio)
        if not urban:
            self._collective(org_ids[0], group_ids, person_ids, households)
        self._activity(land_use, result.unit_ids[offset:], result.right_ids[offset:], org_ids, group_ids, person_ids)

    def _rows(self, tiling: VillageTiling, land_use: np.ndarray, org_ids: list[int], group_ids: list[int],
              ) -> tuple[list[UnitRegistration], np.ndarray]:
        rules, rng = self.world.rules, self.rng
        name = self.territory.name
        urban = self.territory.urban
        one = Fraction(1)
        rows: list[UnitRegistration] = []
        if not urban:  # the collective owns the whole village territory (集体土地所有权, layer A)
            values, counts = np.unique(land_use, return_counts=True)
            rows.append(UnitRegistration(
                geometry=self.territory.geometry, region_code=self.code, land_use_class=str(values[np.argmax(counts)]),
                right_type=RightType.collective_land_ownership.value, holders=[(org_ids[0], one)],
                location=f"{name}全域", right_attrs={"owner": f"{name}农民集体"}))
        # Households by hamlet: the homesteads go to the households in order, farmland to a household of its hamlet.
        home_idx = np.flatnonzero(land_use == "0702")
        household_of: dict[int, int] = {}
        by_hamlet: dict[int, list[int]] = {}
        for k, i in enumerate(home_idx.tolist()):
            if k < len(group_ids):
                household_of[i] = group_ids[k]
                by_hamlet.setdefault(int(tiling.hamlet_index[i]), []).append(group_ids[k])
        contract_term = tuple(date.fromisoformat(d) for d in rules["contract_term"])
        forest_term = tuple(date.fromisoformat(d) for d in rules["forest_term"])
        ratio_ranges = rules["plot_ratio"]
        operating = set(rules["operating_land_uses"])
        plot_ratio = np.full(len(tiling), np.nan)
        companies = org_ids if urban else [org_ids[1]]
        for i, geom in enumerate(tiling.geometries):
            use = str(land_use[i])
            hamlet = int(tiling.hamlet_index[i])
            local = by_hamlet.get(hamlet) or group_ids
            location = f"{name}{hamlet % 12 + 1}组" if hamlet >= 0 else f"{name}{rng.randint(1, 40)}号地块"
            if use in ratio_ranges:
                lo, hi = ratio_ranges[use]
                plot_ratio[i] = round(rng.uniform(lo, hi), 2)
            ratio_attr = {} if math.isnan(plot_ratio[i]) else {"plot_ratio": str(plot_ratio[i])}
            base: dict[str, Any] = {"geometry": geom, "region_code": self.code, "land_use_class": use,
                                    "location": location}
            if urban:
                years = int(rules["state_land_years"].get(use, 50))
                start = random_date(rng, date(1995, 1, 1), date(2024, 12, 31))
                household = use == "0701" and group_ids and rng.random() < float(rules["urban_household_lot_share"])
                holder = rng.choice(group_ids) if household else rng.choice(companies)
                rows.append(UnitRegistration(**base, right_type=RightType.state_construction_land_use_right.value,
                                             holders=[(holder, one)], term_start=start,
                                             term_end=years_after(start, years), unit_attrs=ratio_attr))
            elif use == "0702":
                rows.append(UnitRegistration(
                    **base, right_type=RightType.homestead_use_right.value, holders=[(household_of[i], one)],
                    attachment="F", house=True,
                    unit_attrs={"floors": rng.choice([1, 2, 2, 3]), "building_area_m2": str(rng.randint(90, 260)),
                                "completed": rng.randint(1982, 2023)}))
            elif use in FARMLAND:
                rows.append(UnitRegistration(
                    **base, right_type=RightType.land_contract_right.value, holders=[(rng.choice(local), one)],
                    term_start=contract_term[0], term_end=contract_term[1]))
            elif use == "0301":
                collective = rng.random() < float(rules["forest_collective_share"])
                holder = org_ids[0] if collective else rng.choice(local)
                rows.append(UnitRegistration(
                    **base, right_type=RightType.forest_right.value, holders=[(holder, one)], attachment="L",
                    term_start=forest_term[0], term_end=forest_term[1],
                    right_attrs={"species": rng.choice(["杉木", "马尾松", "毛竹", "油茶", "湿地松"])}))
            else:  # collective construction land; operating land may enter the market (入市)
                years = int(rules["collective_construction_years"].get(use, 50))
                start = random_date(rng, date(2010, 1, 1), date(2024, 12, 31))
                rows.append(UnitRegistration(
                    **base, right_type=RightType.collective_construction_land_use_right.value,
                    holders=[(org_ids[0], one)], term_start=start, term_end=years_after(start, years),
                    unit_attrs={**ratio_attr, "operating": use in operating}))
        return rows, plot_ratio

    def _collective(self, collective_party: int, group_ids: list[int], person_ids: list[list[int]],
                    households: list[list[Member]]) -> None:
        """The collective, its roll (every household member) and its share quantification (C1, C2)."""
        world, rules = self.world, self.world.rules
        admitted = date.fromisoformat(str(rules["member_admitted_on"]))
        organisation = world.institutions.clerk_organisation_id if self.code in world.clerk_villages else None
        collective = create_collective(self.session, party_id=collective_party, region_code=self.code,
                                       name=f"{self.territory.name}股份经济合作社", organisation_id=organisation,
                                       actor=ACTOR)
        members: list[MemberIn] = []
        for group, persons, people in zip(group_ids, person_ids, households, strict=True):
            for pid, member in zip(persons, people, strict=True):
                born = member.person.birth_date
                later = born > admitted
                members.append(MemberIn(party_id=pid, household_party_id=group,
                                        admitted_on=born if later else admitted,
                                        ground="birth" if later else "original"))
        if not members:
            return
        world.report.members += enrol_members_bulk(self.session, collective_party_id=collective_party, members=members,
                                                   as_of=admitted, actor=ACTOR,
                                                   resolution_ref=f"{self.territory.name}成员大会决议（2018）")
        lo, hi = rules["collective_assets_cny"]
        value = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        quantify_shares_bulk(self.session, collective_party_id=collective_party, actor=ACTOR,
                             base_date=date.fromisoformat(str(rules["share_base_date"])),
                             asset_value=Decimal(round(value, -3)).quantize(Decimal("0.01")),
                             resolution_ref=f"{self.territory.name}成员大会折股量化决议（2019）")
        if self.code in world.clerk_villages or self.index < int(rules["meeting_villages"]):
            self._meetings(collective.id, [persons[0] for persons in person_ids])

    def _meetings(self, collective_id: int, heads: list[int]) -> None:
        """Seats on the three bodies (三会), a past representatives' vote with minutes, an upcoming meeting (L3)."""
        s, rng, rules = self.session, self.rng, self.world.rules
        seats = {int(p): int(m) for m, p in s.execute(select(CollectiveMember.id, CollectiveMember.party_id).where(
            CollectiveMember.collective_id == collective_id, CollectiveMember.party_id.in_(heads)))}
        members = [seats[p] for p in heads if p in seats]
        sizes = rules["body_seats"]
        started = date(2021, 1, 15)
        at = 0
        for body in ("representatives_assembly", "board", "supervisory_board"):
            for k, member in enumerate(members[at:at + int(sizes[body])]):
                appoint_seat(s, collective_id=collective_id, member_id=member, body=body, started_on=started,
                             role="chair" if k == 0 and body != "representatives_assembly" else "member",
                             actor=ACTOR)
            at += int(sizes[body])
        name = self.territory.name
        year = self.world.today.year - 1
        meeting = convene_meeting(s, collective_id=collective_id, body="representatives_assembly",
                                  title=f"{name}股份经济合作社{year}年度成员代表大会",
                                  scheduled_at=datetime(year, 12, 20, 1, 30, tzinfo=UTC), location=f"{name}村委会议室",
                                  actor=ACTOR)
        lo, hi = rules["collective_rental_income_cny"]
        income = Decimal(rng.randrange(int(lo), int(hi), 1_000))
        share = Decimal(str(rules["dividend_share_of_income"]))
        motion = create_motion(s, meeting_id=meeting.id, title=f"{year}年度集体收益分配方案",
                               text=f"{year}年度集体资产租赁收入 {income} 元，其中 {share:.0%} 按股分红，"
                                    "其余提取公积公益金和福利费。",
                               kind="revenue_distribution", actor=ACTOR)
        open_vote(s, motion_id=motion.id, actor=ACTOR)
        for entry in roster_of(s, motion.id):
            cast_ballot(s, motion_id=motion.id, member_id=entry.member_id, channel="in_person", actor=ACTOR,
                        choice=rng.choices(["yes", "no", "abstain"], weights=[85, 8, 7])[0])
        seal_vote(s, motion_id=motion.id, actor=ACTOR)
        book = next(b for b in books_of(s, collective_id) if b.owner == "collective")
        record_book_entry(s, book_id=book.id, direction="income", amount=income, category="operating_income",
                          memo=f"{year}年度集体资产（厂房、门面、山林）租赁收入", occurred_on=date(year, 12, 1),
                          actor=ACTOR)
        if vote_verdict(s, motion.id, motion.threshold).passed:  # the distribution needs the passed motion
            run_dividend(s, collective_id=collective_id, period=f"{year}年度", actor=ACTOR, motion_id=motion.id,
                         amount=(income * share).quantize(Decimal("0.01")))
        record_minutes(s, meeting_id=meeting.id, actor=ACTOR,
                       minutes=f"应到代表 {sizes['representatives_assembly']} 人，会议由理事长主持，"
                               f"审议并表决《{year}年度集体收益分配方案》，表决结果以系统封存为准。")
        upcoming = self.world.today + timedelta(days=20)
        nxt = convene_meeting(s, collective_id=collective_id, body="members_assembly",
                              title=f"{name}股份经济合作社成员大会（集体经营性建设用地入市）",
                              scheduled_at=datetime(upcoming.year, upcoming.month, upcoming.day, 1, 30, tzinfo=UTC),
                              location=f"{name}文化礼堂", actor=ACTOR)
        create_motion(s, meeting_id=nxt.id, title="同意本村集体经营性建设用地使用权公开出让",
                      text=f"拟将本村一宗集体经营性建设用地使用权通过{self.world.profile.name}农村产权交易中心"
                           "公开出让，期限 40 年。",
                      kind="market_entry_consent", actor=ACTOR)

    def _activity(self, land_use: np.ndarray, unit_ids: list[int], right_ids: list[int], org_ids: list[int],
                  group_ids: list[int], person_ids: list[list[int]]) -> None:
        """Rights and restrictions one by one through the registry services (R2, R3)."""
        world, rules, rng, s = self.world, self.world.rules, self.rng, self.session
        report = world.report
        urban = self.territory.urban
        contract = [k for k in range(len(unit_ids)) if land_use[k] in FARMLAND]
        homes = [k for k in range(len(unit_ids)) if land_use[k] == "0702"]
        works = [k for k in range(len(unit_ids)) if land_use[k] in ("0501", "0601")]
        if not urban:
            for k in rng.sample(contract, min(len(contract), int(rules["management_rights_per_village"]))):
                start = random_date(rng, date(2019, 1, 1), date(2025, 6, 30))
                app = registry.lodge_right_on_unit(
                    s, actor=ACTOR, unit_id=unit_ids[k], right_type=RightType.land_management_right.value,
                    holders=[(org_ids[1], 1)], term_start=start, term_end=add_years(start, rng.choice([5, 10, 15])),
                    predecessor_id=right_ids[k], attrs={"rent_cny_per_mu_year": str(rng.randrange(300, 900, 50))})
                registry.approve_application(s, application_id=app.id, actor=ACTOR)
                report.rights += 1
        targets = works + homes
        mortgaged = rng.sample(targets, min(len(targets), int(rules["mortgages_per_village"])))
        for n, k in enumerate(mortgaged):
            for _ in range(2 if n == 0 else 1):  # the first is mortgaged twice: ranks 1 and 2
                app = registry.lodge_mortgage(s, actor=ACTOR, unit_id=unit_ids[k],
                                              mortgagee_party_id=rng.choice(world.institutions.banks),
                                              secured_amount=Decimal(rng.randrange(50_000, 3_000_000, 10_000)),
                                              no_transfer_agreement=rng.random() < 0.3)
                registry.approve_application(s, application_id=app.id, actor=ACTOR)
                report.restrictions += 1
        free = [k for k in homes + works if k not in mortgaged]
        court = world.institutions.courts.get(self.code[:6])
        if free and court is not None and rng.random() < float(rules["seizure_share"]):
            k = free.pop(rng.randrange(len(free)))
            app = registry.lodge_seizure(s, actor=ACTOR, unit_id=unit_ids[k], court_party_id=court,
                                         document_no=f"(2026)赣{self.code[2:6]}执{rng.randint(100, 999)}号")
            registry.approve_application(s, application_id=app.id, actor=ACTOR)
            report.restrictions += 1
        if free and person_ids and rng.random() < float(rules["objection_share"]):
            k = free.pop(rng.randrange(len(free)))
            objector = rng.choice(person_ids)[0]
            app = registry.lodge_objection(s, actor=ACTOR, unit_id=unit_ids[k], objector_party_id=objector,
                                           reason="主张该宗地四至有误，与本户宅基地重叠")
            registry.approve_application(s, application_id=app.id, actor=ACTOR)
            report.restrictions += 1
        if self.index < int(rules["pending_villages"]):  # work for the registrar's queue
            unmortgaged = [k for k in contract if k not in mortgaged]
            if unmortgaged and len(group_ids) > 1:
                registry.lodge_transfer(s, actor=ACTOR, unit_id=unit_ids[rng.choice(unmortgaged)],
                                        holders=[(rng.choice(group_ids), 1)], reason="集体经济组织内部互换承包地")
                report.pending_applications += 1
            if free:
                registry.lodge_mortgage(s, actor=ACTOR, unit_id=unit_ids[free[0]],
                                        mortgagee_party_id=world.institutions.banks[0],
                                        secured_amount=Decimal(rng.randrange(100_000, 1_000_000, 10_000)))
                report.pending_applications += 1

