"""Urban-village companies (L8): a collective converted into a company (撤村改制) carrying its shares over
as equity, and land contributed to a project for an equity share (作价入股)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries, rules
from landbridge.collective.models import (
    CollectiveStatus,
    Conversion,
    EquityContribution,
    ShareAccount,
)
from landbridge.collective.service._common import money, need_text, record, require_active
from landbridge.collective.service.votes import require_resolution
from landbridge.errors import Conflict, RuleViolation
from landbridge.kernel.clock import now
from landbridge.ledger import subjects

LAND_RIGHTS = frozenset({"collective_construction_land_use_right", "collective_land_ownership"})


def _organisation(session: Session, party_id: int, what: str) -> None:
    if registry.get_party(session, party_id).kind != "organisation":
        raise RuleViolation("collective.not_an_organisation", f"{what}必须是组织",
                            f"the {what} must be an organisation",
                            party_id=party_id)


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
        raise RuleViolation("collective.company_is_collective", "改制后的公司必须是新的组织",
                            "the company must be a party other than the collective")
    _organisation(session, company_party_id, "公司")
    accounts = session.execute(select(ShareAccount.id, ShareAccount.holder_party_id, ShareAccount.balance_shares)
                               .where(ShareAccount.collective_id == collective.id, ShareAccount.balance_shares > 0)
                               .order_by(ShareAccount.id)).all()
    total = rules.to_centi(collective.total_shares)
    if not accounts or total <= 0:
        raise RuleViolation("collective.no_shares", "尚未折股量化，无法改制", "there are no shares to carry over")
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
                           motion_id: int, actor: str) -> EquityContribution:
    """Record land the collective contributes to a project for an equity share (作价入股), after a passed vote (L8).

    The collective must hold a current collective land right on the unit. The registration of the
    right in the project's name is a separate registry transfer.
    """
    collective = queries.get_collective(session, collective_id, lock=True)
    decision = require_resolution(session, collective_id=collective.id, kind="equity_contribution",
                                  motion_id=motion_id, resolution_ref=None)
    rights = [r for r in registry.current_rights(session, unit_id) if r.right_type in LAND_RIGHTS
              and any(pid == collective.party_id for pid, _ in registry.holders_of(session, r.id))]
    if not rights:
        raise Conflict("collective.not_holder", "该不动产单元上没有本集体持有的现势集体土地权利",
                       "the collective holds no current collective land right on this unit", unit_id=unit_id)
    try:
        share = Fraction(equity_share)
    except (ValueError, ZeroDivisionError):
        raise RuleViolation("collective.invalid_equity_share", "股权比例无效", "the equity share is not a fraction"
                            ) from None
    if not 0 < share <= 1:
        raise RuleViolation("collective.invalid_equity_share", "股权比例必须在0和1之间",
                            "the equity share must be in (0, 1]")
    value = money(valuation)
    if value <= 0:
        raise RuleViolation("collective.invalid_amount", "作价金额必须大于零", "the valuation must be positive")
    _organisation(session, project_party_id, "项目公司")
    contribution = EquityContribution(
        collective_id=collective.id, unit_id=unit_id, right_id=rights[0].id,
        project_name=need_text(project_name, "collective.name_required", "项目名称不能为空",
                               "a project name is required", limit=200, field="name"),
        project_party_id=project_party_id, valuation_cny=value, equity_num=share.numerator,
        equity_den=share.denominator, motion_id=motion_id, created_at=now(), created_by=actor)
    session.add(contribution)
    session.flush()
    contribution.ledger_seq = record(
        session, event_type="land_contributed_as_equity", subject=subjects.collective(collective.id), actor=actor,
        payload={"contribution_id": contribution.id, "unit_id": unit_id, "right_id": rights[0].id,
                 "project_name": contribution.project_name, "project_party_id": project_party_id,
                 "valuation_cny": value, "equity_share": share, **decision})
    session.flush()
    return contribution
