"""The scorecard's reading of a loan application on the bank's loan page (issue #18 scope 3 with issue #17): the
newest model trained on loan outcomes (``lending_default``) scores the application with its reason codes through
the fact ``credit.application_score``; the borrower's page does not show it; without such a model nothing is shown."""

from __future__ import annotations

import re
from typing import Any

from landbridge.credit.scorecard import registry
from landbridge.credit.scorecard.applications import application_score
from landbridge.credit.scorecard.points import FORMAT, PointsTable
from landbridge.db import Database
from tests.lending.test_api import Api, api, auth, body

__all__ = ["api"]


def _table(base: float) -> PointsTable:
    data: dict[str, Any] = {
        "format": FORMAT, "base_points": base, "reason_codes": 3,
        "features": [
            {"name": "principal_cny", "kind": "numerical", "splits": [200000.0], "missing_points": 0.0,
             "bins": [{"label": "[-inf, 200000.00)", "points": 30.0}, {"label": "[200000.00, inf)", "points": 10.0}]},
            {"name": "grade", "kind": "categorical", "missing_points": 0.0, "other_points": 0.0,
             "bins": [{"label": "AAA", "categories": ["AAA"], "points": 40.0},
                      {"label": "A, AA", "categories": ["A", "AA"], "points": 5.0}]},
        ]}
    return PointsTable(data)


def _register(db: Database, name: str, base: float) -> int:
    with db.transaction() as s:
        return registry.register(s, name=name, table=_table(base), metrics={"auc": 0.7}, data_sha256="0" * 64,
                                 n_rows=10, actor="t").version


def test_the_bank_sees_the_newest_loan_model_score_with_its_reasons(api: Api, db: Database) -> None:
    c = api.client
    loan = c.post("/api/v1/lending/loans", json=body(api), headers=auth(c, "farmer"))
    assert loan.status_code == 201
    loan_id = loan.json()["id"]
    page = c.get(f"/lending/loans/{loan_id}", headers=auth(c, "bank1")).text
    assert 'id="application-score"' not in page  # no model trained on loan outcomes yet
    _register(db, "lending_default", 400.0)
    newest = _register(db, "lending_default", 500.0)
    _register(db, "german_credit", 900.0)  # a model of another name is never used for applications
    with db.transaction(readonly=True) as s:
        scored = application_score(s, loan_id=loan_id)
        assert application_score(s, loan_id=loan_id + 1000) is None
    # 500 + 10 (300,000 yuan: the upper bin) + 0 (no grade yet: missing)
    assert scored is not None and (scored["score"], scored["model_version"]) == (510, newest)
    assert [(r["feature"], r["lost"]) for r in scored["reasons"]] == [("grade", 40.0), ("principal_cny", 20.0)]
    page = c.get(f"/lending/loans/{loan_id}", headers=auth(c, "bank1")).text
    shown = re.search(r'id="application-score">([^<]*)<', page)
    assert shown is not None
    assert shown.group(1).startswith(f"510 (模型 v{newest})")
    assert "主要扣分项: 信用等级 未填 −40.0; 贷款金额 [200000.00, inf) −20.0" in shown.group(1)
    assert 'id="application-score"' not in c.get(f"/lending/loans/{loan_id}", headers=auth(c, "farmer")).text
