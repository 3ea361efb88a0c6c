"""Fit a mass appraisal on part of the sales and judge it on the rest with an IAAO ratio study (L1, issue #4).

No database: the CLI runs it on any sales table, the revaluation job on the sales record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from landbridge.valuation.mass import engine as mass
from landbridge.valuation.mass.engine import FeatureSpec, MassModel, MassSettings, Table
from landbridge.valuation.ratio.study import RatioStandards, ratio_study, ratio_study_by_segment


@dataclass(frozen=True)
class SalesSet:
    """Sales ready for a model: features, their spec, sale months, log target, price, and what the value multiplies."""

    features: dict[str, np.ndarray]
    spec: FeatureSpec
    months: np.ndarray
    y: np.ndarray
    price: np.ndarray
    scale: np.ndarray  # price = value per m² × scale (area × Ky), so appraised = prediction × scale
    use: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, idx: np.ndarray) -> SalesSet:
        """The sales at ``idx``."""
        return SalesSet({k: v[idx] for k, v in self.features.items()}, self.spec, self.months[idx], self.y[idx],
                        self.price[idx], self.scale[idx], None if self.use is None else self.use[idx])


def land_sales(table: Table, settings: MassSettings, *, price: str = "price", date: str = "sale_date",
               term: str = "term_years") -> SalesSet:
    """A land sales table (sales record columns, with distances where known) as a ``SalesSet``."""
    features, spec = mass.land_features(table)
    area = np.asarray(table["area_m2"], dtype=float)
    use = np.asarray(table["land_use_class"]).astype(str)
    term_years = np.asarray(table[term], dtype=float) if term in table else np.full(len(area), np.nan)
    y = mass.log_unit_price(settings, np.asarray(table[price], dtype=float), area, use, term_years)
    return SalesSet(features, spec, mass.months_of(np.asarray(table[date])), y, np.asarray(table[price], dtype=float),
                    area * mass.term_factor(settings, use, term_years), use)


def study_of(appraised: np.ndarray, sale: np.ndarray, use: np.ndarray | None, *, seed: int,
             standards: RatioStandards | None = None) -> dict[str, Any]:
    """Ratio study of appraised values against sale prices, overall, by property class and by use, with verdicts."""
    std = standards or RatioStandards.load()
    study = ratio_study(appraised, sale, seed=seed, standards=std)
    out: dict[str, Any] = study.to_dict()
    out["verdict"] = study.verdict("other", std).__dict__
    if use is not None and len(use):
        classes = np.array([std.property_class(u) for u in use.tolist()])
        for key, labels in (("property_classes", classes), ("uses", use)):
            by = ratio_study_by_segment(appraised, sale, labels, seed=seed, standards=std)
            seg: dict[str, Any] = {}
            for name, st in sorted(by.items()):
                if st is None:
                    seg[name] = None
                    continue
                item = st.to_dict()
                item["verdict"] = st.verdict(name if key == "property_classes" else std.property_class(name),
                                             std).__dict__
                seg[name] = item
            out[key] = seg
    return out


def holdout_study(sales: SalesSet, *, holdout: float, seed: int, settings: MassSettings, method: str = "gbm",
                  threads: int = 2) -> tuple[MassModel, dict[str, Any], np.ndarray, np.ndarray]:
    """Fit on a seeded share of the sales and study the held-out rest at their sale months (L1).

    Returns the model, the study (with model facts under ``model``), the held-out indices and their
    appraised values.
    """
    fit_idx, held = mass.holdout_split(len(sales), holdout, seed)
    train = sales.subset(fit_idx)
    model = mass.fit_mass_model(train.features, train.spec, train.months, train.y, settings=settings, seed=seed,
                                threads=threads)
    test = sales.subset(held)
    appraised = model.predict(test.features, test.months, method) * test.scale
    out = study_of(appraised, test.price, test.use, seed=seed)
    out["model"] = {"version": model.version, "method": method, "seed": seed, "features": list(sales.spec.names),
                    "n_sales": len(sales), "n_fit": len(fit_idx), "n_screened": model.n_screened,
                    "n_holdout": len(held)}
    return model, out, held, appraised
