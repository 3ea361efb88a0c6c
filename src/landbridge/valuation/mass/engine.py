"""Mass appraisal (批量评估): features, a transparent hedonic baseline and a LightGBM model (L1, F1, issue #4).

Pure NumPy and LightGBM, no database. A table is a mapping of column name to a NumPy array (one entry
per sale or parcel). Both models fit the log of the value per m² (or per unit when there is no area),
with sale prices first brought to the use's basis term (年期修正, Ky). The time index is a feature:
sales are valued at their own month, parcels at the valuation month (期日修正), never extrapolated
beyond the months the sales cover. Each value is explained by additive contributions in log units
whose sum is the log of the value: LightGBM's TreeSHAP (``pred_contrib``) and, for the hedonic
model, coefficient × value. Everything is deterministic for a seed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from landbridge.cityprofile import get_profile
from landbridge.config import get_settings

if TYPE_CHECKING:
    import lightgbm as lgb

RULE_SET = "valuation_mass"
MODEL_VERSION = "mass-lgbm-hedonic-1"
METHODS = ("gbm", "hedonic")
HEDONIC_EXCLUDE = frozenset({"lon", "lat"})  # location enters the hedonic model through its cells only
RIDGE = 1e-9  # × the mean diagonal of X'X: keeps the normal equations solvable when a column is empty
MAD_SCALE = 1.4826  # MAD of a normal sample × this = its standard deviation

Table = Mapping[str, np.ndarray]
FloatArray = np.ndarray


class MassError(ValueError):
    """A table or setting a mass model cannot use (the message names the column or setting)."""


@dataclass(frozen=True)
class MassSettings:
    """The ``valuation_mass`` rule set's values: basis terms, rates, monotone directions, model settings."""

    basis_term_years: dict[str, int]
    capitalisation_rate: dict[str, float]
    monotone: dict[str, int]
    gbm: dict[str, float]
    screen_mad_k: float
    min_sales: int
    top_contributions: int
    chunk_rows: int
    distance_layers: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_rules(cls, values: Mapping[str, Any]) -> MassSettings:
        """Settings from a rule set's values (strings read as exact decimals, then floats for NumPy)."""
        return cls(basis_term_years={k: int(v) for k, v in values["basis_term_years"].items()},
                   capitalisation_rate={k: float(v) for k, v in values["capitalisation_rate"].items()},
                   monotone={k: int(v) for k, v in values["monotone"].items()},
                   gbm={k: float(v) for k, v in values["gbm"].items()},
                   screen_mad_k=float(values["screen_mad_k"]), min_sales=int(values["min_sales"]),
                   top_contributions=int(values["top_contributions"]), chunk_rows=int(values["chunk_rows"]),
                   distance_layers={k: (str(v["kind"]), tuple(str(s) for s in v.get("subkinds", ())))
                                    for k, v in values.get("distance_layers", {}).items()})


def mass_settings(day: date | None = None) -> MassSettings:
    """The mass appraisal settings in force on ``day`` from the city profile (rule set ``valuation_mass``)."""
    version = get_profile().rules(RULE_SET).version_at(day)
    technical = get_settings()  # model parameters and chunk size are environment settings (issue #13 item 6)
    return MassSettings.from_rules({**{k: r.value for k, r in version.rules.items()}, "gbm": technical.mass_gbm,
                                    "chunk_rows": technical.mass_chunk_rows})


def by_prefix(table: Mapping[str, Any], codes: np.ndarray, default: Any) -> np.ndarray:
    """Look up each land-use class in a table keyed by class prefixes (longest prefix wins)."""
    out = np.empty(len(codes), dtype=object)
    uniq, inverse = np.unique(codes.astype(str), return_inverse=True)
    found = []
    for code in uniq.tolist():
        keys = [k for k in table if code.startswith(k)]
        found.append(table[max(keys, key=len)] if keys else default)
    out[:] = np.asarray(found, dtype=object)[inverse] if len(uniq) else []
    return out


