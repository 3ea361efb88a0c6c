"""Shares: assets, quantification, accounts and their entries, reconciliation, transfers, inheritance, pledges (C2, F2).

Part of the collective JSON API (``landbridge.collective.views``, /api/v1/collective); split by section (issue #14).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role
from landbridge.collective import queries, service
from landbridge.collective.schemas import (
    AccountPage,
    AccountRead,
    AssetCreate,
    AssetRead,
    InheritIn,
    PledgeIn,
    PledgeRead,
    QuantificationRead,
    QuantifyIn,
    ReconciliationRead,
    ReleaseIn,
    ShareEntryRead,
    ShareTransferIn,
)
from landbridge.collective.views.access import (
    account_read,
    clerk,
    forbidden_collective,
    motion_reader,
    owned,
    page_limit,
    readable,
    reader,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


# --- shares ---------------------------------------------------------------------------------------

@router.post("/collectives/{collective_id}/assets", response_model=AssetRead, status_code=201)
def record_asset(collective_id: int, body: AssetCreate, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> Any:
    """Enter an operating asset, marking those formed by fiscal agricultural funds (C2)."""
    collective = owned(session, principal, collective_id)
    return service.record_asset(session, collective_id=collective.id, name=body.name, category=body.category,
                                value=body.value, acquired_on=body.acquired_on,
                                from_fiscal_funds=body.from_fiscal_funds, fund_source=body.fund_source,
                                actor=principal.actor)


@router.post("/collectives/{collective_id}/quantification", response_model=QuantificationRead, status_code=201)
def quantify(collective_id: int, body: QuantifyIn, principal: Principal = Depends(clerk),
             session: Session = Depends(get_session)) -> Any:
    """Quantify operating assets into members' shares (折股量化) (C2)."""
    collective = owned(session, principal, collective_id)
    result = service.quantify_shares(session, collective_id=collective.id, base_date=body.base_date,
                                     asset_value=body.asset_value, motion_id=body.motion_id,
                                     resolution_ref=body.resolution_ref, actor=principal.actor)
    return QuantificationRead(**result.__dict__)


@router.get("/collectives/{collective_id}/accounts", response_model=AccountPage)
def list_accounts(collective_id: int, limit: int = Query(100, ge=1), offset: int = Query(0, ge=0),
                  principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> AccountPage:
    """Share accounts of the collective with their balances and pledged shares (C2)."""
    collective = readable(session, principal, collective_id)
    limit = page_limit(limit)
    rows, total = queries.list_accounts(session, collective.id, limit=limit, offset=offset)
    registry.record_party_reads(session, principal, {a.holder_party_id for a in rows},
                                purpose="collective.share_accounts")
    return AccountPage(items=[account_read(session, a) for a in rows], total=total, limit=limit, offset=offset)


@router.get("/accounts/{account_id}/entries", response_model=list[ShareEntryRead])
def account_entries(account_id: int, principal: Principal = Depends(motion_reader),
                    session: Session = Depends(get_session)) -> list[Any]:
    """An account's share ledger (股权台账); a member sees their own accounts only (C2)."""
    account = queries.get_account(session, account_id)
    collective = queries.get_collective(session, account.collective_id)
    if principal.role == Role.member:
        mine = {a.id for m in queries.memberships_of_party(session, principal.party_id or -1)
                for a in queries.accounts_for_member(session, m)}
        if account.id not in mine:
            raise forbidden_collective()
    else:
        readable(session, principal, collective.id)
    return list(queries.account_entries(session, account.id))


@router.get("/collectives/{collective_id}/reconciliation", response_model=ReconciliationRead)
def reconciliation(collective_id: int, principal: Principal = Depends(reader),
                   session: Session = Depends(get_session)) -> ReconciliationRead:
    """Share totals recomputed from balances and ledger lines (C2)."""
    rec = queries.reconcile_shares(session, readable(session, principal, collective_id).id)
    return ReconciliationRead(ok=rec.ok, **rec.__dict__)


def _account_owned(session: Session, principal: Principal, account_id: int) -> None:
    owned(session, principal, queries.get_account(session, account_id).collective_id)


@router.post("/shares/transfer", response_model=list[AccountRead])
def transfer_shares(body: ShareTransferIn, principal: Principal = Depends(clerk),
                    session: Session = Depends(get_session)) -> list[AccountRead]:
    """Transfer free shares to another member or household of the same collective (C2)."""
    _account_owned(session, principal, body.from_account_id)
    src, dst = service.transfer_shares(session, from_account_id=body.from_account_id, to_party_id=body.to_party_id,
                                       quantity=body.quantity, ground=body.ground, actor=principal.actor)
    return [account_read(session, src), account_read(session, dst)]


@router.post("/shares/inherit", response_model=list[AccountRead])
def inherit_shares(body: InheritIn, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> list[AccountRead]:
    """Pass a deceased holder's account to an heir in the collective (C2)."""
    _account_owned(session, principal, body.from_account_id)
    src, dst = service.inherit_shares(session, from_account_id=body.from_account_id, heir_party_id=body.heir_party_id,
                                      evidence=body.evidence, actor=principal.actor)
    return [account_read(session, src), account_read(session, dst)]


@router.post("/pledges", response_model=PledgeRead, status_code=201)
def pledge_shares(body: PledgeIn, principal: Principal = Depends(clerk),
                  session: Session = Depends(get_session)) -> Any:
    """Record a pledge of shares for a loan (股权质押) (C2, F2)."""
    _account_owned(session, principal, body.account_id)
    return service.pledge_shares(session, account_id=body.account_id, quantity=body.quantity,
                                 pledgee_party_id=body.pledgee_party_id, reference=body.reference,
                                 actor=principal.actor)


@router.post("/pledges/{pledge_id}/release", response_model=PledgeRead)
def release_pledge(pledge_id: int, body: ReleaseIn, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> Any:
    """Release a share pledge (F2)."""
    owned(session, principal, queries.get_pledge(session, pledge_id).collective_id)
    return service.release_pledge(session, pledge_id=pledge_id, reason=body.reason, actor=principal.actor)

