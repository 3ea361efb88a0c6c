"""The loan contract (借款抵押合同, issue #17): issued at approval with its content's SHA-256, rendered by the worker,
downloaded by the borrower and the loan's bank with the digest check; the ledger event carries no personal data."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from landbridge.db import Database
from landbridge.ledger import list_events, subjects
from landbridge.lending import contract, rules, service
from landbridge.lending.models import LoanContract
from tests.exchange.test_documents import pdf_text
from tests.lending.conftest import World
from tests.lending.test_api import Api, api, auth  # noqa: F401 - api is a fixture
from tests.lending.test_service import BANK, apply
from tests.registry.conftest import resident_id


def approved(db: Database, world: World) -> int:
    loan_id = apply(db, world, principal="120000", months=12, method="annuity")
    with db.transaction() as s:
        service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=world.bank_party)
    return loan_id


def test_approval_issues_the_contract_and_the_worker_renders_it(db: Database, world: World) -> None:
    loan_id = apply(db, world, principal="120000", months=12, method="annuity")
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(LoanContract)) is None  # no contract before the approval
    with db.transaction() as s:
        loan = service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK,
                                   mortgagee_party_id=world.bank_party)
        doc = contract.get_contract(s, loan_id)
        assert doc.number == f"JK-{loan.loan_no}" and doc.sha256 is None
        assert doc.content_sha256 == contract.content_digest(doc.content)
        c = doc.content
        # the schedule is rules.schedule's, to the fen
        expected = rules.schedule(loan.principal_cny, loan.annual_rate, loan.months, loan.method, loan.start_date)
        assert [(r["n"], r["principal"], r["interest"]) for r in c["schedule"]] == [
            (e.n, f"{e.principal:,.2f}", f"{e.interest:,.2f}") for e in expected]
        assert (c["principal"], c["principal_capital"]) == ("120,000.00", "壹拾贰万元整")
        assert c["borrower"]["name"] == "村民甲" and c["lender"]["name"] == "鹰潭农商银行"
        assert resident_id(1) not in json.dumps(c, ensure_ascii=False)  # ID numbers masked
        assert c["borrower"]["id_number"][:4] == resident_id(1)[:4] and "*" in c["borrower"]["id_number"]
        assert [x["name"] for x in c["sharers"]] == ["风险补偿基金", "融资担保机构"]
        event = [e for e in list_events(s, subject=subjects.loan(loan_id)) if e.module == "lending"][-1]
        facts = json.loads(event.private_body or "{}")["payload"]
        assert event.event_type == "loan.contract_issued" and doc.ledger_seq == event.seq == loan.ledger_seq
        assert facts == {"loan_no": loan.loan_no, "number": doc.number, "content_sha256": doc.content_sha256}
    with db.transaction() as s:
        assert contract.render_pending(s) == 1
        assert contract.render_pending(s) == 0  # never twice
        doc = contract.get_contract(s, loan_id)
        assert doc.sha256 is not None and doc.size_bytes and doc.rendered_at is not None
        _, pdf = contract.contract_pdf(s, loan_id=loan_id)
        assert hashlib.sha256(pdf).hexdigest() == doc.sha256 and pdf.startswith(b"%PDF")
        text = pdf_text(pdf)
        assert "借款人、抵押人" in text and doc.number in text and "壹拾贰万元整" in text


def test_contract_download_matrix_and_digest_check(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    loan_id = approved(db, api.world)
    with db.transaction() as s:
        contract.render_pending(s)
        recorded = contract.get_contract(s, loan_id).sha256
    for user, code in ((None, 401), ("neighbour", 403), ("bank2", 403), ("guarantor", 403), ("supervisor", 403),
                       ("farmer", 200), ("bank1", 200)):
        r = c.get(f"/api/v1/lending/loans/{loan_id}/contract.pdf", headers=auth(c, user))
        assert r.status_code == code, (user, r.text[:200])
        if code == 200:
            assert r.headers["content-type"] == "application/pdf"
            assert r.headers["x-content-sha256"] == recorded == hashlib.sha256(r.content).hexdigest()
    r = c.get(f"/api/v1/lending/loans/{loan_id}/contract", headers=auth(c, "farmer"))
    assert r.status_code == 200 and r.json()["sha256"] == recorded
    other = apply(db, api.world, principal="100000", months=12, right_id=api.world.house_right)
    r = c.get(f"/api/v1/lending/loans/{other}/contract", headers=auth(c, "bank1"))
    assert r.status_code == 404 and r.json()["code"] == "lending.contract_not_found"  # not approved yet
    with db.transaction() as s:  # the stored content changed outside the platform: refused
        doc = contract.get_contract(s, loan_id)
        doc.content = doc.content | {"principal": "1,200,000.00"}
    r = c.get(f"/api/v1/lending/loans/{loan_id}/contract.pdf", headers=auth(c, "farmer"))
    assert r.status_code == 409 and r.json()["code"] == "lending.contract_tampered"