def term_factor(settings: MassSettings, land_use_class: np.ndarray, term_years: np.ndarray) -> FloatArray:
    """Ky = a(m, r)/a(n, r): a sale's term m against the use's basis term n (1 without a term), GB/T 18508."""
    n = by_prefix(settings.basis_term_years, land_use_class, 0).astype(float)
    r = by_prefix(settings.capitalisation_rate, land_use_class, 0.0).astype(float)
    m = np.asarray(term_years, dtype=float)
    ok = (n > 0) & np.isfinite(m) & (m > 0) & (r > 0)
    out = np.ones(len(m))
    rr, mm, nn = r[ok], m[ok], n[ok]
    out[ok] = (1 - (1 + rr) ** -mm) / (1 - (1 + rr) ** -nn)
    return out


def months_of(dates: np.ndarray) -> np.ndarray:
    """Month numbers (months since 1970-01) of dates (``datetime64`` or ``date`` objects)."""
    return np.asarray(dates, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_of(day: date) -> int:
    """The month number of one date."""
    return (day.year - 1970) * 12 + day.month - 1


@dataclass(frozen=True)
class FeatureSpec:
    """Which prepared columns are features: categorical, numeric; ``group`` gets its own hedonic slopes."""

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    group: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names in matrix order (categorical, numeric, then the month)."""
        return (*self.categorical, *self.numeric, "month")


def land_features(table: Table) -> tuple[dict[str, np.ndarray], FeatureSpec]:
    """The land features of a sales or parcel table: use, district, log area, plot ratio, log distances, lon/lat.

    Reads ``land_use_class``, ``region_code`` (district = its first 6 digits), ``area_m2``, and where
    present ``plot_ratio``, ``lon``, ``lat`` and every ``dist_<name>_m`` column (metres → log(1 + km)).
    """
    out: dict[str, np.ndarray] = {}
    categorical: list[str] = []
    numeric: list[str] = []
    if "land_use_class" in table:
        out["use"] = np.asarray(table["land_use_class"]).astype(str)
        categorical.append("use")
    if "region_code" in table:
        out["district"] = np.asarray(table["region_code"]).astype("<U6")
        categorical.append("district")
    if "area_m2" in table:
        out["log_area"] = np.log(np.asarray(table["area_m2"], dtype=float))
        numeric.append("log_area")
    for name in ("plot_ratio", "lon", "lat"):
        if name in table:
            out[name] = np.asarray(table[name], dtype=float)
            numeric.append(name)
    for name in sorted(k for k in table if k.startswith("dist_") and k.endswith("_m")):
        feature = "log_" + name[:-2]
        out[feature] = np.log1p(np.asarray(table[name], dtype=float) / 1000.0)
        numeric.append(feature)
    if not categorical and not numeric:
        raise MassError("no land features: need land_use_class, region_code, area_m2 or dist_*_m columns")
    return out, FeatureSpec(tuple(categorical), tuple(numeric), "use" if "use" in out else None)


def log_unit_price(settings: MassSettings, price: np.ndarray, area_m2: np.ndarray | None,
                   land_use_class: np.ndarray | None = None, term_years: np.ndarray | None = None) -> FloatArray:
    """log of a sale's price per m² (per unit without area) at the use's basis term (the models' target)."""
    p = np.asarray(price, dtype=float)
    if area_m2 is not None:
        p = p / np.asarray(area_m2, dtype=float)
    if land_use_class is not None and term_years is not None:
        p = p / term_factor(settings, np.asarray(land_use_class), np.asarray(term_years, dtype=float))
    if not np.all(np.isfinite(p) & (p > 0)):
        raise MassError("prices and areas must be positive numbers")
    out: FloatArray = np.log(p)
    return out


@dataclass
class Encoder:
    """Turns prepared feature columns into a float matrix: categorical levels seen in training → codes."""

    spec: FeatureSpec
    levels: dict[str, list[str]]

    @classmethod
    def fit(cls, features: Table, spec: FeatureSpec) -> Encoder:
        """Learn the categorical levels of the training table."""
        return cls(spec, {c: sorted(set(np.asarray(features[c]).astype(str).tolist())) for c in spec.categorical})

    def codes(self, features: Table, column: str) -> FloatArray:
        """A categorical column as level codes (NaN for a level not seen in training)."""
        levels = self.levels[column]
        values = np.asarray(features[column]).astype(str)
        pos = np.searchsorted(levels, values)
        pos_c = np.minimum(pos, max(len(levels) - 1, 0))
        if not levels:
            return np.full(len(values), np.nan)
        hit = (pos < len(levels)) & (np.asarray(levels, dtype=str)[pos_c] == values)
        return np.where(hit, pos_c, np.nan).astype(float)

    def matrix(self, features: Table, months: np.ndarray) -> FloatArray:
        """The feature matrix in ``spec.names`` order."""
        n = len(months)
        cols = [self.codes(features, c) for c in self.spec.categorical]
        cols += [np.asarray(features[c], dtype=float) for c in self.spec.numeric]
        cols.append(np.asarray(months, dtype=float))
        out = np.empty((n, len(cols)))
        for j, col in enumerate(cols):
            out[:, j] = col
        return out


@dataclass
class Hedonic:
    """Log-linear OLS: cell (use × district) effects, group slopes on centred features, monthly index, group trends."""

    cells: list[str]
    cell_group: list[int]
    groups: list[str]
    numeric: list[str]
    fill: list[list[float]]  # [group][numeric] training mean: features are centred on it, missing values take it
    month0: int
    month1: int
    coef: list[float]

    @staticmethod
    def _keys(features: Table, spec: FeatureSpec) -> np.ndarray:
        if not spec.categorical:
            return np.full(len(next(iter(features.values()))), "all")
        key = np.asarray(features[spec.categorical[0]]).astype(str).astype(object)
        for c in spec.categorical[1:]:
            key = key + "|" + np.asarray(features[c]).astype(str).astype(object)
        return key.astype(str)

    @staticmethod
    def _group_values(features: Table, spec: FeatureSpec, n: int) -> np.ndarray:
        return np.asarray(features[spec.group]).astype(str) if spec.group else np.full(n, "all")

    def _layout(self) -> tuple[int, int, int, int]:
        """Column blocks: cells | months after the first | trends of the groups after the first | group × numeric."""
        c, m, g, k = len(self.cells), self.month1 - self.month0, len(self.groups), len(self.numeric)
        return c, m, g, k

    def width(self) -> int:
        """Number of design columns."""
        c, m, g, k = self._layout()
        return c + m + max(g - 1, 0) + g * k

    def slope(self, group: str, name: str) -> float:
        """The fitted coefficient of a numeric feature within a group (log value per unit)."""
        c, m, g, k = self._layout()
        return self.coef[c + m + max(g - 1, 0) + self.groups.index(group) * k + self.numeric.index(name)]

    def design(self, features: Table, spec: FeatureSpec, months: np.ndarray) -> tuple[FloatArray, list[str]]:
        """The design matrix of a table, and the hedonic term each column belongs to."""
        n = len(months)
        c, m, g, k = self._layout()
        t = max(g - 1, 0)
        x = np.zeros((n, self.width()))
        rows = np.arange(n)
        key = self._keys(features, spec)
        group_names = self._group_values(features, spec, n)
        group = _lookup(group_names, self.groups)
        cell = _lookup(key, self.cells)
        known = cell >= 0
        x[rows[known], cell[known]] = 1.0
        for i in np.flatnonzero(~known):  # unseen cell: the mean effect of its group's cells (or of all)
            members = [j for j, gg in enumerate(self.cell_group) if gg == group[i]] or list(range(c))
            x[i, members] = 1.0 / len(members)
        mon = np.clip(np.asarray(months, dtype=np.int64), self.month0, self.month1) - self.month0
        later = mon > 0
        x[rows[later], c + mon[later] - 1] = 1.0
        mid = (self.month0 + self.month1) / 2.0
        # the first group's trend is the city-wide monthly index itself (its own column would be collinear)
        in_group = group >= 1
        trend = (mon + self.month0 - mid) / 12.0
        x[rows[in_group], c + m + group[in_group] - 1] = trend[in_group]
        for j, name in enumerate(self.numeric):
            v = np.asarray(features[name], dtype=float)
            for gi in range(g):
                sel = group == gi
                # centred on the group's training mean: a missing value contributes nothing
                col = np.where(np.isfinite(v[sel]), v[sel] - self.fill[gi][j], 0.0)
                x[sel, c + m + t + gi * k + j] = col
        terms = ([(spec.categorical and "×".join(spec.categorical)) or "level"] * c + ["month"] * (m + t)
                 + [name for _ in range(g) for name in self.numeric])
        return x, terms

    @classmethod
    def fit(cls, features: Table, spec: FeatureSpec, months: np.ndarray, y: FloatArray) -> Hedonic:
        """Least squares on the normal equations (accumulated in chunks, so 10⁵ sales need little memory)."""
        key = cls._keys(features, spec)
        groups_of = cls._group_values(features, spec, len(y))
        groups = sorted(set(groups_of.tolist()))
        cells = sorted(set(key.tolist()))
        first_of = dict(zip(key.tolist(), groups_of.tolist(), strict=True))
        numeric = [c for c in spec.numeric if c not in HEDONIC_EXCLUDE]
        fill = []
        for gname in groups:
            sel = groups_of == gname
            row = []
            for name in numeric:
                v = np.asarray(features[name], dtype=float)[sel]
                ok = np.isfinite(v)
                row.append(float(v[ok].mean()) if ok.any() else 0.0)
            fill.append(row)
        model = cls(cells, [groups.index(first_of[v]) for v in cells], groups, numeric, fill,
                    int(np.min(months)), int(np.max(months)), [])
        p = model.width()
        xtx = np.zeros((p, p))
        xty = np.zeros(p)
        step = 20_000
        for start in range(0, len(y), step):
            part = {k: np.asarray(v)[start:start + step] for k, v in features.items()}
            x, _ = model.design(part, spec, months[start:start + step])
            xtx += x.T @ x
            xty += x.T @ y[start:start + step]
        ridge = RIDGE * float(np.mean(np.diag(xtx))) if p else 0.0
        model.coef = np.linalg.solve(xtx + ridge * np.eye(p), xty).tolist()
        return model

    def contributions(self, features: Table, spec: FeatureSpec, months: np.ndarray) -> tuple[FloatArray, list[str]]:
        """Per-term contributions (log units) summing to the log value: coefficient × value, grouped by term."""
        x, terms = self.design(features, spec, months)
        parts = x * np.asarray(self.coef)
        names = list(dict.fromkeys(terms))
        out = np.zeros((len(months), len(names)))
        for j, term in enumerate(terms):
            out[:, names.index(term)] += parts[:, j]
        return out, names

    def predict_log(self, features: Table, spec: FeatureSpec, months: np.ndarray) -> FloatArray:
        """Log value per m² (or per unit)."""
        x, _ = self.design(features, spec, months)
        out: FloatArray = x @ np.asarray(self.coef)
        return out

    def month_index(self) -> list[tuple[int, float]]:
        """The fitted city-wide monthly price index (1 at the first month), as (month number, index)."""
        c = len(self.cells)
        steps = [0.0, *self.coef[c:c + self.month1 - self.month0]]
        return [(self.month0 + i, math.exp(s)) for i, s in enumerate(steps)]


@dataclass(frozen=True)
class Explanation:
    """A value's explanation: the base (log), the top contributions (log units) and the rest, summing to log value."""

    method: str
    value: float
    base: float
    contributions: list[tuple[str, float]]
    rest: float

    def as_dict(self) -> dict[str, Any]:
        """JSON form: contributions also as factors (exp), which multiply to the value."""
        return {"method": self.method, "value": self.value, "base": self.base, "base_factor": math.exp(self.base),
                "contributions": [{"feature": f, "log": c, "factor": math.exp(c)} for f, c in self.contributions],
                "rest": self.rest, "rest_factor": math.exp(self.rest)}


@dataclass
class MassModel:
    """A fitted mass appraisal: the encoder, the hedonic baseline and the LightGBM booster, with fit facts."""

    spec: FeatureSpec
    encoder: Encoder
    hedonic: Hedonic
    booster: lgb.Booster
    month0: int
    month1: int
    seed: int
    n_sales: int
    n_screened: int
    version: str = MODEL_VERSION
    params: dict[str, Any] = field(default_factory=dict)

    def _months(self, months: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(months, dtype=np.int64), self.month0, self.month1)

    def predict_log(self, features: Table, months: np.ndarray, method: str = "gbm") -> FloatArray:
        """Log value per m² (or per unit) at the given months (clipped to the months the sales cover)."""
        mon = self._months(months)
        if method == "hedonic":
            return self.hedonic.predict_log(features, self.spec, mon)
        if method != "gbm":
            raise MassError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
        out = np.asarray(self.booster.predict(self.encoder.matrix(features, mon), num_threads=_threads(self.params)))
        return out

    def predict(self, features: Table, months: np.ndarray, method: str = "gbm") -> FloatArray:
        """Value per m² (or per unit)."""
        out: FloatArray = np.exp(self.predict_log(features, months, method))
        return out

    def explain(self, features: Table, months: np.ndarray, method: str = "gbm",
                top: int = 6) -> list[Explanation]:
        """Explain each row's value: the ``top`` largest contributions, the rest and the base sum to its log."""
        mon = self._months(months)
        if method == "hedonic":
            contrib, names = self.hedonic.contributions(features, self.spec, mon)
            base = np.zeros(len(mon))
        elif method == "gbm":
            raw = np.asarray(self.booster.predict(self.encoder.matrix(features, mon), pred_contrib=True,
                                                  num_threads=_threads(self.params)))
            contrib, base, names = raw[:, :-1], raw[:, -1], list(self.spec.names)
        else:
            raise MassError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
        out = []
        for i in range(len(mon)):
            row = contrib[i]
            order = np.argsort(-np.abs(row), kind="stable")[:top]
            shown = [(names[j], float(row[j])) for j in order]
            total = float(base[i] + row.sum())
            out.append(Explanation(method, math.exp(total), float(base[i]), shown,
                                   float(row.sum() - sum(c for _, c in shown))))
        return out

    def to_json(self) -> str:
        """Serialise the model (LightGBM text + hedonic coefficients) for storing with a valuation run."""
        return json.dumps({
            "version": self.version, "seed": self.seed, "n_sales": self.n_sales, "n_screened": self.n_screened,
            "month0": self.month0, "month1": self.month1, "params": self.params,
            "spec": {"categorical": self.spec.categorical, "numeric": self.spec.numeric, "group": self.spec.group},
            "levels": self.encoder.levels, "hedonic": self.hedonic.__dict__,
            "booster": self.booster.model_to_string(),
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> MassModel:
        """Load a model stored by ``to_json``."""
        import lightgbm as lgb  # lazily: LightGBM pulls in scikit-learn and pandas when they are installed

        d = json.loads(text)
        spec = FeatureSpec(tuple(d["spec"]["categorical"]), tuple(d["spec"]["numeric"]), d["spec"]["group"])
        return cls(spec, Encoder(spec, d["levels"]), Hedonic(**d["hedonic"]),
                   lgb.Booster(model_str=d["booster"]), d["month0"], d["month1"], d["seed"], d["n_sales"],
                   d["n_screened"], d["version"], d["params"])


def _lookup(values: np.ndarray, levels: Sequence[str]) -> np.ndarray:
    """Index of each value in ``levels`` (-1 where absent), one dictionary lookup per distinct value."""
    index = {v: i for i, v in enumerate(levels)}
    uniq, inverse = np.unique(np.asarray(values).astype(str), return_inverse=True)
    return np.array([index.get(v, -1) for v in uniq.tolist()], dtype=np.int64)[inverse] if len(uniq) else \
        np.zeros(0, dtype=np.int64)


def _threads(params: Mapping[str, Any]) -> int:
    return int(params.get("num_threads", 2))


def _subset(features: Table, idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[idx] for k, v in features.items()}


def screen(residuals: FloatArray, k: float) -> np.ndarray:
    """Keep mask: residuals within k robust standard deviations (MAD) of their median."""
    med = float(np.median(residuals))
    mad = float(np.median(np.abs(residuals - med))) * MAD_SCALE
    if mad == 0:
        return np.ones(len(residuals), dtype=bool)
    keep: np.ndarray = np.abs(residuals - med) <= k * mad
    return keep


def fit_mass_model(features: Table, spec: FeatureSpec, months: np.ndarray, y: FloatArray, *,
                   settings: MassSettings, seed: int, threads: int = 2) -> MassModel:
    """Fit both models on validated sales (L1): hedonic, robust screen of non-market outliers, refit, LightGBM.

    ``y`` is the log price per m² at the basis term (``log_unit_price``); ``months`` the sale months.
    """
    n = len(y)
    if n < settings.min_sales:
        raise MassError(f"{n} sales: a mass model needs at least {settings.min_sales}")
    for name in (*spec.categorical, *spec.numeric):
        if name not in features or len(features[name]) != n:
            raise MassError(f"feature {name!r} is missing or has the wrong length")
    months = np.asarray(months, dtype=np.int64)
    first = Hedonic.fit(features, spec, months, y)
    keep = screen(y - first.predict_log(features, spec, months), settings.screen_mad_k)
    idx = np.flatnonzero(keep)
    f_kept, m_kept, y_kept = _subset(features, idx), months[idx], y[idx]
    hedonic = Hedonic.fit(f_kept, spec, m_kept, y_kept)
    encoder = Encoder.fit(f_kept, spec)
    gbm = settings.gbm
    monotone = [settings.monotone.get(name, 0) for name in spec.names]
    params: dict[str, Any] = {
        "objective": "regression", "learning_rate": gbm["learning_rate"], "num_leaves": int(gbm["num_leaves"]),
        "min_data_in_leaf": int(gbm["min_data_in_leaf"]), "max_bin": int(gbm["max_bin"]),
        "feature_fraction": gbm["feature_fraction"], "lambda_l2": gbm["lambda_l2"], "cat_smooth": gbm["cat_smooth"],
        "monotone_constraints": monotone, "seed": seed, "deterministic": True, "force_row_wise": True,
        "num_threads": threads, "verbose": -1,
    }
    # early stopping on a seeded validation share of the sales: small markets overfit with a fixed round count
    import lightgbm as lgb  # lazily, as in MassModel.from_json

    matrix = encoder.matrix(f_kept, m_kept)
    fit_rows, val_rows = holdout_split(len(y_kept), gbm["validation_share"], seed + 1)
    data = lgb.Dataset(matrix[fit_rows], y_kept[fit_rows], feature_name=list(spec.names),
                       categorical_feature=list(spec.categorical))
    valid = lgb.Dataset(matrix[val_rows], y_kept[val_rows], reference=data)
    booster = lgb.train(params, data, num_boost_round=int(gbm["num_boost_round"]), valid_sets=[valid],
                        callbacks=[lgb.early_stopping(int(gbm["early_stopping_rounds"]), verbose=False)])
    params["best_iteration"] = booster.best_iteration
    return MassModel(spec, encoder, hedonic, booster, int(months.min()), int(months.max()), seed, n,
                     n - len(idx), params=params)


def holdout_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random split of n rows into (fit, held-out) index arrays, each sorted."""
    if not 0 < fraction < 1:
        raise MassError("the held-out fraction must lie strictly between 0 and 1")
    perm = np.random.default_rng(seed).permutation(n)
    cut = round(n * fraction)
    return np.sort(perm[cut:]), np.sort(perm[:cut])


def predict_in_chunks(model: MassModel, features: Table, months: np.ndarray, *, chunk: int,
                      method: str = "gbm") -> FloatArray:
    """Values per m² for a large table, ``chunk`` rows at a time (bounded memory for the design matrices)."""
    n = len(months)
    out = np.empty(n)
    for start in range(0, n, chunk):
        sl = slice(start, start + chunk)
        out[sl] = model.predict({k: np.asarray(v)[sl] for k, v in features.items()}, months[sl], method)
    return out


def feature_names(spec: FeatureSpec) -> Sequence[str]:
    """The model's feature names in order (for pages and explanations)."""
    return spec.names
