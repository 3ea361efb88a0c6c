"""Price context on the exchange's lot page (issue #23 item 3; L6, L1): a lot on a registered parcel shows the
price context of its parcel (benchmark zone, appraised value with interval, recent nearby sales, the village's
trend) as the parcel page does, through the fact ``valuation.price_context``; a lot without a parcel (a collective
asset, a quota) shows a line saying why there is none and no figure."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from landbridge import registry
from landbridge.db import Database
from landbridge.main import create_app
from tests.exchange.conftest import World as LotWorld
from tests.exchange.conftest import new_lot
from tests.valuation.test_map_layers import BUYER, BUYER_ID, layers

__all__ = ["layers"]


def _section(page: str) -> str:
    assert 'id="price-context"' in page
    return page.split('id="price-context"')[1].split("</section>")[0]


def test_a_lot_on_a_parcel_shows_its_parcels_price_context(db: Database, layers: dict[str, Any]) -> None:
    first = layers["ids"][0]
    with db.transaction() as s:
        unit = registry.parcel_units(s, [first])[0][first][0]
        right = registry.current_rights(s, unit)[0]
        holder = registry.holders_of(s, right.id)[0][0]
        on_parcel = new_lot(s, LotWorld(seller=holder, unit=unit, right=right.id)).id
        asset = new_lot(s, LotWorld(seller=holder, unit=unit, right=right.id), kind="collective_asset",
                        method="negotiated", unit_id=None, right_id=None, term_start=None, term_end=None).id
    with TestClient(create_app()) as client:
        parcel = _section(client.get(f"/parcels/{first}").text)
        lot = _section(client.get(f"/exchange/lots/{on_parcel}").text)
        assert lot == parcel  # the same context as the parcel page, figure for figure
        assert "125.00" in lot and "2025-03-03" in lot and "100.00" in lot  # village mean, a nearby sale, the value
        assert BUYER not in lot and BUYER_ID not in lot
        none = client.get(f"/exchange/lots/{asset}?lang=en")
        assert none.status_code == 200
        text = _section(none.text)
        assert "not on a registered parcel" in text and "yuan" not in text and "125.00" not in text
