"""Urban-village companies (L8): a collective converted into a company (撤村改制) carrying its shares over
as equity, and land contributed to a project for an equity share (作价入股)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    CollectiveStatus,
    Conversion,
    EquityContribution,
    ShareAccount,
)
from landbridge.collective.service._common import money, need_text, record, require_active
from landbridge.collective.service.votes import require_resolution
from landbridge.kernel.clock import now
from landbridge.ledger import subjects

LAND_RIGHTS = frozenset({"collective_construction_land_use_right", "collective_land_ownership"})


def _organisation(session: Session, party_id: int, what: str) -> None:
    if registry.get_party(session, party_id).kind != "organisation":
        raise CollectiveError.NOT_AN_ORGANISATION.error({"what": what}, party_id=party_id)


def convert_to_company(session: Session, *, collective_id: int, company_party_id: int, motion_id: int,
                       actor: str) -> Conversion:
    """Convert the collective into a company (撤村改制) after a passed conversion motion; shares become equity (L8).

    The share accounts carry over unchanged as the company's equity register; the cap table
    (account, holder, shares, fraction of the total) is sealed with its SHA-256 in the ledger.
    """
    collective = queries.get_collective(session, collective_id, lock=True)
    require_active(collective)
    decision = require_resolution(session, collective_id=collective.id, kind="conversion", motion_id=motion_id,
                                  resolution_ref=None)
    if company_party_id == collective.party_id:
        raise CollectiveError.COMPANY_IS_COLLECTIVE.error()
    _organisation(session, company_party_id, "公司")
    accounts = session.execute(select(ShareAccount.id, ShareAccount.holder_party_id, ShareAccount.balance_shares)
                               .where(ShareAccount.collective_id == collective.id, ShareAccount.balance_shares > 0)
                               .order_by(ShareAccount.id)).all()
    total = rules.to_centi(collective.total_shares)
    if not accounts or total <= 0:
        raise CollectiveError.NO_SHARES_2.error()
    cap = [rules.canonical_row([int(a), int(h), str(b), str(Fraction(rules.to_centi(b), total))])
           for a, h, b in accounts]
    digest = rules.lines_digest(cap)
    conversion = Conversion(collective_id=collective.id, company_party_id=company_party_id, motion_id=motion_id,
                            total_shares=collective.total_shares, holder_count=len(accounts), cap_table_sha256=digest,
                            converted_at=now())
    session.add(conversion)
    collective.status = CollectiveStatus.converted
    collective.company_party_id = company_party_id
    collective.version += 1
    session.flush()
    conversion.ledger_seq = record(session, event_type="converted_to_company",
                                   subject=subjects.collective(collective.id),
                                   actor=actor, payload={"company_party_id": company_party_id,
                                                         "total_shares": collective.total_shares,
                                                         "holders": len(accounts), "cap_table_sha256": digest,
                                                         **decision})
    session.flush()
    return conversion


def contribute_land_equity(session: Session, *, collective_id: int, unit_id: int, project_name: str,
                           project_party_id: int, valuation: Decimal | str, equity_share: str | Fraction,
                           motion_id: int, actor: str,
                           partners: Sequence[tuple[int, Fraction]] = ()) -> EquityContribution:
    """Record land the collective contributes to a project for an equity share (作价入股), after a passed vote (L8).

    The collective must hold a current collective land right on the unit. The registration of the
    right in the project's name is a separate registry transfer. A project won by a consortium names ``partners``:
    every member (an organisation) with its share, the shares summing to 1, the project party among them.
    """
    collective = queries.get_collective(session, collective_id, lock=True)
    decision = require_resolution(session, collective_id=collective.id, kind="equity_contribution",
                                  motion_id=motion_id, resolution_ref=None)
    rights = [r for r in registry.current_rights(session, unit_id) if r.right_type in LAND_RIGHTS
              and any(pid == collective.party_id for pid, _ in registry.holders_of(session, r.id))]
    if not rights:
        raise CollectiveError.NOT_HOLDER.error(unit_id=unit_id)
    try:
        share = Fraction(equity_share)
    except (ValueError, ZeroDivisionError):
        raise CollectiveError.INVALID_EQUITY_SHARE_2.error() from None
    if not 0 < share <= 1:
        raise CollectiveError.INVALID_EQUITY_SHARE.error()
    value = money(valuation)
    if value <= 0:
        raise CollectiveError.INVALID_AMOUNT_5.error()
    _organisation(session, project_party_id, "项目公司")
    named = _partners(session, project_party_id, partners)
    contribution = EquityContribution(
        collective_id=collective.id, unit_id=unit_id, right_id=rights[0].id,
        project_name=need_text(project_name, CollectiveError.NAME_REQUIRED_2, limit=200, field="name"),
        project_party_id=project_party_id, valuation_cny=value, equity_num=share.numerator,
        equity_den=share.denominator, motion_id=motion_id, created_at=now(), created_by=actor, partners=named)
    session.add(contribution)
    session.flush()
    contribution.ledger_seq = record(
        session, event_type="land_contributed_as_equity", subject=subjects.collective(collective.id), actor=actor,
        payload={"contribution_id": contribution.id, "unit_id": unit_id, "right_id": rights[0].id,
                 "project_name": contribution.project_name, "project_party_id": project_party_id,
                 "valuation_cny": value, "equity_share": share, **({"partners": named} if named else {}),
                 **decision})
    session.flush()
    return contribution


def _partners(session: Session, project_party_id: int, partners: Sequence[tuple[int, Fraction]]
              ) -> list[dict[str, Any]] | None:
    """A consortium's members as stored (party and share, the project party first), or None for a single company;
    422 collective.invalid_partners unless the shares are positive and sum to 1 and the project party is one of
    them; each member must be an organisation."""
    if not partners:
        return None
    parties = [int(p) for p, _ in partners]
    shares = [Fraction(x) for _, x in partners]
    if project_party_id not in parties or len(set(parties)) != len(parties) or sum(shares) != 1 \
            or any(x <= 0 for x in shares):
        raise CollectiveError.INVALID_PARTNERS.error()
    for pid in parties:
        _organisation(session, pid, "项目公司")
    ordered = sorted(zip(parties, shares, strict=True), key=lambda m: (m[0] != project_party_id, m[0]))
    return [{"party_id": pid, "share": f"{x.numerator}/{x.denominator}"} for pid, x in ordered]


def reverse_land_equity_contribution(session: Session, *, contribution_id: int, reason: str,
                                     actor: str) -> EquityContribution:
    """Reverse a recorded contribution as equity whose ground is gone (the exchange's result it was made on was
    annulled): the row stays, marked reversed with the reason, and ``land_equity_contribution_reversed`` is
    written. 404 collective.contribution_not_found; 409 collective.contribution_reversed when reversed already."""
    row = session.get(EquityContribution, contribution_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise CollectiveError.CONTRIBUTION_NOT_FOUND.error(contribution_id=contribution_id)
    if row.reversed_at is not None:
        raise CollectiveError.CONTRIBUTION_REVERSED.error(contribution_id=contribution_id)
    row.reversal_reason = need_text(reason, CollectiveError.MEMO_REQUIRED, limit=300, field="reason")
    row.reversed_at, row.reversed_by = now(), actor
    session.flush()
    record(session, event_type="land_equity_contribution_reversed", subject=subjects.collective(row.collective_id),
           actor=actor, payload={"contribution_id": row.id, "unit_id": row.unit_id,
                                 "project_party_id": row.project_party_id, "valuation_cny": row.valuation_cny,
                                 "reason": row.reversal_reason})
    return row
