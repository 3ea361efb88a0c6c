"""The loan contract (借款抵押合同) over HTTP (issue #17): its record (number, the content's SHA-256 and, once the
worker has rendered it, the PDF's) and the PDF itself, rendered again from the stored content with the digest
check. Readers: the borrower (a member whose registry party borrows) and the officers of the loan's bank;
anonymous callers 401, everyone else 403.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, require_roles
from landbridge.lending import contract
from landbridge.lending.views import readable
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/lending", tags=["lending"], route_class=TransactionalRoute)
reader = require_roles(Role.member, Role.bank_officer)


@router.get("/loans/{loan_id}/contract")
def contract_record(loan_id: int, p: Principal = Depends(reader),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The contract's number, the content's SHA-256 and the PDF's once rendered."""
    readable(session, p, loan_id)  # the borrower or the loan's bank (the route admits only those roles)
    doc = contract.get_contract(session, loan_id)
    return {"number": doc.number, "content_sha256": doc.content_sha256, "sha256": doc.sha256,
            "size_bytes": doc.size_bytes, "issued_at": doc.issued_at.isoformat(),
            "rendered_at": None if doc.rendered_at is None else doc.rendered_at.isoformat(),
            "url": f"/api/v1/lending/loans/{loan_id}/contract.pdf"}


@router.get("/loans/{loan_id}/contract.pdf")
def contract_pdf(loan_id: int, p: Principal = Depends(reader), session: Session = Depends(get_session)) -> Response:
    """The contract as PDF (409 ``lending.contract_tampered`` when its content or PDF no longer has its digest)."""
    readable(session, p, loan_id)  # the borrower or the loan's bank (the route admits only those roles)
    doc, pdf = contract.contract_pdf(session, loan_id=loan_id)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{doc.number}.pdf"',
        "X-Content-SHA256": hashlib.sha256(pdf).hexdigest()})
