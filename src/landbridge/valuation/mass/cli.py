"""``landbridge valuation mass-appraise``: fit a mass appraisal on any sales table, ratio-study the held-out (L1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from landbridge.valuation.mass.models import HOLDOUT_SHARE
from landbridge.valuation.ratio.cli import print_study_table

if TYPE_CHECKING:
    # numpy, pyarrow, LightGBM and scipy are imported by the functions that use them, so that ``landbridge
    # --help`` and the light commands do not pay for them at start.
    import numpy as np

    from landbridge.valuation.mass import engine as mass
    from landbridge.valuation.mass.study import SalesSet


def _columns(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def read_table(path: Path, strings: list[str], others: list[str]) -> dict[str, np.ndarray]:
    """Read the named columns of a CSV or Parquet file (``strings`` kept as text, e.g. codes with leading zeros)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from landbridge.valuation.mass.engine import MassError

    wanted = list(dict.fromkeys(strings + others))
    if not path.exists():
        raise MassError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pq.read_table(path, columns=[c for c in wanted if c in pq.read_schema(path).names])
        else:
            header = pacsv.open_csv(path).schema.names
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                include_columns=[c for c in wanted if c in header],
                column_types={c: pa.string() for c in strings if c in header}))
    except (pa.ArrowInvalid, OSError) as exc:
        raise MassError(f"{path}: cannot read the table ({exc})") from None
    missing = [c for c in wanted if c not in table.column_names]
    if missing:
        raise MassError(f"{path}: no column {', '.join(missing)}")
    out: dict[str, np.ndarray] = {}
    for name in wanted:
        col = table.column(name)
        if name in strings:
            out[name] = np.asarray(col.to_pylist(), dtype=object).astype(str)
        elif pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
            out[name] = np.asarray(col.cast(pa.date32()).to_numpy(zero_copy_only=False), dtype="datetime64[D]")
        else:
            try:
                out[name] = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise MassError(f"{name}: not numeric") from None
    return out


def sales_set(data: dict[str, np.ndarray], *, price: str, date: str | None, lon: str | None, lat: str | None,
              features: list[str], categorical: list[str], area: str | None, use: str | None,
              term: str | None, settings: mass.MassSettings) -> SalesSet:
    """Columns of a sales table as a ``SalesSet``: price per m² (per unit without ``area``), Ky with use and term."""
    import numpy as np

    from landbridge.valuation.mass import engine as mass
    from landbridge.valuation.mass.engine import FeatureSpec, MassError
    from landbridge.valuation.mass.study import SalesSet

    n = len(data[price])
    for c in [price, area, term, lon, lat, *features]:
        if c and c not in categorical and c != use and data[c].dtype.kind != "f":
            raise MassError(f"{c}: not numeric")
    feats: dict[str, np.ndarray] = {}
    cats = ([use] if use else []) + [c for c in categorical if c != use]
    for c in cats:
        feats[c] = data[c]
    numeric = [c for c in features if c not in cats]
    for c in numeric:
        feats[c] = data[c]
    for c in (lon, lat):
        if c:
            feats[c] = data[c]
            numeric.append(c)
    scale = np.ones(n)
    area_v = None
    if area:
        area_v = data[area]
        if not np.all(np.isfinite(area_v) & (area_v > 0)):
            raise MassError(f"{area}: areas must be positive numbers")
        feats["log_area"] = np.log(area_v)
        numeric.append("log_area")
        scale = area_v.copy()
    use_v = data[use] if use else None
    term_v = data[term] if term else None
    y = mass.log_unit_price(settings, data[price], area_v, use_v if term else None, term_v)
    if use_v is not None and term_v is not None:
        scale = scale * mass.term_factor(settings, use_v, term_v)
    if date:
        dates = data[date]
        if dates.dtype.kind != "M" or np.isnat(dates).any():
            raise MassError(f"{date}: not a column of dates (YYYY-MM-DD)")
        months = mass.months_of(dates)
    else:
        months = np.zeros(n, dtype=np.int64)
    spec = FeatureSpec(tuple(cats), tuple(numeric), use)
    if not spec.categorical and not spec.numeric:
        raise MassError("no features: give --features, --categorical, --use, --area or --lon/--lat")
    return SalesSet(feats, spec, months, y, np.asarray(data[price], dtype=float), scale, use_v)


