"""The small demo world: built through the services, deterministic, every invariant holds (issue #2)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from fractions import Fraction

import shapely
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.world import SMALL_WORLD_VILLAGES, build_small_world
from landbridge.kernel.ids import valid_resident_id, valid_uscc
from landbridge.kernel.spatial import overlapping_pairs
from landbridge.ledger import verify_ledger
from landbridge.registry.models import Parcel, Party, PropertyUnit, RecordStatus, Right, RightHolder
from landbridge.registry.rules import valid_unit_code


def _two_villages() -> object:
    profile = get_profile()
    keep = set(SMALL_WORLD_VILLAGES[:2])
    regions = {c: r for c, r in profile.regions.items() if r.level != "village" or c in keep}
    return replace(profile, regions=regions)


def _fingerprint(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction(readonly=True) as s:
        return [(p.parcel_code, p.land_use_class, str(p.area_m2))
                for p in s.scalars(select(Parcel).order_by(Parcel.parcel_code))]


def test_small_world_invariants(db: Database) -> None:
    report = build_small_world(db, _two_villages(), seed=7, parcels_per_village=24)  # type: ignore[arg-type]
    assert report.villages == 2 and report.parcels == 48
    projected = get_profile().projected_srid
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok
        parcels = s.scalars(select(Parcel).where(Parcel.status == RecordStatus.current)).all()
        assert len(parcels) == 48
        assert overlapping_pairs([p.geom for p in parcels], projected, 0.01) == []
        assert all(shapely.is_valid(p.geom) for p in parcels)
        units = s.scalars(select(PropertyUnit).where(PropertyUnit.status == RecordStatus.current)).all()
        assert units and all(valid_unit_code(u.unit_code) for u in units)
        for party in s.scalars(select(Party).where(Party.id_number.is_not(None))):
            check = valid_resident_id if party.id_type == "resident_id" else valid_uscc
            assert check(party.id_number or "") == party.id_number
        shares: dict[int, Fraction] = defaultdict(Fraction)
        for holder in s.scalars(select(RightHolder)):
            shares[holder.right_id] += Fraction(holder.share_num, holder.share_den)
        rights = s.scalars(select(Right).where(Right.status == RecordStatus.current)).all()
        assert rights and all(shares[r.id] == 1 for r in rights)  # every right has holders whose shares sum to 1
        assert s.scalar(select(func.count()).select_from(Right).where(Right.status == RecordStatus.pending)) > 0


def test_small_world_is_deterministic(db: Database) -> None:
    build_small_world(db, _two_villages(), seed=11, parcels_per_village=10)  # type: ignore[arg-type]
    first = _fingerprint(db)
    from tests.conftest import _wipe

    _wipe(db)
    build_small_world(db, _two_villages(), seed=11, parcels_per_village=10)  # type: ignore[arg-type]
    assert _fingerprint(db) == first
