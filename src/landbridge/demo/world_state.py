"""The state of a demo world build (issue #3): its constants, report, rules and the shared build context.

Split out of ``demo/world.py`` (issue #14, no file over 600 lines): ``world.py`` runs the stages,
``village.py`` builds one village, this module holds what both read and write.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely

from landbridge.auth.models import Role
from landbridge.auth.service import demo_accounts
from landbridge.cityprofile import CityProfile
from landbridge.db import Database
from landbridge.demo.geography import Geography, VillageTiling
from landbridge.demo.people import PeopleFactory
from landbridge.demo.prices import ParcelFeatures

ACTOR = "system:demo"
RULE_SET = "demo_world"
MEMBER_USERNAME = "member"
FARMLAND = ("0101", "0103", "0201", "1104")  # paddy, dry land, orchard, pond: contracted to households
Progress = Callable[[str, int, int], None]


@dataclass
class WorldReport:
    """What a build made, with the seconds each stage took (printed by the CLI, read by the benchmark)."""

    scale: str = "small"
    seed: int = 0
    villages: int = 0
    persons: int = 0
    households: int = 0
    organisations: int = 0
    parcels: int = 0
    rights: int = 0
    certificates: int = 0
    members: int = 0
    restrictions: int = 0
    pending_applications: int = 0
    zones: int = 0
    lots: int = 0
    exchange_year: int = 0  # of the lots, those of the year of exchange business (issue #15 item 6)
    entries: int = 0  # market entries through the exchange (issue #15)
    entry_cases: int = 0  # market-entry cases, one in each state of the case (issue #15)
    quota_projects: int = 0  # reclamation projects in every state, one county's quota (issue #16)
    withdrawals: int = 0  # homestead withdrawal cases in 余江区 villages, by several states (issue #16, S30)
    demands: int = 0  # residents' demands in every state across the departments (issue #20 item 3)
    jobs: int = 0  # the demo employer's postings in every state (issue #20 item 4)
    maintenance_assets: int = 0  # infrastructure assets in every state across villages (issue #20 item 5)
    wage_arrears: int = 0  # wage-arrears cases in every state (issue #20 item 4)
    industry_places: int = 0  # the plan's industry places with projects in every state (issue #19 item 5)
    sales: int = 0
    loans: int = 0  # demo loans in every state of the loan machine (issue #17)
    graded: int = 0  # parties with a credit grade (issue #18)
    listed: int = 0  # court-listed defaulters (失信被执行人)
    credit_villages: int = 0  # villages designated 信用村 this year
    assessment_runs: int = 0  # the year's assessments: counties and townships published, departments scored (#19)
    board_tasks: int = 0  # the plan's tasks on the board in every state (issue #19 scope 4)
    seconds: dict[str, float] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)



@dataclass
class Institutions:
    banks: list[int]
    courts: dict[str, int]  # county code (6) -> court party
    clerk_organisation_id: int | None



@dataclass
class FeatureColumns:
    """Per-parcel columns for the price model, gathered village by village (bounded memory)."""

    parcel_id: list[np.ndarray] = field(default_factory=list)
    county: list[np.ndarray] = field(default_factory=list)
    region: list[np.ndarray] = field(default_factory=list)
    land_use: list[np.ndarray] = field(default_factory=list)
    area: list[np.ndarray] = field(default_factory=list)
    plot_ratio: list[np.ndarray] = field(default_factory=list)
    lon: list[np.ndarray] = field(default_factory=list)
    lat: list[np.ndarray] = field(default_factory=list)
    state: list[np.ndarray] = field(default_factory=list)

    def add(self, village_code: str, county_code: str, urban: bool, tiling: VillageTiling, parcel_ids: Sequence[int],
            plot_ratio: np.ndarray) -> None:
        n = len(tiling)
        centre = shapely.point_on_surface(tiling.geometries)
        self.parcel_id.append(np.asarray(parcel_ids, dtype=np.int64))
        self.county.append(np.full(n, county_code[:6], dtype=object))
        self.region.append(np.full(n, village_code, dtype=object))
        self.land_use.append(tiling.land_use.astype(object))
        self.area.append(np.asarray(tiling.area_m2, dtype=np.float64))
        self.plot_ratio.append(plot_ratio)
        self.lon.append(shapely.get_x(centre))
        self.lat.append(shapely.get_y(centre))
        self.state.append(np.full(n, urban, dtype=bool))

    def build(self, geography: Geography) -> ParcelFeatures:
        lon, lat = np.concatenate(self.lon), np.concatenate(self.lat)
        dist = geography.distances(lon, lat)
        return ParcelFeatures(
            parcel_id=np.concatenate(self.parcel_id), county_code=np.concatenate(self.county),
            land_use_class=np.concatenate(self.land_use), area_m2=np.concatenate(self.area),
            plot_ratio=np.concatenate(self.plot_ratio), dist_town_centre_m=dist["town_centre"],
            dist_city_centre_m=dist["city_centre"], dist_road_m=dist["road"], dist_major_road_m=dist["major_road"],
            lon=lon, lat=lat, region_code=np.concatenate(self.region), state_land=np.concatenate(self.state))



def world_rules(profile: CityProfile) -> dict[str, Any]:
    """The ``demo_world`` rule set's values in force today."""
    return {k: r.value for k, r in profile.rules(RULE_SET).version_at().rules.items()}



def demo_short_name(profile: CityProfile) -> str:
    """The city's short name in invented company and bank names (profile ``demo_short_name``)."""
    return str(profile.raw.get("demo_short_name", profile.name[:2]))


def clerk_organisation() -> str | None:
    """The organisation of the profile's demo collective clerk: the collective of the clerk's village."""
    return next((org for role, _, _, org, _, _ in demo_accounts() if role == Role.collective_clerk), None)


class WorldBuild:
    """A build in progress: the profile, geography, rules, people factory and what was made so far."""

    def __init__(self, db: Database, profile: CityProfile, geography: Geography, *, scale: str, seed: int,
                 today: date, progress: Progress) -> None:
        self.db = db
        self.profile = profile
        self.geography = geography
        self.scale = scale
        self.seed = seed
        self.today = today
        self.progress = progress
        self.rules = world_rules(profile)
        self.report = WorldReport(scale=scale, seed=seed)
        self.people = PeopleFactory(random.Random(seed), today)
        self.features = FeatureColumns()
        self.clerk_villages = set(self.rules["small_extra_villages"])
        self.institutions = Institutions([], {}, None)
