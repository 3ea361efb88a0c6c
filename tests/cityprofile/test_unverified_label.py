"""A figure decided by an unverified platform default is labelled on its page (issue #13 item 1)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from fastapi.testclient import TestClient

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import build_world, new_lot

LABEL = "平台默认值，待本市确认"


def _deposit_cell(html: str) -> str:
    start = html.index('id="deposit"')
    return html[start:html.index("</dd>", start)]


def test_the_lot_page_labels_a_deposit_from_an_unverified_default(db: Database, clock: Clock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as s:
        lot = new_lot(s, build_world(s))
        lot_id, rule_version = lot.id, lot.rule_version
    exchange = get_profile().rules("exchange")
    version = exchange.version_at(date.fromisoformat(rule_version))
    assert not version.rules["default.deposit_percent"].verified
    with TestClient(create_app()) as c:
        cell = _deposit_cell(c.get(f"/exchange/lots/{lot_id}").text)
        assert LABEL in cell and 'data-rule="exchange.default.deposit_percent"' in cell
        english = _deposit_cell(c.get(f"/exchange/lots/{lot_id}?lang=en").text)
        assert "Platform default, to be confirmed by the city" in english
        # Once the city confirms the rule, the label goes.
        confirmed = dataclasses.replace(version.rules["default.deposit_percent"], verified=True)
        patched = dataclasses.replace(version, rules={**version.rules, "default.deposit_percent": confirmed})
        monkeypatch.setattr(exchange, "versions", [patched if v is version else v for v in exchange.versions])
        assert LABEL not in _deposit_cell(c.get(f"/exchange/lots/{lot_id}?lang=zh_CN").text)
