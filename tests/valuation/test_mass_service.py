"""Mass appraisal job on a small demo world (issue #4 item 5): values every parcel, ratio study, ledger, API."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import Geography, build_geography
from landbridge.demo.models import TrueValue
from landbridge.demo.world import build_world
from landbridge.errors import NotFound
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, verify_ledger
from landbridge.main import create_app
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.registry.test_api import auth

SEED = 20260101
TODAY = date(2026, 3, 1)  # the test clock stands at 2026-03-02


@pytest.fixture(scope="module")
def geo() -> Geography:
    return build_geography(get_profile(), seed=SEED)


def _world(db: Database, geo: Geography) -> None:
    rural = [c for c in sorted(geo.villages) if not geo.villages[c].urban and c.startswith("360603")][:2]
    urban = next(c for c in sorted(geo.villages) if geo.villages[c].urban and c.startswith("360603"))
    build_world(db, get_profile(), seed=7, today=TODAY, villages={rural[0]: 400, rural[1]: 300, urban: 150},
                geography=geo)


def _run(db: Database, seed: int = 3) -> int:
    steps: list[tuple[str, int]] = []
    with db.transaction() as s:
        run = mass_service.revalue_parcels(s, valuation_date=TODAY, actor="user:nr", seed=seed,
                                           progress=lambda stage, done, _t: steps.append((stage, done)))
        assert ("parcels", run.parcel_count) in steps
        return run.id


def test_revalue_every_parcel_with_ratio_study_and_ledger(db: Database, geo: Geography, clock: Clock) -> None:
    _world(db, geo)
    run_id = _run(db)
    with db.transaction(readonly=True) as s:
        run = s.get(MassRun, run_id)
        assert run is not None and run.status == "completed" and run.ledger_seq == current_size(s)
        assert verify_ledger(s).ok
        truth = dict(s.execute(select(TrueValue.parcel_id, TrueValue.value_per_m2_cny)).all())
        values = dict(s.execute(select(MassValue.parcel_id, MassValue.value_per_m2_cny)
                                .where(MassValue.run_id == run_id)).all())
        unvalued = sum(run.parameters["unvalued_by_use"].values())
        assert run.parcel_count == len(values) and len(values) + unvalued == len(truth)  # every use-right parcel
        ape = np.array([abs(float(v / truth[p]) - 1) for p, v in values.items()])
        assert np.median(ape) < 0.15  # against the generator's true values
        study = run.metrics
        assert 0.9 <= study["median"] <= 1.1 and study["cod"] < 20 and study["model"]["n_holdout"] > 100
        assert set(study["property_classes"]) <= {"residential", "rural"}
        # a value's explanation sums to the stored value
        pid = next(iter(values))
        out = mass_service.parcel_value(s, pid)
        ex = out["explanation"]
        total = ex["base"] + sum(c["log"] for c in ex["contributions"]) + ex["rest"]
        assert float(np.exp(total)) == pytest.approx(float(out["value_per_m2_cny"]), abs=0.006)
        assert len(ex["contributions"]) == 6
        with pytest.raises(NotFound):
            mass_service.parcel_value(s, 10**9)
    # the same seed revalues to the same figures
    again = _run(db)
    with db.transaction(readonly=True) as s:
        second = dict(s.execute(select(MassValue.parcel_id, MassValue.value_per_m2_cny)
                                .where(MassValue.run_id == again)).all())
        assert second == values
        assert mass_service.list_runs(s)[1] == 2


def test_api_runs_and_parcel_value_permissions(db: Database, geo: Geography, clock: Clock) -> None:
    _world(db, geo)
    with TestClient(create_app()) as client:
        for user, status in ((None, 401), ("registrar", 403), ("member", 403), ("nr", 404), ("bank", 404)):
            r = client.get("/api/v1/valuation/parcels/1/value", headers=auth(client, user))
            assert r.status_code == status, (user, r.text)
        run_id = _run(db)
        with db.transaction(readonly=True) as s:
            pid = s.scalar(select(func.min(MassValue.parcel_id)).where(MassValue.run_id == run_id))
            size = current_size(s)
        for user, status in ((None, 401), ("registrar", 403), ("nr", 200), ("bank", 200)):
            h = auth(client, user)
            r = client.get("/api/v1/valuation/runs", headers=h)
            assert r.status_code == status, (user, r.text)
            r2 = client.get(f"/api/v1/valuation/runs/{run_id}", headers=h)
            r3 = client.get(f"/api/v1/valuation/parcels/{pid}/value", headers=h)
            assert r2.status_code == status and r3.status_code == status
            if status == 200:
                assert r.json()["total"] == 1 and r.json()["items"][0]["ratio_study"]["n"] > 100
                assert "model_json" not in r2.json() and r2.json()["metrics"]["model"]["n_holdout"] > 100
                body = r3.json()
                assert body["run_id"] == run_id and float(body["value_per_m2_cny"]) > 0
                assert body["explanation"]["contributions"][0]["feature"]
        nr = auth(client, "nr")
        assert client.get("/api/v1/valuation/runs/999", headers=nr).json()["code"] == "valuation.mass_run_not_found"
        assert client.get("/api/v1/valuation/parcels/1/value?run_id=0", headers=nr).status_code == 422
        with db.transaction(readonly=True) as s:
            assert current_size(s) == size  # reads change nothing
