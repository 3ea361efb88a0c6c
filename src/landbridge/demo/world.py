"""The small Yingtan demo world for ``landbridge demo`` (issue #2: a few villages).

Every record is written through the modules' public service functions, so every rule is checked
and every change is in the ledger: parties (households with valid resident IDs, collectives and
companies with valid USCCs), first registrations of homesteads with houses (房地一体), contracted
farmland, forest and collective construction land, land management rights derived from contract
rights, mortgages, a seizure, an objection, and applications left in the registrar's queue.
Deterministic for a seed. The full-scale city is a later issue.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from shapely.geometry import box
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import create_demo_accounts
from landbridge.cityprofile import CityProfile, Region
from landbridge.db import Database
from landbridge.demo.parcels import generate_parcels
from landbridge.demo.people import make_person, make_uscc
from landbridge.registry.models import PartyKind, RightType

ACTOR = "system:demo"
# Rough county anchors (lon, lat) inside the real city; village territories are laid out around them.
COUNTY_ANCHORS = {"360602": (117.02, 28.18), "360603": (116.80, 28.12), "360681": (117.20, 28.20)}
VILLAGE_W, VILLAGE_H = 0.016, 0.013  # degrees: about 1.6 km x 1.4 km
# (land-use class GB/T 21010, right type, attachment, weight)
LAND_MIX: tuple[tuple[str, RightType, str, int], ...] = (
    ("0702", RightType.homestead_use_right, "F", 40),
    ("0101", RightType.land_contract_right, "W", 22),
    ("0103", RightType.land_contract_right, "W", 8),
    ("0301", RightType.forest_right, "L", 18),
    ("0601", RightType.collective_construction_land_use_right, "W", 7),
    ("0501", RightType.collective_construction_land_use_right, "W", 5),
)
# The villages of the small world (issue #2): a fixed set, so that a profile listing every village of the city
# does not turn `make demo` into a city-scale build through the row-by-row services.
SMALL_WORLD_VILLAGES = ("360603101001", "360603101002", "360603101003", "360603102001", "360603102002",
                        "360603200001", "360603200002", "360602100001", "360602100002", "360681100001",
                        "360681100002", "360681111001", "360681111002")
SECOND_ROUND_CONTRACT = (date(1998, 1, 1), date(2057, 12, 31))  # extended by 30 years (承包期再延长三十年)

Progress = Callable[[str, int, int], None]


@dataclass
class WorldReport:
    villages: int = 0
    parties: int = 0
    parcels: int = 0
    rights: int = 0
    restrictions: int = 0
    pending_applications: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Household:
    group_id: int
    head_id: int
    spouse_id: int | None


def village_territory(village: Region, index_in_county: int) -> tuple[float, float, float, float]:
    """A village's territory box: laid out on a grid around its county's anchor."""
    ax, ay = COUNTY_ANCHORS.get(village.county_code, (117.0, 28.2))
    col, row = index_in_county % 4, index_in_county // 4
    minx = ax + col * (VILLAGE_W + 0.004)
    miny = ay + row * (VILLAGE_H + 0.004)
    return (round(minx, 6), round(miny, 6), round(minx + VILLAGE_W, 6), round(miny + VILLAGE_H, 6))


def _households(session: Session, rng: random.Random, village: Region, count: int, birth_place: str,
                ) -> list[Household]:
    households = []
    for _ in range(count):
        head = make_person(rng, birth_place, min_age=30, max_age=75, male=True)
        spouse = make_person(rng, birth_place, min_age=28, max_age=72, male=False)
        head_p = registry.create_party(session, kind=PartyKind.person, name=head.name, id_number=head.resident_id,
                                       region_code=village.code, phone=f"139{rng.randint(10**7, 10**8 - 1)}",
                                       address=f"{village.name}{rng.randint(1, 30)}组", actor=ACTOR)
        spouse_p = registry.create_party(session, kind=PartyKind.person, name=spouse.name,
                                         id_number=spouse.resident_id, region_code=village.code, actor=ACTOR)
        members = [(head_p.id, "户主", Fraction(1, 2)), (spouse_p.id, "配偶", Fraction(1, 2))]
        group = registry.create_party(session, kind=PartyKind.group, name=f"{head.name}户", region_code=village.code,
                                      members=members, actor=ACTOR)
        households.append(Household(group.id, head_p.id, spouse_p.id))
    return households


def _register(session: Session, **kwargs: object) -> int:
    app = registry.lodge_first_registration(session, actor=ACTOR, **kwargs)  # type: ignore[arg-type]
    registry.approve_application(session, application_id=app.id, actor=ACTOR)
    unit_id = app.payload["unit_id"]
    assert isinstance(unit_id, int)
    return unit_id


def build_village(session: Session, village: Region, index_in_county: int, *, seed: int, parcels: int,
                  bank_id: int, court_id: int, company_id: int, report: WorldReport) -> None:
    """Register one village's parties, parcels and rights through the registry services."""
    rng = random.Random(f"{seed}:{village.code}")
    birth_place = {"360603": "360622"}.get(village.county_code, village.county_code)
    collective = registry.create_party(session, kind=PartyKind.organisation, name=f"{village.name}股份经济合作社",
                                       id_number=make_uscc(rng, village.county_code, "93"), region_code=village.code,
                                       actor=ACTOR)
    households = _households(session, rng, village, max(4, parcels // 3), birth_place)
    report.parties += 1 + 3 * len(households)
    bbox = village_territory(village, index_in_county)
    geoms = generate_parcels(parcels, bbox, seed=rng.randint(0, 2**31))
    weights = [w for *_, w in LAND_MIX]
    homestead_holders: dict[int, int] = {}
    construction_units: list[int] = []
    contract_units: list[tuple[int, Household]] = []
    homestead_units: list[int] = []
    for n, geom in enumerate(geoms):
        land_use, right_type, attachment, _ = rng.choices(LAND_MIX, weights=weights)[0]
        household = households[n % len(households)]
        location = f"{village.name}{rng.randint(1, 12)}组"
        if right_type is RightType.homestead_use_right:
            if household.group_id in homestead_holders:  # one homestead per household: pick another family
                household = households[rng.randrange(len(households))]
            holders: list[tuple[int, Fraction]] = [(household.head_id, Fraction(1, 2)),
                                                   (household.spouse_id or household.head_id, Fraction(1, 2))]
            unit = _register(session, region_code=village.code, geometry=geom, land_use_class=land_use,
                             location=location, right_type=right_type, holders=holders, attachment=attachment,
                             house_holders=holders,
                             attrs={"floors": rng.choice([1, 2, 2, 3]), "building_area_m2": str(rng.randint(90, 260)),
                                    "completed": rng.randint(1985, 2022)})
            homestead_holders[household.group_id] = unit
            homestead_units.append(unit)
            report.rights += 2
        elif right_type is RightType.land_contract_right:
            unit = _register(session, region_code=village.code, geometry=geom, land_use_class=land_use,
                             location=location, right_type=right_type, holders=[(household.group_id, 1)],
                             term_start=SECOND_ROUND_CONTRACT[0], term_end=SECOND_ROUND_CONTRACT[1])
            contract_units.append((unit, household))
            report.rights += 1
        elif right_type is RightType.forest_right:
            unit = _register(session, region_code=village.code, geometry=geom, land_use_class=land_use,
                             location=location, right_type=right_type, holders=[(household.group_id, 1)],
                             attachment="L", term_start=date(2008, 1, 1), term_end=date(2077, 12, 31),
                             attrs={"species": rng.choice(["杉木", "马尾松", "毛竹", "油茶"])})
            report.rights += 1
        else:
            unit = _register(session, region_code=village.code, geometry=geom, land_use_class=land_use,
                             location=location, right_type=right_type, holders=[(collective.id, 1)],
                             term_start=date(2020, 1, 1), term_end=date(2069, 12, 31))
            construction_units.append(unit)
            report.rights += 1
        report.parcels += 1
    # Land management rights (土地经营权) transferred from some contract rights to a cooperative (R2).
    for unit, _household in contract_units[: max(1, len(contract_units) // 5)]:
        rights = registry.current_rights(session, unit)
        contract = next(r for r in rights if r.right_type == RightType.land_contract_right)
        app = registry.lodge_right_on_unit(session, actor=ACTOR, unit_id=unit,
                                           right_type=RightType.land_management_right, holders=[(company_id, 1)],
                                           term_start=date(2022, 1, 1), term_end=date(2031, 12, 31),
                                           predecessor_id=contract.id)
        registry.approve_application(session, application_id=app.id, actor=ACTOR)
        report.rights += 1
    # Mortgages on construction land and some homesteads, ranked by registration (R3).
    for unit in construction_units[:2] + homestead_units[:2]:
        for _ in range(rng.choice([1, 1, 2])):
            app = registry.lodge_mortgage(session, actor=ACTOR, unit_id=unit, mortgagee_party_id=bank_id,
                                          secured_amount=Decimal(rng.randrange(100_000, 2_000_000, 10_000)),
                                          no_transfer_agreement=rng.random() < 0.3)
            registry.approve_application(session, application_id=app.id, actor=ACTOR)
            report.restrictions += 1
    if len(homestead_units) > 3:
        app = registry.lodge_seizure(session, actor=ACTOR, unit_id=homestead_units[2], court_party_id=court_id,
                                     document_no=f"(2026)赣0603执{rng.randint(100, 999)}号")
        registry.approve_application(session, application_id=app.id, actor=ACTOR)
        objector = households[-1]
        app = registry.lodge_objection(session, actor=ACTOR, unit_id=homestead_units[3],
                                       objector_party_id=objector.head_id, reason="主张该宅基地边界有误")
        registry.approve_application(session, application_id=app.id, actor=ACTOR)
        report.restrictions += 2
    # Work for the registrar's queue: a lodged transfer and a lodged mortgage.
    if len(contract_units) > 2:
        unit, _household = contract_units[-1]
        buyer = households[0]
        registry.lodge_transfer(session, actor=ACTOR, unit_id=unit, holders=[(buyer.group_id, 1)],
                                reason="集体经济组织内部互换")
        report.pending_applications += 1
    if len(construction_units) > 2:
        registry.lodge_mortgage(session, actor=ACTOR, unit_id=construction_units[-1], mortgagee_party_id=bank_id,
                                secured_amount=Decimal("800000.00"))
        report.pending_applications += 1


def build_small_world(db: Database, profile: CityProfile, *, seed: int = 20260101, parcels_per_village: int = 60,
                      progress: Progress | None = None) -> WorldReport:
    """Build the small demo world: demo accounts, then each village of the profile in its own transaction."""
    report = WorldReport()
    with db.transaction() as session:
        report.accounts = [(u, o, str(r)) for u, o, r in create_demo_accounts(session)]
        rng = random.Random(seed)
        bank = registry.create_party(session, kind=PartyKind.organisation, name="鹰潭农村商业银行股份有限公司",
                                     id_number=make_uscc(rng, "360600", "91"), actor=ACTOR)
        court = registry.create_party(session, kind=PartyKind.organisation, name="鹰潭市余江区人民法院",
                                      id_number=make_uscc(rng, "360603", "11"), actor=ACTOR)
        company = registry.create_party(session, kind=PartyKind.organisation, name="余江区绿源农业专业合作社",
                                        id_number=make_uscc(rng, "360603", "93"), actor=ACTOR)
        ids = (bank.id, court.id, company.id)
    villages = [v for v in profile.villages() if v.code in SMALL_WORLD_VILLAGES]
    per_county: dict[str, int] = {}
    for i, village in enumerate(villages):
        index = per_county.get(village.county_code, 0)
        per_county[village.county_code] = index + 1
        with db.transaction() as session:
            build_village(session, village, index, seed=seed, parcels=parcels_per_village, bank_id=ids[0],
                          court_id=ids[1], company_id=ids[2], report=report)
        report.villages += 1
        if progress:
            progress("villages", i + 1, len(villages))
    return report


def territory_geometry(village: Region, index_in_county: int) -> object:
    """The village territory as a polygon (for maps and checks)."""
    return box(*village_territory(village, index_in_county))
