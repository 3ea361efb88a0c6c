"""Registry service, market entry (集体经营性建设用地入市, issue #15 items 1 and 4; rules.md Market entry):
a new termed collective construction land use right granted out of the collective's land in a buyer's name
(grant 出让, lease 出租, contribution as equity 作价入股), the collective keeping its ownership; and the secondary
market of such a right (transfer, lease, mortgage): allowed within its term, refused after it, each with a
written notice to the owning collective (a ledger event indexed also under the collective's party).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge.kernel.money import to_money
from landbridge.ledger import append_event, subjects
from landbridge.registry import rules
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import Application, RegistrationKind, Right, RightType
from landbridge.registry.queries import current_rights, get_party, holders_of
from landbridge.registry.service.applications import _add_right, lodged_event, new_application
from landbridge.registry.service.checks import check_transfer, current_right, current_unit, refuse_if_seized
from landbridge.registry.service.entry_checks import (
    ENTERED,
    check_in_term,
    is_entered_right,
    notify_collective,
)
from landbridge.registry.service.parties import parse_holders
from landbridge.registry.service.shared import MODULE, HolderInput

GRANTOR_TYPES = frozenset({RightType.collective_land_ownership, RightType.collective_construction_land_use_right})
ENTRY_METHODS = frozenset({"grant", "lease", "equity"})


def lodge_entered_right(session: Session, *, actor: str, unit_id: int, grantor_right_id: int, holders: HolderInput,
                        method: str, term_start: date, term_end: date, reason: str,
                        attrs: dict[str, Any] | None = None) -> Application:
    """Lodge a new termed collective construction land use right (入市) in the holders' names, granted out of the
    collective's right on the unit: beside the collective's ownership (首次登记), or in place of the collective's
    own un-entered use right (转移登记, the collective's ownership elsewhere untouched). The collective is recorded
    on the new right (``collective_party_id``); ``attrs`` carry the entry method, lot, price, rent schedule or
    equity share. Refused: a seized or blocked unit, a grantor right that is not the collective's land right, a
    method not known, a term that ends before it starts."""
    if method not in ENTRY_METHODS:
        raise RegistryError.INVALID_ENTRY_METHOD.error()
    if term_end <= term_start:
        raise RegistryError.INVALID_ENTRY_TERM.error()
    unit = current_unit(session, unit_id)
    refuse_if_seized(session, unit)
    grantor = current_right(session, unit, grantor_right_id)
    owners = holders_of(session, grantor.id)
    if grantor.right_type not in GRANTOR_TYPES or is_entered_right(grantor) or len(owners) != 1:
        raise RegistryError.NOT_A_GRANTOR_RIGHT.error()
    collective = owners[0][0]
    parsed = parse_holders(session, holders)
    supersede = grantor.right_type == ENTERED
    if supersede:
        check_transfer(session, unit, [p for p, _ in parsed], False)
    elif any(r.right_type == ENTERED for r in current_rights(session, unit.id)):
        raise RegistryError.RIGHT_EXISTS.error(right_type=ENTERED.value)
    kind = RegistrationKind.transfer if supersede else RegistrationKind.first
    app = new_application(session, kind=kind, region_code=unit.region_code, unit_id=unit.id,
                           summary=f"入市 {unit.unit_code}", actor=actor, payload={"reason": reason[:300]})
    right = _add_right(session, app=app, unit_id=unit.id, right_type=ENTERED, holders=parsed, term_start=term_start,
                       term_end=term_end, predecessor_id=grantor.id, supersedes_id=grantor.id if supersede else None,
                       attrs={**(attrs or {}), "entry_method": method}, collective_party_id=collective)
    app.payload = {"reason": reason[:300], "entry_method": method, "unit_id": unit.id, "unit_code": unit.unit_code,
                   "grantor_right_id": grantor.id, "collective_party_id": collective, "right_ids": [right.id],
                   "superseded_right_ids": [grantor.id] if supersede else [], "term_start": term_start.isoformat(),
                   "term_end": term_end.isoformat(), "mortgagee_consent": False,
                   "holders": [[p, rules.share_text(s)] for p, s in parsed]}
    session.flush()
    lodged_event(session, app, actor)
    return app


def _entered(session: Session, unit_id: int, right_id: int) -> Right:
    unit = current_unit(session, unit_id)
    right = current_right(session, unit, right_id)
    if not is_entered_right(right):
        raise RegistryError.NOT_AN_ENTERED_RIGHT.error()
    check_in_term(right)
    return right


def lease_entered_right(session: Session, *, actor: str, unit_id: int, right_id: int, lessee_party_id: int,
                        term_start: date, term_end: date, annual_rent: Decimal | str) -> Right:
    """Record the lease (出租) of an entered right by its holder within its term, with notice to the owning
    collective: a ledger event on the right, indexed also under the collective and the lessee. Refused after the
    right's term (registry.entered_right_expired) or for a lease beyond it (registry.lease_beyond_term)."""
    right = _entered(session, unit_id, right_id)
    get_party(session, lessee_party_id)
    rent = to_money(annual_rent)
    if rent <= 0:
        raise RegistryError.INVALID_AMOUNT.error()
    if term_end <= term_start or (right.term_end is not None and term_end > right.term_end):
        raise RegistryError.LEASE_BEYOND_TERM.error(term_end=(right.term_end or term_end).isoformat())
    append_event(session, module=MODULE, event_type="entered_right_leased", subject=subjects.right(right.id),
                 also=[subjects.party(lessee_party_id), *([subjects.party(right.collective_party_id)]
                                                          if right.collective_party_id else [])],
                 actor=actor, payload={"right_id": right.id, "unit_id": unit_id, "lessee_party_id": lessee_party_id,
                                       "term_start": term_start, "term_end": term_end, "annual_rent_cny": rent})
    notify_collective(session, right=right, action="lease", actor=actor, subject=subjects.right(right.id),
                      detail={"lease_term_start": term_start, "lease_term_end": term_end})
    return right
