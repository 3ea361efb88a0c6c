"""A figure decided by an unverified platform default is labelled on its page (issue #13 item 1)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from landbridge import collective
from landbridge.cityprofile import RuleSetVersion, get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.collective.conftest import ACTOR, accounts_world
from tests.exchange.conftest import build_world, new_lot
from tests.web.test_pages import login

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


RULE_MARK = re.compile(r'<span class="badge unverified" data-rule="([^"]+)"')


def _decider(set_name: str, version: RuleSetVersion, *names: str) -> str:
    """The rule that decides a figure: the first of ``names`` defined in the version (as the page helper picks)."""
    return f"{set_name}." + next(n for n in names if n in version.rules)


def _confirm_all(monkeypatch: pytest.MonkeyPatch, set_name: str, version: RuleSetVersion) -> None:
    rules = get_profile().rules(set_name)
    confirmed = dataclasses.replace(version, rules={n: dataclasses.replace(r, verified=True)
                                                    for n, r in version.rules.items()})
    monkeypatch.setattr(rules, "versions", [confirmed if v is version else v for v in rules.versions])


def test_every_rule_figure_on_the_lot_page_is_labelled_exactly_when_unverified(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as s:
        lot = new_lot(s, build_world(s))
        lot_id, kind, method, rule_version = lot.id, lot.kind, lot.method, lot.rule_version
    assert method == "listing"
    version = get_profile().rules("exchange").version_at(date.fromisoformat(rule_version))
    shown = {figure: _decider("exchange", version, f"{kind}.{rule}", f"default.{rule}")
             for figure, rule in (("increment", "increment_ratio"), ("deposit", "deposit_percent"),
                                  ("ends", "listing_working_days"),
                                  ("application-deadline", "application_deadline_days"))}
    unverified = {figure: rule for figure, rule in shown.items()
                  if not version.rules[rule.removeprefix("exchange.")].verified}
    assert unverified  # the reference profile still has platform defaults here: the test can see a label
    with TestClient(create_app()) as c:
        page = c.get(f"/exchange/lots/{lot_id}?lang=zh_CN").text
        for figure, rule in shown.items():
            start = page.index(f'id="{figure}"')
            cell = page[start:page.index("</dd>", start)]
            assert RULE_MARK.findall(cell) == ([rule] if figure in unverified else []), figure
            assert (LABEL in cell) == (figure in unverified)
        _confirm_all(monkeypatch, "exchange", version)
        assert RULE_MARK.findall(c.get(f"/exchange/lots/{lot_id}").text) == []


def test_the_motion_page_labels_a_threshold_from_an_unverified_default(
        db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as s:
        village, _ = accounts_world(s)
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="成员大会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC),
                                             actor=ACTOR)
        motions = {t: collective.create_motion(s, meeting_id=meeting.id, title=t, text="", threshold=t,
                                               actor=ACTOR).id for t in ("simple_majority", "two_thirds")}
    version = get_profile().rules("collective").version_at(clock.now().date())
    assert not version.rules["threshold_simple_majority"].verified and version.rules["threshold_two_thirds"].verified
    client = TestClient(create_app())
    assert login(client, "clerk").status_code == 303

    def threshold_cell(motion_id: int) -> str:
        page = client.get(f"/collective/motions/{motion_id}?lang=zh_CN").text
        start = page.index('id="threshold"')
        return page[start:page.index("</dd>", start)]

    assert RULE_MARK.findall(threshold_cell(motions["simple_majority"])) == ["collective.threshold_simple_majority"]
    assert RULE_MARK.findall(threshold_cell(motions["two_thirds"])) == []  # confirmed by the city: no label
    _confirm_all(monkeypatch, "collective", version)
    assert LABEL not in threshold_cell(motions["simple_majority"])
