"""Storing the demo world's truth: true parcel values and the truth about generated sales (issue #3 item 6).

The world builder computes ``ParcelFeatures`` from the geography and the registry, then calls
``store_model_values`` (or ``store_true_values``) and ``record_generated_sales``. Amounts are
converted to integer fen, half up, here at the storage boundary (``prices.to_fen``) and inserted
with Core ``executemany`` in chunks, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Table, bindparam, insert
from sqlalchemy.orm import Session

from landbridge.demo.models import SaleTruth, TrueValue
from landbridge.demo.prices import GeneratedSales, ParcelFeatures, PriceModel, to_fen
from landbridge.valuation import SaleBatch, SaleIn, SaleSource, record_sales

CHUNK = 10_000
_TRUE_VALUE: Table = TrueValue.__table__  # type: ignore[assignment]
_SALE_TRUTH: Table = SaleTruth.__table__  # type: ignore[assignment]
_VALUE_INSERT = insert(_TRUE_VALUE).values(
    parcel_id=bindparam("parcel_id"), as_of=bindparam("as_of"), model_version=bindparam("model_version"),
    value_per_m2_cny=bindparam("per_m2_fen", type_=BigInteger()), value_cny=bindparam("value_fen", type_=BigInteger()))
_TRUTH_INSERT = insert(_SALE_TRUTH).values(
    sale_id=bindparam("sale_id"), market=bindparam("market"), reason=bindparam("reason"),
    true_price_cny=bindparam("true_fen", type_=BigInteger()))


def store_true_values(session: Session, parcel_ids: np.ndarray, values_per_m2: np.ndarray, as_of: date,
                      model_version: str, *, area_m2: np.ndarray, chunk: int = CHUNK) -> int:
    """Store parcels' true values on ``as_of`` (元/m² and total = 元/m² × area, each rounded half up to the fen)."""
    ids = np.asarray(parcel_ids, dtype=np.int64)
    per_m2 = np.asarray(values_per_m2, dtype=np.float64)
    area = np.asarray(area_m2, dtype=np.float64)
    if not len(ids) == len(per_m2) == len(area):
        raise ValueError("parcel_ids, values_per_m2 and area_m2 differ in length")
    if (per_m2 <= 0).any() or (area <= 0).any():
        raise ValueError("true values and areas must be positive")
    per_m2_fen = to_fen(per_m2)
    total_fen = to_fen(per_m2 * area)
    for start in range(0, len(ids), chunk):
        stop = min(start + chunk, len(ids))
        session.execute(_VALUE_INSERT, [
            {"parcel_id": pid, "as_of": as_of, "model_version": model_version, "per_m2_fen": pm, "value_fen": tv}
            for pid, pm, tv in zip(ids[start:stop].tolist(), per_m2_fen[start:stop].tolist(),
                                   total_fen[start:stop].tolist(), strict=True)])
    return len(ids)


def store_model_values(session: Session, model: PriceModel, features: ParcelFeatures, as_of: date, *,
                       chunk: int = 100_000) -> int:
    """Compute every parcel's true value on ``as_of`` under ``model`` and store it, chunk by chunk (bounded memory)."""
    n = len(features)
    for start in range(0, n, chunk):
        part = features.take(np.arange(start, min(start + chunk, n)))
        store_true_values(session, part.parcel_id, model.true_value_per_m2(part, as_of), as_of, model.version,
                          area_m2=part.area_m2)
    return n


def _decimal(value: float, places: str) -> Decimal | None:
    return None if np.isnan(value) else Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def sale_rows(sales: GeneratedSales, *, buyer_party_ids: Sequence[int | None] | None = None,
              seller_party_ids: Sequence[int | None] | None = None) -> list[SaleIn]:
    """The generated sales as rows for ``valuation.record_sales`` (without any truth column)."""
    n = len(sales)
    buyers = list(buyer_party_ids) if buyer_party_ids is not None else [None] * n
    sellers = list(seller_party_ids) if seller_party_ids is not None else [None] * n
    if len(buyers) != n or len(sellers) != n:
        raise ValueError("one buyer and one seller (or None) per sale")
    cols: dict[str, list[Any]] = {name: getattr(sales, name).tolist() for name in (
        "parcel_id", "region_code", "land_use_class", "right_type", "method", "price_fen", "area_m2", "term_years",
        "plot_ratio", "lon", "lat", "related_parties")}
    dates = sales.sale_date.astype("datetime64[D]").tolist()
    return [SaleIn(sale_date=dates[i], price_cny=Decimal(cols["price_fen"][i]) / 100,
                   area_m2=_decimal(cols["area_m2"][i], "0.01") or Decimal("0"),
                   land_use_class=cols["land_use_class"][i],
                   region_code=cols["region_code"][i], right_type=str(cols["right_type"][i]),
                   method=str(cols["method"][i]), parcel_id=int(cols["parcel_id"][i]),
                   term_years=int(cols["term_years"][i]) or None, plot_ratio=_decimal(cols["plot_ratio"][i], "0.0001"),
                   lon=float(cols["lon"][i]), lat=float(cols["lat"][i]), buyer_party_id=buyers[i],
                   seller_party_id=sellers[i], related_parties=cols["related_parties"][i])
            for i in range(n)]


def store_sale_truth(session: Session, sale_ids: Sequence[int], sales: GeneratedSales, *, chunk: int = CHUNK) -> int:
    """Store, per recorded sale (same order as ``sales``), whether it was a market sale, why not, its true price."""
    if len(sale_ids) != len(sales):
        raise ValueError("one sale id per generated sale")
    market = sales.market.tolist()
    reason = sales.reason.tolist()
    true_fen = sales.true_price_fen.tolist()
    for start in range(0, len(sale_ids), chunk):
        stop = min(start + chunk, len(sale_ids))
        session.execute(_TRUTH_INSERT, [
            {"sale_id": int(sale_ids[i]), "market": bool(market[i]), "reason": reason[i], "true_fen": int(true_fen[i])}
            for i in range(start, stop)])
    return len(sale_ids)


def record_generated_sales(session: Session, sales: GeneratedSales, *, actor: str,
                           buyer_party_ids: Sequence[int | None] | None = None,
                           seller_party_ids: Sequence[int | None] | None = None) -> SaleBatch:
    """Record generated sales through ``valuation.record_sales`` (one batch, one ledger event) and store their truth."""
    batch = record_sales(session, sale_rows(sales, buyer_party_ids=buyer_party_ids, seller_party_ids=seller_party_ids),
                         actor=actor, source=SaleSource.demo)
    store_sale_truth(session, batch.sale_ids, sales)
    return batch
