"""Mass appraisal job and reads (批量评估): revalue every current parcel from the sales record (L1, F1, issue #4).

The job fits on the validated sales (declared related-party sales left out, gross outliers screened by
the model), judges a seeded holdout with an IAAO ratio study, refits on all of them, then streams the
city's parcels from the registry chunk by chunk, values them at the valuation date and writes the values
with one ledger event per run. Distances are measured to the planning one-map layers.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from landbridge.cityprofile import decided_by, get_profile, rules_used
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects
from landbridge.planning import list_features
from landbridge.registry import iter_parcel_features
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import engine as mass
from landbridge.valuation.mass.engine import MassError, MassModel, MassSettings
from landbridge.valuation.mass.models import HOLDOUT_SHARE, MassHoldout, MassRun, MassValue, RunStatus
from landbridge.valuation.mass.places import Places, build_places, distances
from landbridge.valuation.mass.study import holdout_study, land_sales
from landbridge.valuation.sales.queries import iter_sales

MODULE = "valuation"
Progress = Callable[[str, int, int], None]
FEATURE_LIMIT = 10_000_000
_VALUES: Table = MassValue.__table__  # type: ignore[assignment]
_HOLDOUTS: Table = MassHoldout.__table__  # type: ignore[assignment]
_HOLDOUT_INSERT = insert(_HOLDOUTS).values(
    run_id=bindparam("run_id"), row=bindparam("row"), region_code=bindparam("region_code"),
    land_use_class=bindparam("land_use_class"), sale_cny=bindparam("sale_fen", type_=BigInteger()),
    appraised_cny=bindparam("appraised_fen", type_=BigInteger()))
_VALUE_INSERT = insert(_VALUES).values(
    run_id=bindparam("run_id"), parcel_id=bindparam("parcel_id"), region_code=bindparam("region_code"),
    land_use_class=bindparam("land_use_class"), value_per_m2_cny=bindparam("per_m2_fen", type_=BigInteger()),
    value_cny=bindparam("value_fen", type_=BigInteger()), features=bindparam("features"))


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def load_places(session: Session, settings: MassSettings) -> Places:
    """The distance layers of the rule set from the planning one-map (L2)."""
    kinds = sorted({kind for kind, _ in settings.distance_layers.values()})
    rows, _ = list_features(session, kinds=kinds, limit=FEATURE_LIMIT)
    return build_places([(f.kind, f.subkind, f.geom) for f in rows], settings.distance_layers,
                        get_profile().projected_srid)


def _float(values: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def sales_table(session: Session, places: Places, *, until: date, region_prefix: str | None = None
                ) -> dict[str, np.ndarray]:
    """The sales record up to ``until`` as columns with distances, declared related-party sales left out (L1).

    Sales of registered parcels take the parcel's location and plot ratio; sales without a location are dropped.
    """
    cols: dict[str, list[Any]] = {k: [] for k in ("parcel_id", "region_code", "land_use_class", "area_m2", "price",
                                                  "sale_date", "term_years", "plot_ratio", "lon", "lat")}
    for row in iter_sales(session, region_prefix=region_prefix, until=until):
        if row["related_parties"]:
            continue
        for k in cols:
            cols[k].append(row["price_cny"] if k == "price" else row[k])
    # a sale of a registered parcel is described as the parcel is (location, plot ratio), exactly as the job
    # later values that parcel: training and prediction must see the same features
    parcel: dict[int, tuple[float, float, Any]] = {}
    for chunk in iter_parcel_features(session, parcel_ids=[p for p in cols["parcel_id"] if p]):
        parcel.update({p: (x, y, r) for p, x, y, r in zip(chunk["parcel_id"], chunk["lon"], chunk["lat"],
                                                          chunk["plot_ratio"], strict=True)})
    for i, pid in enumerate(cols["parcel_id"]):
        if pid in parcel:
            cols["lon"][i], cols["lat"][i], cols["plot_ratio"][i] = parcel[pid]
    table: dict[str, np.ndarray] = {
        "region_code": np.array(cols["region_code"], dtype=str), "land_use_class": np.array(cols["land_use_class"],
                                                                                            dtype=str),
        "area_m2": _float(cols["area_m2"]), "price": _float(cols["price"]),
        "sale_date": np.array(cols["sale_date"], dtype="datetime64[D]"), "term_years": _float(cols["term_years"]),
        "plot_ratio": _float(cols["plot_ratio"]), "lon": _float(cols["lon"]), "lat": _float(cols["lat"])}
    located = np.isfinite(table["lon"]) & np.isfinite(table["lat"])
    table = {k: v[located] for k, v in table.items()}
    table.update(distances(places, table["lon"], table["lat"]))
    return table


def parcel_table(chunk: dict[str, list[Any]], places: Places) -> dict[str, np.ndarray]:
    """A chunk of registry parcels as model columns with distances."""
    table: dict[str, np.ndarray] = {
        "parcel_id": np.array(chunk["parcel_id"], dtype=np.int64), "region_code": np.array(chunk["region_code"],
                                                                                            dtype=str),
        "land_use_class": np.array(chunk["land_use_class"], dtype=str), "area_m2": _float(chunk["area_m2"]),
        "plot_ratio": _float(chunk["plot_ratio"]), "lon": _float(chunk["lon"]), "lat": _float(chunk["lat"])}
    table.update(distances(places, table["lon"], table["lat"]))
    return table


def _fen(yuan: np.ndarray) -> list[int]:
    """Positive yuan amounts to integer fen, half up (the money boundary of the job)."""
    out: list[int] = np.floor(np.asarray(yuan, dtype=np.float64) * 100 + 0.5).astype(np.int64).tolist()
    return out


def _numeric_rows(model: MassModel, features: dict[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([np.asarray(features[c], dtype=np.float64) for c in model.spec.numeric]) \
        if model.spec.numeric else np.zeros((len(next(iter(features.values()))), 0))


@dataclass(frozen=True)
class Prepared:
    """A fitted revaluation before anything is written: its settings, model, held-out study and held-out sales."""

    valuation_date: date
    method: str
    seed: int
    holdout: float
    region_prefix: str | None
    threads: int
    settings: MassSettings
    places: Places
    model: MassModel
    study: dict[str, Any]
    sale_count: int
    held: dict[str, np.ndarray]  # region_code, land_use_class, sale, appraised of the held-out sales


def prepare_revaluation(session: Session, *, valuation_date: date, seed: int = 0, method: str = "gbm",
                        holdout: float = HOLDOUT_SHARE, region_prefix: str | None = None, threads: int = 2,
                        progress: Progress = _no_progress) -> Prepared:
    """Fit a revaluation on the sales record and study its holdout; reads only (批量评估, L1)."""
    settings = mass.mass_settings(valuation_date)
    if method not in mass.METHODS:
        raise ValuationError.MASS_UNKNOWN_METHOD.error(method=method)
    progress("sales", 0, 1)
    places = load_places(session, settings)
    table = sales_table(session, places, until=valuation_date, region_prefix=region_prefix)
    try:
        sales = land_sales(table, settings)
        _, study, held, appraised = holdout_study(sales, holdout=holdout, seed=seed, settings=settings,
                                                  method=method, threads=threads)
        model = mass.fit_mass_model(sales.features, sales.spec, sales.months, sales.y, settings=settings, seed=seed,
                                    threads=threads)
    except MassError as exc:
        raise ValuationError.MASS_CANNOT_FIT.error({"exc": exc}, sales=len(table["price"])) from None
    progress("sales", 1, 1)
    return Prepared(valuation_date=valuation_date, method=method, seed=seed, holdout=holdout,
                    region_prefix=region_prefix, threads=threads, settings=settings, places=places, model=model,
                    study=study, sale_count=len(sales),
                    held={"region_code": table["region_code"][held], "land_use_class": table["land_use_class"][held],
                          "sale": sales.price[held], "appraised": np.asarray(appraised, dtype=float)})


def open_run(session: Session, prepared: Prepared, *, actor: str) -> MassRun:
    """Store a prepared run as running, with its held-out sales; its values follow chunk by chunk (L1)."""
    model, day = prepared.model, prepared.valuation_date
    run = MassRun(run_no=f"MA-new-{secrets.token_hex(8)}", valuation_date=day, model_version=model.version,
                  method=prepared.method, seed=prepared.seed, region_prefix=prepared.region_prefix,
                  status=RunStatus.running.value,
                  parameters={"holdout": prepared.holdout, "threads": prepared.threads,
                              "features": list(model.spec.names), "monotone": prepared.settings.monotone,
                              "gbm": prepared.settings.gbm, "best_iteration": model.params.get("best_iteration")},
                  metrics=prepared.study, model_json=model.to_json(), sale_count=prepared.sale_count, actor=actor,
                  created_at=now(), rule_digest=decided_by("valuation_mass", day).digest)
    session.add(run)
    session.flush()
    run.run_no = f"MA{day:%Y}-{run.id:06d}"  # numbered by the run's id: unique, gap-free enough
    held = prepared.held
    if len(held["sale"]):
        session.execute(_HOLDOUT_INSERT, [
            {"run_id": run.id, "row": i, "region_code": rc, "land_use_class": use, "sale_fen": sf, "appraised_fen": af}
            for i, (rc, use, sf, af) in enumerate(zip(held["region_code"].tolist(), held["land_use_class"].tolist(),
                                                     _fen(held["sale"]), _fen(held["appraised"]), strict=True))])
    session.flush()
    return run


def value_chunk(session: Session, run: MassRun, prepared: Prepared, chunk: dict[str, list[Any]],
                unvalued: dict[str, int]) -> int:
    """Value one chunk of registry parcels into a run; uses without sales are counted in ``unvalued`` (L1)."""
    model = prepared.model
    parcels = parcel_table(chunk, prepared.places)
    # a use that never sold (parks, public facilities) has no market evidence: it is left unvalued
    sold = np.isin(parcels["land_use_class"], np.array(model.encoder.levels.get("use", []), dtype=str))
    for use in parcels["land_use_class"][~sold].tolist():
        unvalued[use] = unvalued.get(use, 0) + 1
    parcels = {k: v[sold] for k, v in parcels.items()}
    features, _ = mass.land_features(parcels)
    per_m2 = model.predict(features, np.full(len(parcels["area_m2"]), mass.month_of(prepared.valuation_date)),
                           prepared.method)
    rows = _numeric_rows(model, features)
    if len(per_m2):
        session.execute(_VALUE_INSERT, [
            {"run_id": run.id, "parcel_id": pid, "region_code": rc, "land_use_class": use, "per_m2_fen": pm,
             "value_fen": tv, "features": rows[i].tobytes()}
            for i, (pid, rc, use, pm, tv) in enumerate(zip(
                parcels["parcel_id"].tolist(), parcels["region_code"].tolist(), parcels["land_use_class"].tolist(),
                _fen(per_m2), _fen(per_m2 * parcels["area_m2"]), strict=True))])
    return len(per_m2)


def check_run_rules(run: MassRun) -> None:
    """Refuse (409 ``rules.version_edited``) a run whose ``valuation_mass`` rules no longer hash to the digest
    stored when it opened: completing it, or reading its values, would use other numbers (issue #13 item 2, L1)."""
    rules_used("valuation_mass", run.valuation_date, run.rule_digest)


def complete_run(session: Session, run: MassRun, prepared: Prepared, *, valued: int,
                 unvalued: dict[str, int]) -> MassRun:
    """Mark a run complete with its counts and record it in the ledger (批量评估完成, L1)."""
    study = prepared.study
    check_run_rules(run)
    run.parcel_count = valued
    run.parameters = {**run.parameters, "unvalued_by_use": dict(sorted(unvalued.items()))}
    run.status = RunStatus.completed.value
    run.completed_at = now()
    event = append_event(session, module=MODULE, event_type="mass_run_completed", subject=subjects.mass_run(run.run_no),
                         actor=run.actor, payload={
                             "run_no": run.run_no, "valuation_date": run.valuation_date,
                             "model_version": run.model_version, "method": run.method, "seed": run.seed,
                             "region_prefix": run.region_prefix, "sales": run.sale_count, "parcels": valued,
                             "unvalued": sum(unvalued.values()),
                             "model_sha256": hashlib.sha256(run.model_json.encode()).hexdigest(),
                             **{k: None if study[k] is None else f"{study[k]:.4f}"  # no floats in the ledger
                                for k in ("median", "cod", "prd", "prb")}})
    run.ledger_seq = event.seq
    session.flush()
    return run


def discard_run(session: Session, run_id: int) -> None:
    """Delete a run left incomplete by a failed or dead job (its values and held-out sales); never a completed one."""
    run = session.get(MassRun, run_id)
    if run is None or run.status != RunStatus.running.value:
        return
    session.execute(delete(MassValue).where(MassValue.run_id == run_id))
    session.execute(delete(MassHoldout).where(MassHoldout.run_id == run_id))
    session.delete(run)
    session.flush()


def revalue_parcels(session: Session, *, valuation_date: date, actor: str, seed: int = 0, method: str = "gbm",
                    holdout: float = HOLDOUT_SHARE, region_prefix: str | None = None, threads: int = 2,
                    progress: Progress = _no_progress) -> MassRun:
    """Revalue every current parcel (of a region) from the sales record and store the run (批量评估, L1, F1)."""
    prepared = prepare_revaluation(session, valuation_date=valuation_date, seed=seed, method=method, holdout=holdout,
                                   region_prefix=region_prefix, threads=threads, progress=progress)
    run = open_run(session, prepared, actor=actor)
    unvalued: dict[str, int] = {}
    done = 0
    for chunk in iter_parcel_features(session, region_prefix=region_prefix, chunk=prepared.settings.chunk_rows):
        done += value_chunk(session, run, prepared, chunk, unvalued)
        progress("parcels", done, done)
    return complete_run(session, run, prepared, valued=done, unvalued=unvalued)


def holdout_sales(session: Session, run_id: int) -> dict[str, np.ndarray]:
    """A run's held-out sales as columns: region_code, land_use_class, sale and appraised (元) (L1)."""
    rows = session.execute(select(MassHoldout.region_code, MassHoldout.land_use_class, MassHoldout.sale_cny,
                                  MassHoldout.appraised_cny).where(MassHoldout.run_id == run_id)
                           .order_by(MassHoldout.row)).all()
    return {"region_code": np.array([r[0] for r in rows], dtype=str),
            "land_use_class": np.array([r[1] for r in rows], dtype=str),
            "sale": np.array([float(r[2]) for r in rows], dtype=float),
            "appraised": np.array([float(r[3]) for r in rows], dtype=float)}


def get_run(session: Session, run_id: int) -> MassRun:
    """Load a valuation run or 404 ``valuation.mass_run_not_found`` (L1)."""
    run = session.get(MassRun, run_id)
    if run is None:
        raise ValuationError.MASS_RUN_NOT_FOUND.error({"run_id": run_id}, id=run_id)
    return run


def list_runs(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[MassRun], int]:
    """Valuation runs, newest first, and their total (L1)."""
    total = int(session.execute(select(func.count()).select_from(MassRun)).scalar_one())
    rows = session.execute(select(MassRun).order_by(MassRun.id.desc()).limit(limit).offset(offset)).scalars().all()
    return list(rows), total


_MODELS: dict[str, MassModel] = {}


def run_model(run: MassRun) -> MassModel:
    """The fitted model of a run, parsed once per process (keyed by its text: run numbers repeat in a new database)."""
    key = hashlib.sha256(run.model_json.encode()).hexdigest()
    if key not in _MODELS:
        if len(_MODELS) >= 4:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = MassModel.from_json(run.model_json)
    return _MODELS[key]


def latest_run(session: Session) -> MassRun | None:
    """The newest completed run, if any."""
    return session.execute(select(MassRun).where(MassRun.status == RunStatus.completed.value)
                           .order_by(MassRun.id.desc()).limit(1)).scalar_one_or_none()


def parcel_value(session: Session, parcel_id: int, *, run_id: int | None = None) -> dict[str, Any]:
    """A parcel's mass-appraised value in a run (default: the newest) with its explanation (L1, F1)."""
    run = get_run(session, run_id) if run_id is not None else latest_run(session)
    value = None if run is None else session.get(MassValue, (run.id, parcel_id))
    if run is None or value is None:
        raise ValuationError.PARCEL_VALUE_NOT_FOUND.error(parcel_id=parcel_id)
    check_run_rules(run)
    model = run_model(run)
    numeric = np.frombuffer(value.features, dtype=np.float64)
    features: dict[str, np.ndarray] = {"use": np.array([value.land_use_class]),
                                       "district": np.array([value.region_code[:6]])}
    features.update({name: numeric[i:i + 1] for i, name in enumerate(model.spec.numeric)})
    top = mass.mass_settings(run.valuation_date).top_contributions
    explanation = model.explain(features, np.array([mass.month_of(run.valuation_date)]), run.method, top=top)[0]
    return {"parcel_id": parcel_id, "run_id": run.id, "run_no": run.run_no, "valuation_date": run.valuation_date,
            "model_version": run.model_version, "method": run.method, "land_use_class": value.land_use_class,
            "region_code": value.region_code, "value_per_m2_cny": value.value_per_m2_cny,
            "value_cny": value.value_cny,
            "features": {n: float(numeric[i]) if np.isfinite(numeric[i]) else None
                         for i, n in enumerate(model.spec.numeric)},
            "explanation": explanation.as_dict()}


def iter_values(session: Session, run_id: int, *, chunk: int = 50_000) -> Iterator[list[tuple[int, int]]]:
    """A run's (parcel id, value per m² in fen) pairs in parcel order, chunk by chunk (benches, exports)."""
    last = -1
    while True:
        rows = session.execute(select(MassValue.parcel_id, MassValue.value_per_m2_cny)
                               .where(MassValue.run_id == run_id, MassValue.parcel_id > last)
                               .order_by(MassValue.parcel_id).limit(chunk)).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(int(p), int(v * 100)) for p, v in rows]
