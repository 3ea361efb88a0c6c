"""The demo world's generative price model: the true value of every parcel and a history of sales (issue #3 item 6).

Pure NumPy, no database: a log-linear hedonic model with interactions whose parameters live in the
city profile (``rules/demo_price_model.toml``), documented with every number in
``docs/demo_price_model.md``::

    log v = log base[use] + district[county]
          + b_centre[use]·(log(1+d_town) − log(1+ref)) + b_city[use]·(log(1+d_city) − log(1+ref))
          + b_road[use]·(log(1+d_road) − log(1+ref)) + b_major_road[use]·(log(1+d_major) − log(1+ref))
          + b_area[use]·log(area / ref_area[use]) + b_plot_ratio[use]·(plot_ratio − 1)
          + log I(month, county, use) + spatial_weight[use]·field(lon, lat) + ε(parcel)

(distances in km). The model is the "truth" valuation (issue #4) is scored against; the valuation
module never imports it. Floats are used inside the generator; amounts leave it as integer fen
rounded half up (``to_fen``). Everything is vectorised over parcel arrays and deterministic for a
seed: the per-parcel term is a hash of the parcel id, so a parcel's value does not depend on which
other parcels are in the array.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from landbridge.cityprofile import CityProfile

RULE_SET = "demo_price_model"
M2_PER_MU = 10000.0 / 15.0
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
BASES = ("per_m2", "rent_per_mu_year", "per_mu")
FEN_STEP = Decimal("0.01")
NON_MARKET_KINDS = ("related_party", "forced_sale", "entry_error_x10", "entry_error_div10")

FloatArray = np.ndarray
IntArray = np.ndarray


@dataclass(frozen=True)
class ParcelFeatures:
    """Columnar parcel attributes the price model reads (one entry per parcel; distances in metres).

    ``region_code`` (12-digit village code) and ``state_land`` are optional: without them a sale's
    region is the county code padded to 12 digits and every parcel counts as collective land.
    ``plot_ratio`` may be NaN where it does not apply (farmland, forest): it then counts as 1.
    """

    parcel_id: IntArray
    county_code: np.ndarray
    land_use_class: np.ndarray
    area_m2: FloatArray
    plot_ratio: FloatArray
    dist_town_centre_m: FloatArray
    dist_city_centre_m: FloatArray
    dist_road_m: FloatArray
    dist_major_road_m: FloatArray
    lon: FloatArray
    lat: FloatArray
    region_code: np.ndarray | None = None
    state_land: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.parcel_id)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and len(value) != n:
                raise ValueError(f"ParcelFeatures.{f.name} has {len(value)} entries for {n} parcels")

    def __len__(self) -> int:
        return len(self.parcel_id)

    def take(self, index: np.ndarray) -> ParcelFeatures:
        """The features of the parcels at ``index`` (fancy indexing on every column)."""
        values: dict[str, Any] = {}
        for f in fields(self):
            column = getattr(self, f.name)
            values[f.name] = None if column is None else np.asarray(column)[index]
        return ParcelFeatures(**values)

    def regions(self) -> np.ndarray:
        """The 12-digit region code of each parcel (the county code padded when no village is known)."""
        if self.region_code is not None:
            return np.asarray(self.region_code).astype("U12")
        return np.char.ljust(np.asarray(self.county_code).astype("U12"), 12, "0")


@dataclass(frozen=True)
class UseParams:
    """The parameters of one priced land use (a ``land_uses`` entry of the rule set)."""

    code: str
    name: str
    name_en: str
    basis: str
    base: float
    value_range: tuple[float, float]
    ref_term_years: int
    cap_rate: float
    ref_area_m2: float
    b_area: float
    b_centre: float
    b_city: float
    b_road: float
    b_major_road: float
    b_plot_ratio: float
    spatial_weight: float
    idio_sigma: float
    trend_weight: float
    use_drift: float
    sale_weight: float
    sale_sigma: float
    terms: tuple[int, ...]
    term_weights: tuple[float, ...]
    methods: tuple[str, ...]
    method_weights: tuple[float, ...]
    right_type: str
    state_right_type: str

    @property
    def basis_per_m2(self) -> float:
        """Multiply a value in the basis unit by this to get 元/m² over the reference term."""
        if self.basis == "per_m2":
            return 1.0
        if self.basis == "per_mu":
            return 1.0 / M2_PER_MU
        return float(annuity(self.ref_term_years, self.cap_rate)) / M2_PER_MU  # rent per mu per year

    @classmethod
    def parse(cls, code: str, raw: dict[str, Any]) -> UseParams:
        if raw["basis"] not in BASES:
            raise ValueError(f"land use {code}: basis must be one of {BASES}")
        if len(raw["terms"]) != len(raw["term_weights"]) or len(raw["methods"]) != len(raw["method_weights"]):
            raise ValueError(f"land use {code}: terms/methods and their weights differ in length")
        low, high = (float(v) for v in raw["range"])
        floats = {name: float(raw[name]) for name in (
            "base", "cap_rate", "ref_area_m2", "b_area", "b_centre", "b_city", "b_road", "b_major_road",
            "b_plot_ratio", "spatial_weight", "idio_sigma", "trend_weight", "use_drift", "sale_weight", "sale_sigma")}
        return cls(code=code, name=str(raw["name"]), name_en=str(raw["name_en"]), basis=str(raw["basis"]),
                   value_range=(low, high), ref_term_years=int(raw["ref_term_years"]),
                   terms=tuple(int(t) for t in raw["terms"]),
                   term_weights=tuple(float(w) for w in raw["term_weights"]),
                   methods=tuple(str(m) for m in raw["methods"]),
                   method_weights=tuple(float(w) for w in raw["method_weights"]),
                   right_type=str(raw["right_type"]), state_right_type=str(raw["state_right_type"]), **floats)


@dataclass(frozen=True)
class NonMarket:
    """Shares and price factors of the non-market sales (related parties, forced sales, data-entry errors)."""

    related_party_share: float
    related_party_factor: tuple[float, float]
    related_party_declared_share: float
    forced_sale_share: float
    forced_sale_factor: tuple[float, float]
    entry_error_share: float
    entry_error_factor: float
    share_band: tuple[float, float]
    market_related_false_share: float

    @property
    def total_share(self) -> float:
        return self.related_party_share + self.forced_sale_share + self.entry_error_share


def annuity(years: float | np.ndarray, rate: float | np.ndarray) -> Any:
    """Present value of 1 a year for ``years`` years at ``rate`` (years for a zero rate)."""
    years_a = np.asarray(years, dtype=np.float64)
    rate_a = np.asarray(rate, dtype=np.float64)
    safe = np.where(rate_a > 0, rate_a, 1.0)
    return np.where(rate_a > 0, (1.0 - (1.0 + safe) ** -years_a) / safe, years_a)


def to_fen(yuan: np.ndarray) -> np.ndarray:
    """Amounts in yuan (floats from the generator) as integer fen, rounded half up (the storage boundary).

    Vectorised ``floor(100·x + 0.5)``; amounts within a hair of half a fen are redone exactly on their
    shortest decimal text (``Decimal(repr(x))``, ROUND_HALF_UP), so 20468.295 becomes 2046830 fen even
    though its binary float lies just below.
    """
    values = np.asarray(yuan, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("amounts must be finite")
    scaled = values * 100.0
    fen = np.floor(scaled + 0.5).astype(np.int64)
    near_half = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-4)
    for i in near_half.tolist():
        exact = Decimal(repr(float(values[i]))).quantize(FEN_STEP, rounding=ROUND_HALF_UP)
        fen[i] = int(exact * 100)
    return fen


def month_numbers(months: np.ndarray) -> np.ndarray:
    """Months as integers since 1970-01 (accepts ``datetime64`` of any unit, or such integers)."""
    arr = np.asarray(months)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[M]").astype(np.int64)
    return arr.astype(np.int64)


def _month(text: str) -> int:
    return int(np.datetime64(text, "M").astype(np.int64))


def _hash_uniform(ids: np.ndarray, seed: int, stream: int) -> np.ndarray:
    """A uniform (0, 1) number per id from a SplitMix64 hash: stable whatever else is in the array."""
    x = ids.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15 + stream * 0xBF58476D1CE4E5B9) % 2**64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) / float(2**53)


@dataclass(frozen=True)
class PriceModel:
    """The generative price model of the demo world, built from the city profile (issue #3 item 6)."""

    version: str
    seed: int
    base_month: int
    first_month: int
    last_month: int
    city_log_index: np.ndarray  # cumulative log index per month from first_month, 0 at base_month
    district_effect: dict[str, float]
    district_drift: dict[str, float]
    reference_km: dict[str, float]
    uses: tuple[UseParams, ...]
    aliases: dict[str, str]
    bump_lon: np.ndarray
    bump_lat: np.ndarray
    bump_amp: np.ndarray
    bump_radius_km: np.ndarray
    non_market: NonMarket

    @classmethod
    def from_profile(cls, profile: CityProfile, *, seed: int | None = None, on: date | None = None) -> PriceModel:
        """Read the model's parameters from the profile's ``demo_price_model`` rule set."""
        rules = profile.rules(RULE_SET)

        def value(name: str) -> Any:
            return rules.value(name, on)

        model_seed = int(value("seed")) if seed is None else int(seed)
        first, last = (_month(m) for m in value("index_months"))
        base = _month(value("base_month"))
        if not first <= base <= last:
            raise ValueError("base_month must lie inside index_months")
        growth = {int(year): float(g) for year, g in value("city_growth").items()}
        months = np.arange(first, last + 1)
        years = 1970 + months // 12
        monthly = np.array([growth.get(int(y), 0.0) / 12.0 for y in years])
        cumulative = np.concatenate([[0.0], np.cumsum(monthly[:-1])])
        city_log_index = cumulative - cumulative[base - first]
        uses = tuple(UseParams.parse(str(code), raw) for code, raw in sorted(value("land_uses").items()))
        field_spec = value("spatial_field")
        rng = np.random.default_rng(model_seed)
        k = int(field_spec["bumps"])
        minx, miny, maxx, maxy = profile.extent
        r_lo, r_hi = (float(v) for v in field_spec["radius_km"])
        nm = value("non_market")
        non_market = NonMarket(
            related_party_share=float(nm["related_party_share"]),
            related_party_factor=(float(nm["related_party_factor"][0]), float(nm["related_party_factor"][1])),
            related_party_declared_share=float(nm["related_party_declared_share"]),
            forced_sale_share=float(nm["forced_sale_share"]),
            forced_sale_factor=(float(nm["forced_sale_factor"][0]), float(nm["forced_sale_factor"][1])),
            entry_error_share=float(nm["entry_error_share"]), entry_error_factor=float(nm["entry_error_factor"]),
            share_band=(float(nm["share_band"][0]), float(nm["share_band"][1])),
            market_related_false_share=float(nm["market_related_false_share"]))
        return cls(
            version=str(value("model_version")), seed=model_seed, base_month=base, first_month=first, last_month=last,
            city_log_index=city_log_index,
            district_effect={str(c): float(v) for c, v in value("district_effect").items()},
            district_drift={str(c): float(v) for c, v in value("district_drift").items()},
            reference_km={str(c): float(v) for c, v in value("reference_features").items()},
            uses=uses, aliases={str(c): str(v) for c, v in value("land_use_aliases").items()},
            bump_lon=rng.uniform(minx, maxx, k), bump_lat=rng.uniform(miny, maxy, k),
            bump_amp=rng.normal(0.0, float(field_spec["amplitude_sd"]), k), bump_radius_km=rng.uniform(r_lo, r_hi, k),
            non_market=non_market,
        )

    # --- lookups -------------------------------------------------------------------------------

    def use(self, land_use_class: str) -> UseParams:
        """The parameters that price ``land_use_class`` (its own, or those of its alias)."""
        return self.uses[int(self.use_index(np.array([land_use_class]))[0])]

    def use_index(self, land_use_class: np.ndarray) -> np.ndarray:
        """Index into ``uses`` for each land-use class; unknown classes raise ``ValueError``."""
        codes = {u.code: i for i, u in enumerate(self.uses)}
        unique, inverse = np.unique(np.asarray(land_use_class).astype(str), return_inverse=True)
        mapped = np.empty(len(unique), dtype=np.int64)
        for j, code in enumerate(unique.tolist()):
            target = code if code in codes else self.aliases.get(code, self.aliases.get(code[:2]))
            if target not in codes:
                raise ValueError(f"the demo price model has no parameters for land-use class {code!r}")
            mapped[j] = codes[str(target)]
        result: np.ndarray = mapped[inverse.reshape(-1)]
        return result

    def _param(self, name: str, index: np.ndarray) -> np.ndarray:
        result: np.ndarray = np.array([getattr(u, name) for u in self.uses], dtype=np.float64)[index]
        return result

    def _county(self, table: dict[str, float], county_code: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(np.asarray(county_code).astype(str), return_inverse=True)
        unknown = [c for c in unique.tolist() if c not in table]
        if unknown:
            raise ValueError(f"the demo price model has no district parameters for county {unknown[0]!r}")
        return np.array([table[c] for c in unique.tolist()], dtype=np.float64)[inverse.reshape(-1)]

    # --- the model -----------------------------------------------------------------------------

    def date_index(self, months: np.ndarray, *, county_code: np.ndarray | None = None,
                   land_use_class: np.ndarray | None = None) -> np.ndarray:
        """Price index by month (1 at the base month): city trend, or with a county's drift and a use's cycle."""
        m = month_numbers(months)
        clipped = np.clip(m, self.first_month, self.last_month)
        log_index = self.city_log_index[clipped - self.first_month]
        years = (clipped - self.base_month) / 12.0
        if land_use_class is not None:
            idx = self.use_index(land_use_class)
            log_index = log_index * self._param("trend_weight", idx) + self._param("use_drift", idx) * years
        if county_code is not None:
            log_index = log_index + self._county(self.district_drift, county_code) * years
        result: np.ndarray = np.exp(log_index)
        return result

    def spatial_field(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The smooth location effect (log price): a sum of Gaussian bumps drawn from the seed."""
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        out = np.zeros(lon_a.shape, dtype=np.float64)
        for x0, y0, amp, radius in zip(self.bump_lon, self.bump_lat, self.bump_amp, self.bump_radius_km, strict=True):
            dx = (lon_a - x0) * KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(y0))
            dy = (lat_a - y0) * KM_PER_DEG_LAT
            out += amp * np.exp(-(dx * dx + dy * dy) / (2.0 * radius * radius))
        return out

    def idiosyncratic(self, parcel_id: np.ndarray, use_index: np.ndarray) -> np.ndarray:
        """The parcel's own log-price term: normal with the use's sigma, fixed by (seed, parcel id)."""
        ids = np.asarray(parcel_id, dtype=np.int64)
        u1 = _hash_uniform(ids, self.seed, 1)
        u2 = _hash_uniform(ids, self.seed, 2)
        z: np.ndarray = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2) * self._param("idio_sigma", use_index)
        return z

    def log_value_per_m2(self, features: ParcelFeatures, months: np.ndarray) -> np.ndarray:
        """log(元/m²) of each parcel in its month (``months`` broadcast: one month or one per parcel)."""
        idx = self.use_index(features.land_use_class)
        base = np.log(np.array([u.base * u.basis_per_m2 for u in self.uses]))[idx]
        ref = self.reference_km

        def dist(values: np.ndarray, ref_km: float) -> np.ndarray:
            km = np.maximum(np.asarray(values, dtype=np.float64), 0.0) / 1000.0
            out: np.ndarray = np.log1p(km) - np.log1p(ref_km)
            return out

        area = np.maximum(np.asarray(features.area_m2, dtype=np.float64), 1.0)
        plot_ratio = np.nan_to_num(np.asarray(features.plot_ratio, dtype=np.float64), nan=1.0)
        m = np.broadcast_to(month_numbers(months), idx.shape)
        log_v = (base + self._county(self.district_effect, features.county_code)
                 + self._param("b_centre", idx) * dist(features.dist_town_centre_m, ref["town_centre_km"])
                 + self._param("b_city", idx) * dist(features.dist_city_centre_m, ref["city_centre_km"])
                 + self._param("b_road", idx) * dist(features.dist_road_m, ref["road_km"])
                 + self._param("b_major_road", idx) * dist(features.dist_major_road_m, ref["major_road_km"])
                 + self._param("b_area", idx) * np.log(area / self._param("ref_area_m2", idx))
                 + self._param("b_plot_ratio", idx) * (plot_ratio - 1.0)
                 + np.log(self.date_index(m, county_code=features.county_code,
                                          land_use_class=features.land_use_class))
                 + self._param("spatial_weight", idx) * self.spatial_field(features.lon, features.lat)
                 + self.idiosyncratic(features.parcel_id, idx))
        result: np.ndarray = log_v
        return result

    def true_value_per_m2(self, features: ParcelFeatures, on: date) -> np.ndarray:
        """The true value (元/m², reference term) of every parcel on ``on`` (the valuation's target)."""
        month = np.datetime64(on, "M")
        result: np.ndarray = np.exp(self.log_value_per_m2(features, np.array(month)))
        return result

    def value_per_m2_at(self, features: ParcelFeatures, months: np.ndarray) -> np.ndarray:
        """The true value (元/m²) of each parcel in its own month (``months``: one per parcel)."""
        result: np.ndarray = np.exp(self.log_value_per_m2(features, months))
        return result

    def term_factor(self, land_use_class: np.ndarray, term_years: np.ndarray) -> np.ndarray:
        """Ky = a(m, r) / a(n, r): the value of a term of m years relative to the use's reference term n."""
        idx = self.use_index(land_use_class)
        terms = np.asarray(term_years, dtype=np.float64)
        ref = np.array([u.ref_term_years for u in self.uses], dtype=np.float64)[idx]
        rate = self._param("cap_rate", idx)
        applies = (terms > 0) & (ref > 0)
        ratio = annuity(np.where(applies, terms, 1.0), rate) / annuity(np.where(applies, ref, 1.0), rate)
        result: np.ndarray = np.where(applies, ratio, 1.0)
        return result

    def to_basis(self, land_use_class: np.ndarray, values_per_m2: np.ndarray) -> np.ndarray:
        """元/m² values in each use's basis unit (元/m², 元/亩/年 rent or 元/亩)."""
        idx = self.use_index(land_use_class)
        factor = np.array([u.basis_per_m2 for u in self.uses], dtype=np.float64)[idx]
        result: np.ndarray = np.asarray(values_per_m2, dtype=np.float64) / factor
        return result


@dataclass(frozen=True)
class GeneratedSales:
    """A generated sales history (one entry per sale, sorted by date); the truth columns stay in the demo."""

    parcel_index: np.ndarray
    parcel_id: np.ndarray
    region_code: np.ndarray
    land_use_class: np.ndarray
    right_type: np.ndarray
    method: np.ndarray
    sale_date: np.ndarray  # datetime64[D]
    price_fen: np.ndarray  # int64, what the sales record gets
    area_m2: np.ndarray
    term_years: np.ndarray  # int64, 0 = no term
    plot_ratio: np.ndarray  # NaN where it does not apply
    lon: np.ndarray
    lat: np.ndarray
    related_parties: np.ndarray  # object: True, False or None (unknown)
    market: np.ndarray  # bool: truth only
    reason: np.ndarray  # object: None for market sales, else one of NON_MARKET_KINDS: truth only
    true_price_fen: np.ndarray  # int64: true value at the sale date x area x term factor: truth only
    true_value_per_m2: np.ndarray  # float: truth only

    def __len__(self) -> int:
        return len(self.parcel_id)


def _weighted_choice(rng: np.random.Generator, group: np.ndarray, options: list[tuple[tuple[Any, ...],
                     tuple[float, ...]]], dtype: Any) -> np.ndarray:
    """Per item, draw one of its group's options with the group's weights (vectorised per group)."""
    out = np.empty(len(group), dtype=dtype)
    u = rng.random(len(group))
    for g, (values, weights) in enumerate(options):
        mask = group == g
        if not mask.any():
            continue
        cum = np.cumsum(np.asarray(weights, dtype=np.float64))
        pick = np.minimum(np.searchsorted(cum / cum[-1], u[mask], side="right"), len(values) - 1)
        out[mask] = np.asarray(values, dtype=dtype)[pick]
    return out


def generate_sales(model: PriceModel, features: ParcelFeatures, *, start: date, end: date, count: int,
                   seed: int) -> GeneratedSales:
    """Generate a sales history over [start, end]: market sales with lognormal noise plus a few non-market ones.

    Parcels are drawn by land use with the rule set's ``sale_weight`` (uses without parcels drop
    out), uniformly within a use and with replacement (repeat sales happen), on uniform dates.
    price = true value per m² (sale month) × area × term factor × exp(N(0, sale_sigma[use])).
    Exactly round(count × share) sales of each non-market kind replace the market price: related
    parties at a factor drawn from ``related_party_factor`` of the true price, forced sales likewise,
    and data-entry errors ×10 or ÷10 of the market price. Deterministic for ``seed``.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    if end < start:
        raise ValueError("end must not be before start")
    rng = np.random.default_rng(seed)
    use_idx = model.use_index(features.land_use_class)
    n_uses = len(model.uses)
    available = np.bincount(use_idx, minlength=n_uses)
    weights = np.array([u.sale_weight for u in model.uses]) * (available > 0)
    if weights.sum() <= 0:
        raise ValueError("no parcel has a land use that trades (sale_weight > 0)")
    sale_use = rng.choice(n_uses, size=count, p=weights / weights.sum())
    order = np.argsort(use_idx, kind="stable")
    starts = np.concatenate([[0], np.cumsum(available)[:-1]])
    offset = np.floor(rng.random(count) * available[sale_use]).astype(np.int64)
    parcel_index = order[starts[sale_use] + offset]
    days = (np.datetime64(end, "D") - np.datetime64(start, "D")).astype(np.int64)
    sale_date = np.datetime64(start, "D") + rng.integers(0, days + 1, size=count)
    by_date = np.lexsort((parcel_index, sale_date))
    parcel_index, sale_date, sale_use = parcel_index[by_date], sale_date[by_date], sale_use[by_date]

    sold = features.take(parcel_index)
    uses = model.uses
    term_years = _weighted_choice(rng, sale_use, [(u.terms, u.term_weights) for u in uses], np.int64)
    method = _weighted_choice(rng, sale_use, [(u.methods, u.method_weights) for u in uses], object)
    state = (np.zeros(count, dtype=bool) if sold.state_land is None
             else np.asarray(sold.state_land, dtype=bool))
    right_type = np.where(state, np.array([u.state_right_type for u in uses], dtype=object)[sale_use],
                          np.array([u.right_type for u in uses], dtype=object)[sale_use])
    value_per_m2 = model.value_per_m2_at(sold, sale_date.astype("datetime64[M]"))
    area = np.asarray(sold.area_m2, dtype=np.float64)
    true_price = value_per_m2 * area * model.term_factor(sold.land_use_class, term_years)
    sigma = np.array([u.sale_sigma for u in uses])[sale_use]
    price = true_price * np.exp(rng.normal(0.0, 1.0, count) * sigma)

    nm = model.non_market
    kinds_n = [round(count * nm.related_party_share), round(count * nm.forced_sale_share)]
    errors = round(count * nm.entry_error_share)
    kinds_n += [(errors + 1) // 2, errors // 2]
    chosen = rng.permutation(count)[: sum(kinds_n)]
    reason = np.full(count, None, dtype=object)
    bounds = np.cumsum([0, *kinds_n])
    for k, kind in enumerate(NON_MARKET_KINDS):
        reason[chosen[bounds[k]:bounds[k + 1]]] = kind
    related = reason == "related_party"
    forced = reason == "forced_sale"
    price = np.where(related, true_price * rng.uniform(*nm.related_party_factor, count), price)
    price = np.where(forced, true_price * rng.uniform(*nm.forced_sale_factor, count), price)
    price = np.where(reason == "entry_error_x10", price * nm.entry_error_factor, price)
    price = np.where(reason == "entry_error_div10", price / nm.entry_error_factor, price)
    market = np.array([r is None for r in reason.tolist()], dtype=bool)

    draw = rng.random(count)
    related_parties = np.full(count, None, dtype=object)
    related_parties[draw < nm.market_related_false_share] = False
    related_parties[related] = None
    related_parties[related & (draw < nm.related_party_declared_share)] = True
    plot_ratio = np.asarray(sold.plot_ratio, dtype=np.float64)
    plot_ratio = np.where(np.array([u.b_plot_ratio for u in uses])[sale_use] > 0, plot_ratio, np.nan)
    return GeneratedSales(
        parcel_index=parcel_index, parcel_id=np.asarray(sold.parcel_id, dtype=np.int64), region_code=sold.regions(),
        land_use_class=np.asarray(sold.land_use_class).astype(str), right_type=right_type, method=method,
        sale_date=sale_date, price_fen=np.maximum(to_fen(price), 1), area_m2=area, term_years=term_years,
        plot_ratio=plot_ratio, lon=np.asarray(sold.lon, dtype=np.float64), lat=np.asarray(sold.lat, dtype=np.float64),
        related_parties=related_parties, market=market, reason=reason, true_price_fen=to_fen(true_price),
        true_value_per_m2=value_per_m2,
    )
