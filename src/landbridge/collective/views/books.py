"""Books and dividends, urban-village company conversion and land equity contributions (C2, L8).

Part of the collective JSON API (``landbridge.collective.views``, /api/v1/collective); split by section (issue #14).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from landbridge.auth import Principal
from landbridge.collective import queries, service
from landbridge.collective.errors import CollectiveError
from landbridge.collective.schemas import (
    BookEntryIn,
    BookEntryRead,
    BookRead,
    ConversionIn,
    ConversionRead,
    DividendIn,
    DividendLineRead,
    DividendRunRead,
    EquityIn,
    EquityRead,
)
from landbridge.collective.views.access import (
    clerk,
    owned,
    readable,
    reader,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


# --- books and dividends ----------------------------------------------------------------------------

@router.get("/collectives/{collective_id}/books", response_model=list[BookRead])
def list_books(collective_id: int, principal: Principal = Depends(reader),
               session: Session = Depends(get_session)) -> list[Any]:
    """The collective's and the village committee's books, kept apart (C1)."""
    return list(queries.books_of(session, readable(session, principal, collective_id).id))


@router.post("/books/{book_id}/entries", response_model=BookEntryRead, status_code=201)
def post_entry(book_id: int, body: BookEntryIn, principal: Principal = Depends(clerk),
               session: Session = Depends(get_session)) -> Any:
    """Post an income or outgo to one book (C1)."""
    owned(session, principal, queries.get_book(session, book_id).collective_id)
    return service.record_book_entry(session, book_id=book_id, direction=body.direction, amount=body.amount,
                                     category=body.category, memo=body.memo, occurred_on=body.occurred_on,
                                     actor=principal.actor)


def run_read(session: Session, run: Any, *, lines: bool) -> DividendRunRead:
    out = DividendRunRead.model_validate(run)
    if lines:
        out.lines = [DividendLineRead.model_validate(x) for x in queries.dividend_lines(session, run.id)]
    return out


@router.post("/collectives/{collective_id}/dividends", response_model=DividendRunRead, status_code=201)
def run_dividend(collective_id: int, body: DividendIn, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> DividendRunRead:
    """Pay an amount out as dividends by shares, once per period (C2, L5)."""
    collective = owned(session, principal, collective_id)
    run = service.run_dividend(session, collective_id=collective.id, period=body.period, amount=body.amount,
                               motion_id=body.motion_id, resolution_ref=body.resolution_ref, actor=principal.actor)
    return run_read(session, run, lines=True)


@router.get("/collectives/{collective_id}/dividends", response_model=list[DividendRunRead])
def list_dividends(collective_id: int, principal: Principal = Depends(reader),
                   session: Session = Depends(get_session)) -> list[DividendRunRead]:
    """Dividend runs of the collective, latest first, without their lines (C2, L5)."""
    collective = readable(session, principal, collective_id)
    return [run_read(session, r, lines=False) for r in queries.list_dividend_runs(session, collective.id)]


@router.get("/dividends/{run_id}", response_model=DividendRunRead)
def read_dividend(run_id: int, principal: Principal = Depends(reader),
                  session: Session = Depends(get_session)) -> DividendRunRead:
    """A dividend run with its lines (C2)."""
    run = queries.get_dividend_run(session, run_id)
    readable(session, principal, run.collective_id)
    return run_read(session, run, lines=True)


# --- urban-village companies ---------------------------------------------------------------------

@router.post("/collectives/{collective_id}/conversion", response_model=ConversionRead, status_code=201)
def convert(collective_id: int, body: ConversionIn, principal: Principal = Depends(clerk),
            session: Session = Depends(get_session)) -> Any:
    """Convert the collective into a company after a passed vote (撤村改制) (L8)."""
    collective = owned(session, principal, collective_id)
    return service.convert_to_company(session, collective_id=collective.id, company_party_id=body.company_party_id,
                                      motion_id=body.motion_id, actor=principal.actor)


@router.post("/collectives/{collective_id}/equity-contributions", response_model=EquityRead, status_code=201)
def contribute_land(collective_id: int, body: EquityIn, principal: Principal = Depends(clerk),
                    session: Session = Depends(get_session)) -> Any:
    """Record land contributed to a project for equity after a passed vote (作价入股) (L8)."""
    collective = owned(session, principal, collective_id)
    try:
        share = Fraction(body.equity_share)
    except ZeroDivisionError:
        raise CollectiveError.INVALID_EQUITY_SHARE_2.error() from None
    return service.contribute_land_equity(session, collective_id=collective.id, unit_id=body.unit_id,
                                          project_name=body.project_name, project_party_id=body.project_party_id,
                                          valuation=body.valuation, equity_share=share, motion_id=body.motion_id,
                                          actor=principal.actor)