def mass_appraise(path: Path, *, price: str, date: str | None = None, lon: str | None = None,
                  lat: str | None = None, features: list[str] | None = None, categorical: list[str] | None = None,
                  area: str | None = None, use: str | None = None, term: str | None = None,
                  exclude: str | None = None, holdout: float = HOLDOUT_SHARE, seed: int = 0,
                  method: str = "gbm") -> dict[str, Any]:
    """Fit on the sales outside a seeded holdout and return the held-out ratio study with model facts (L1)."""
    import numpy as np

    from landbridge.valuation.mass import engine as mass
    from landbridge.valuation.mass.engine import MassError
    from landbridge.valuation.mass.study import holdout_study

    if method not in mass.METHODS:
        raise MassError(f"unknown method {method!r}: one of {', '.join(mass.METHODS)}")
    features, categorical = features or [], categorical or []
    strings = ([use] if use else []) + categorical
    others = [c for c in [price, date, lon, lat, area, term, exclude, *features] if c and c not in strings]
    data = read_table(path, strings, others)
    if exclude:
        keep = ~(np.nan_to_num(data[exclude], nan=0.0) != 0)
        data = {k: v[keep] for k, v in data.items()}
    settings = mass.mass_settings()
    sales = sales_set(data, price=price, date=date, lon=lon, lat=lat, features=features, categorical=categorical,
                      area=area, use=use, term=term, settings=settings)
    _, study, _, _ = holdout_study(sales, holdout=holdout, seed=seed, settings=settings, method=method)
    study["model"]["excluded"] = 0 if not exclude else int((~keep).sum())
    return study


def _print(result: dict[str, Any]) -> None:
    print_study_table(result, "批量评估留出样本比率研究 / mass appraisal: held-out ratio study (IAAO 2013)",
                      ("property_classes", "uses"))
    m = result["model"]
    Console().print(f"{m['version']} ({m['method']}): fit on {m['n_fit']} sales ({m['n_screened']} screened out), "
                    f"{m['n_holdout']} held out")


def register(app: typer.Typer) -> None:
    """Add ``mass-appraise`` to ``landbridge valuation``."""

    @app.command("mass-appraise")
    def mass_appraise_cmd(
        sales: Path = typer.Option(..., "--sales", help="sales table, CSV (header row) or Parquet"),
        price: str = typer.Option(..., "--price", help="column of sale prices (total)"),
        date: str | None = typer.Option(None, "--date", help="column of sale dates (YYYY-MM-DD): monthly time index"),
        lon: str | None = typer.Option(None, "--lon", help="column of longitudes"),
        lat: str | None = typer.Option(None, "--lat", help="column of latitudes"),
        features: str | None = typer.Option(None, "--features", help="numeric feature columns, a,b,c"),
        categorical: str | None = typer.Option(None, "--categorical", help="categorical feature columns, a,b,c"),
        area: str | None = typer.Option(None, "--area", help="column of areas in m²: values per m², log area feature"),
        use: str | None = typer.Option(None, "--use", help="land-use class column (GB/T 21010): segments, slopes"),
        term: str | None = typer.Option(None, "--term", help="term column (years): prices to the use's basis term"),
        exclude: str | None = typer.Option(None, "--exclude", help="leave out rows where this column is 1/true"),
        holdout: float = typer.Option(HOLDOUT_SHARE, "--holdout", help="share of sales held out for the ratio study"),
        seed: int = typer.Option(0, "--seed", help="seed of the split and the model"),
        method: str = typer.Option("gbm", "--method", help="gbm (LightGBM) or hedonic (log-linear OLS)"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    ) -> None:
        """Mass appraisal of any sales table: fit on the rest, IAAO ratio study of the held-out sales (L1)."""
        from landbridge.valuation.mass.engine import MassError
        from landbridge.valuation.ratio.study import RatioInputError

        try:
            result = mass_appraise(sales, price=price, date=date, lon=lon, lat=lat, features=_columns(features),
                                   categorical=_columns(categorical), area=area, use=use, term=term, exclude=exclude,
                                   holdout=holdout, seed=seed, method=method)
        except (MassError, RatioInputError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            _print(result)
