"""Housing protection when a farm house is disposed of (issue #17; rules.md Lending: "Farm houses: the borrower's
basic housing must be protected").

Before a house (or its homestead) offered as collateral goes to the exchange, the borrower's household must keep a
dwelling (rule ``housing_protected_right_types``): another current house right the borrower holds in the registry,
or a resettlement / other-dwelling document the bank records (rule ``housing_dwelling_proof`` names which proofs
count). Otherwise the disposal is refused with ``lending.housing_not_protected`` and nothing changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Loan
from landbridge.lending.service import rule_on

HOUSE_TYPES = ("house_ownership",)



def dwelling_kept(session: Session, loan: Loan, day: date, document: str | None) -> dict[str, Any] | None:
    """How the borrower's household keeps a dwelling if the collateral is sold (the proof's facts for the ledger);
    None where the loan's collateral is not protected housing; 409 ``lending.housing_not_protected`` where no
    proof the rule accepts is there."""
    if loan.right_type not in rule_on("housing_protected_right_types", day):
        return None
    proofs = list(rule_on("housing_dwelling_proof", day))
    if "other_house" in proofs:
        others = [r.id for r in registry.current_rights_held(session, loan.borrower_party_id, HOUSE_TYPES)
                  if r.id != loan.right_id and r.unit_id != loan.unit_id]
        if others:
            return {"housing_proof": "other_house", "dwelling_right_id": others[0]}
    text = (document or "").strip()
    if "document" in proofs and text:
        if len(text) > 120:
            raise LendingError.INVALID_TEXT.error(field="dwelling_document", max_length=120)
        return {"housing_proof": "document", "dwelling_document": text}
    raise LendingError.HOUSING_NOT_PROTECTED.error(right_type=loan.right_type)
