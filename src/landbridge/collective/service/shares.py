"""Shares (C2, F2): operating assets, their quantification into members' shares (折股量化), and the share
ledger of each account: issue, inheritance, transfer inside the collective, pledge and release.

Every movement updates the locked account rows and appends ``collective_share_entry`` lines in the
same transaction, so an account's balance is always the sum of its lines and the collective's total
the sum of its balances (``queries.reconcile_shares``). The arithmetic is ``rules``' pure functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    Asset,
    Member,
    MemberStatus,
    PledgeStatus,
    Quantification,
    ShareAccount,
    ShareEntry,
    ShareEntryKind,
    SharePledge,
)
from landbridge.collective.service._common import (
    CHUNK,
    collective_rules,
    fit,
    lock_accounts,
    money,
    need_text,
    record,
    require_active,
)
from landbridge.collective.service.votes import require_resolution
from landbridge.kernel.clock import now
from landbridge.ledger import subjects

_ACCOUNT: Any = ShareAccount.__table__
_ENTRY: Any = ShareEntry.__table__
ZERO = Decimal("0.00")


def record_asset(session: Session, *, collective_id: int, name: str, category: str, value: Decimal | str,
                 acquired_on: date, from_fiscal_funds: bool = False, fund_source: str | None = None,
                 actor: str) -> Asset:
    """Enter an operating asset (经营性资产), marking those formed by fiscal agricultural funds (C2)."""
    collective = queries.get_collective(session, collective_id)
    amount = money(value)
    fit(category, 32, "category")
    fit(fund_source, 200, "fund_source")
    if amount <= 0:
        raise CollectiveError.INVALID_AMOUNT_6.error()
    if from_fiscal_funds and not (fund_source or "").strip():
        raise CollectiveError.FUND_SOURCE_REQUIRED.error()
    asset = Asset(collective_id=collective.id, name=need_text(name, CollectiveError.NAME_REQUIRED, limit=200,
                                                              field="name"),
                  category=category, value_cny=amount, from_fiscal_funds=from_fiscal_funds,
                  fund_source=fund_source, acquired_on=acquired_on, created_at=now())
    session.add(asset)
    session.flush()
    asset.ledger_seq = record(session, event_type="asset_recorded", subject=subjects.asset(asset.id),
                              actor=actor, payload={"collective_id": collective.id, "name": asset.name,
                                                    "category": category, "value_cny": amount,
                                                    "from_fiscal_funds": from_fiscal_funds,
                                                    "fund_source": fund_source, "acquired_on": acquired_on})
    session.flush()
    return asset


@dataclass(frozen=True)
class QuantificationResult:
    """What a quantification issued: totals, counts and the ledger event that seals the rows."""

    quantification_id: int
    collective_id: int
    total_shares: Decimal
    member_count: int
    account_count: int
    value_per_share: Decimal
    rows_sha256: str
    ledger_seq: int


def _asset_values(session: Session, collective_id: int, base_date: date) -> tuple[Decimal, Decimal]:
    rows = session.execute(select(Asset.value_cny, Asset.from_fiscal_funds)
                           .where(Asset.collective_id == collective_id, Asset.acquired_on <= base_date)).all()
    total = sum((v for v, _ in rows), ZERO)
    fiscal = sum((v for v, f in rows if f), ZERO)
    return total, fiscal


def ensure_accounts(session: Session, collective_id: int, holders: list[int]) -> dict[int, int]:
    """Account id per holder party, opening the missing accounts with Core inserts in chunks."""
    wanted = sorted(set(holders))
    found: dict[int, int] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start:start + CHUNK]
        found.update({int(h): int(a) for h, a in session.execute(
            select(ShareAccount.holder_party_id, ShareAccount.id)
            .where(ShareAccount.collective_id == collective_id, ShareAccount.holder_party_id.in_(part))).all()})
    missing = [h for h in wanted if h not in found]
    stamp = now()
    for start in range(0, len(missing), CHUNK):
        part = missing[start:start + CHUNK]
        session.execute(insert(_ACCOUNT), [{"collective_id": collective_id, "holder_party_id": h,
                                            "balance_shares": ZERO, "pledged_shares": ZERO, "created_at": stamp,
                                            "version": 1} for h in part])
        found.update({int(h): int(a) for h, a in session.execute(
            select(ShareAccount.holder_party_id, ShareAccount.id)
            .where(ShareAccount.collective_id == collective_id, ShareAccount.holder_party_id.in_(part))).all()})
    return found


def quantify_shares(session: Session, *, collective_id: int, base_date: date, actor: str,
                    asset_value: Decimal | str | None = None, motion_id: int | None = None,
                    resolution_ref: str | None = None) -> QuantificationResult:
    """Quantify operating assets into shares held by the members (折股量化), once per collective (C2).

    Each member on the roll on the base date gets the rule set's population shares plus seniority
    shares for their counted farm years; shares go to the household's account (户内共享) or the
    member's own, per the rule set. Needs the members' decision (a passed ``share_quantification``
    motion, or the reference of a paper resolution). Vectorised: one read of the roll, Core inserts
    in chunks, one ledger event with the SHA-256 over the canonical rows.
    """
    collective = queries.get_collective(session, collective_id, lock=True)
    require_active(collective)
    if session.execute(select(Quantification.id).where(Quantification.collective_id == collective.id)).first():
        raise CollectiveError.ALREADY_QUANTIFIED.error()
    decision = require_resolution(session, collective_id=collective.id, kind="share_quantification",
                                  motion_id=motion_id, resolution_ref=resolution_ref)
    config = collective_rules(base_date)
    recorded_total, fiscal = _asset_values(session, collective.id, base_date)
    total_value = money(asset_value) if asset_value is not None else recorded_total
    if total_value <= 0:
        raise CollectiveError.NO_ASSETS.error()
    if fiscal > total_value:
        raise CollectiveError.FISCAL_EXCEEDS_TOTAL.error()
    members = session.execute(
        select(Member.id, Member.party_id, Member.household_party_id, Member.birth_date, Member.admitted_on,
               Member.farm_since)
        .where(Member.collective_id == collective.id, Member.status == MemberStatus.active,
               Member.admitted_on <= base_date).order_by(Member.id)).all()
    issued: list[tuple[int, int, int]] = []  # (member id, holder party id, centishares)
    for member_id, party_id, household_id, birth, admitted, farm_since in members:
        shares = rules.member_shares(config.quantification, birth_date=birth, admitted_on=admitted,
                                     farm_since=farm_since, base_date=base_date)
        holder = household_id if config.holding_unit == "household" and household_id else party_id
        if shares > 0:
            issued.append((int(member_id), int(holder), rules.to_centi(shares)))
    if not issued:
        raise CollectiveError.NO_MEMBERS.error()
    accounts = ensure_accounts(session, collective.id, [h for _, h, _ in issued])
    per_account: dict[int, int] = defaultdict(int)
    for _, holder, centi in issued:
        per_account[accounts[holder]] += centi
    total_centi = sum(per_account.values())
    canon = [rules.canonical_row([m, h, str(rules.from_centi(c))]) for m, h, c in issued]
    digest = rules.lines_digest(canon)
    quant = Quantification(collective_id=collective.id, base_date=base_date, asset_value_cny=total_value,
                           fiscal_asset_value_cny=fiscal, total_shares=rules.from_centi(total_centi),
                           member_count=len(issued), account_count=len(per_account),
                           rule_version=config.effective_from.isoformat(), motion_id=motion_id,
                           resolution_ref=decision.get("resolution_ref"), rows_sha256=digest, created_at=now(),
                           created_by=actor)
    try:
        with session.begin_nested():
            session.add(quant)
            session.flush()
    except IntegrityError:
        raise CollectiveError.ALREADY_QUANTIFIED.error() from None
    value_per_share = (total_value / rules.from_centi(total_centi)).quantize(rules.VALUE_PER_SHARE_QUANTUM)
    seq = record(session, event_type="shares_quantified", subject=subjects.collective(collective.id), actor=actor,
                 payload={"quantification_id": quant.id, "base_date": base_date, "asset_value_cny": total_value,
                          "fiscal_asset_value_cny": fiscal, "total_shares": rules.from_centi(total_centi),
                          "members": len(issued), "accounts": len(per_account), "rows_sha256": digest,
                          "rule_version": quant.rule_version, "value_per_share": value_per_share, **decision})
    stamp = now()
    for start in range(0, len(issued), CHUNK):
        session.execute(insert(_ENTRY), [
            {"collective_id": collective.id, "account_id": accounts[h], "kind": ShareEntryKind.issue.value,
             "delta_shares": rules.from_centi(c), "pledged_delta_shares": ZERO, "counterpart_account_id": None,
             "member_id": m, "quantification_id": quant.id, "pledge_id": None, "ground": "折股量化",
             "created_at": stamp, "actor": actor, "ledger_seq": seq} for m, h, c in issued[start:start + CHUNK]])
    items = sorted(per_account.items())
    add = (update(_ACCOUNT).where(_ACCOUNT.c.id == bindparam("aid"))
           .values(balance_shares=_ACCOUNT.c.balance_shares + bindparam("add", type_=_ACCOUNT.c.balance_shares.type),
                   version=_ACCOUNT.c.version + 1))
    for start in range(0, len(items), CHUNK):
        session.execute(add, [{"aid": a, "add": rules.from_centi(c)} for a, c in items[start:start + CHUNK]],
                        execution_options={"synchronize_session": False})
    collective.total_shares = rules.from_centi(rules.to_centi(collective.total_shares) + total_centi)
    collective.version += 1
    quant.ledger_seq = seq
    session.flush()
    session.expire_all()  # accounts were changed with Core: reload them on next access
    return QuantificationResult(quant.id, collective.id, rules.from_centi(total_centi), len(issued),
                                len(per_account), value_per_share, digest, seq)


def _holding(account: ShareAccount) -> rules.Holding:
    return rules.Holding(rules.to_centi(account.balance_shares), rules.to_centi(account.pledged_shares))


def _store(account: ShareAccount, holding: rules.Holding) -> None:
    rules.check_holding(holding)
    account.balance_shares = rules.from_centi(holding.balance)
    account.pledged_shares = rules.from_centi(holding.pledged)
    account.version += 1


def _entry(session: Session, account: ShareAccount, kind: ShareEntryKind, *, delta: int = 0, pledged: int = 0,
           counterpart: int | None = None, pledge_id: int | None = None, ground: str | None, actor: str,
           seq: int) -> None:
    session.add(ShareEntry(collective_id=account.collective_id, account_id=account.id, kind=kind.value,
                           delta_shares=rules.from_centi(delta), pledged_delta_shares=rules.from_centi(pledged),
                           counterpart_account_id=counterpart, pledge_id=pledge_id, ground=ground, created_at=now(),
                           actor=actor, ledger_seq=seq))


def _target_account(session: Session, collective_id: int, party_id: int) -> int:
    if not queries.holder_in_collective(session, collective_id, party_id):
        raise CollectiveError.HOLDER_NOT_IN_COLLECTIVE.error(party_id=party_id)
    return ensure_accounts(session, collective_id, [party_id])[party_id]


def transfer_shares(session: Session, *, from_account_id: int, to_party_id: int, quantity: Decimal | str,
                    ground: str, actor: str) -> tuple[ShareAccount, ShareAccount]:
    """Transfer free shares to another member or household of the same collective (股权内部转让, C2)."""
    qty = rules.to_centi(rules.parse_shares(quantity))
    reason = need_text(ground, CollectiveError.GROUND_REQUIRED)
    source = queries.get_account(session, from_account_id)
    target_id = _target_account(session, source.collective_id, to_party_id)
    if target_id == source.id:
        raise CollectiveError.SAME_ACCOUNT.error()
    locked = lock_accounts(session, [source.id, target_id])
    src, dst = locked[source.id], locked[target_id]
    new_src, new_dst = rules.transfer(_holding(src), _holding(dst), qty)
    _store(src, new_src)
    _store(dst, new_dst)
    seq = record(session, event_type="shares_transferred", subject=subjects.share_account(src.id),
                 actor=actor, payload={"collective_id": src.collective_id, "from_account_id": src.id,
                                       "to_account_id": dst.id, "to_party_id": to_party_id,
                                       "shares": rules.from_centi(qty), "ground": reason})
    _entry(session, src, ShareEntryKind.transfer_out, delta=-qty, counterpart=dst.id, ground=reason, actor=actor,
           seq=seq)
    _entry(session, dst, ShareEntryKind.transfer_in, delta=qty, counterpart=src.id, ground=reason, actor=actor,
           seq=seq)
    session.flush()
    return src, dst


def inherit_shares(session: Session, *, from_account_id: int, heir_party_id: int, evidence: str,
                   actor: str) -> tuple[ShareAccount, ShareAccount]:
    """Pass a deceased holder's whole account to an heir in the collective (股权继承); pledges follow (C2, F2)."""
    reason = need_text(evidence, CollectiveError.EVIDENCE_REQUIRED_3)
    source = queries.get_account(session, from_account_id)
    holder = registry.get_party(session, source.holder_party_id)
    if holder.kind == "person" and queries.find_active_membership(session, holder.id) is not None:
        raise CollectiveError.HOLDER_STILL_MEMBER.error()
    target_id = _target_account(session, source.collective_id, heir_party_id)
    if target_id == source.id:
        raise CollectiveError.SAME_ACCOUNT_2.error()
    locked = lock_accounts(session, [source.id, target_id])
    src, dst = locked[source.id], locked[target_id]
    before = _holding(src)
    new_src, new_dst = rules.inherit(before, _holding(dst))
    _store(src, new_src)
    _store(dst, new_dst)
    pledges = queries.list_pledges(session, [src.id], active_only=True)
    for p in pledges:
        p.account_id = dst.id
    seq = record(session, event_type="shares_inherited", subject=subjects.share_account(src.id), actor=actor,
                 payload={"collective_id": src.collective_id, "from_account_id": src.id, "to_account_id": dst.id,
                          "heir_party_id": heir_party_id, "shares": rules.from_centi(before.balance),
                          "pledged": rules.from_centi(before.pledged), "pledges_moved": [p.id for p in pledges],
                          "evidence": reason})
    _entry(session, src, ShareEntryKind.inherit_out, delta=-before.balance, pledged=-before.pledged,
           counterpart=dst.id, ground=reason, actor=actor, seq=seq)
    _entry(session, dst, ShareEntryKind.inherit_in, delta=before.balance, pledged=before.pledged,
           counterpart=src.id, ground=reason, actor=actor, seq=seq)
    session.flush()
    return src, dst


def pledge_shares(session: Session, *, account_id: int, quantity: Decimal | str, pledgee_party_id: int,
                  reference: str, actor: str) -> SharePledge:
    """Pledge free shares to a lender for a loan (股权质押); pledged shares cannot be transferred (C2, F2)."""
    qty = rules.to_centi(rules.parse_shares(quantity))
    ref = need_text(reference, CollectiveError.REFERENCE_REQUIRED, limit=120, field="reference")
    pledgee = registry.get_party(session, pledgee_party_id)
    if pledgee.kind != "organisation":
        raise CollectiveError.PLEDGEE_NOT_AN_ORGANISATION.error()
    account = lock_accounts(session, [account_id])[account_id]
    _store(account, rules.pledge(_holding(account), qty))
    pledge = SharePledge(collective_id=account.collective_id, account_id=account.id,
                         quantity_shares=rules.from_centi(qty), pledgee_party_id=pledgee_party_id, reference=ref,
                         status=PledgeStatus.active, created_at=now())
    session.add(pledge)
    session.flush()
    seq = record(session, event_type="shares_pledged", subject=subjects.share_account(account.id), actor=actor,
                 payload={"collective_id": account.collective_id, "pledge_id": pledge.id,
                          "shares": rules.from_centi(qty), "pledgee_party_id": pledgee_party_id, "reference": ref})
    pledge.ledger_seq = seq
    _entry(session, account, ShareEntryKind.pledge, pledged=qty, pledge_id=pledge.id, ground=ref, actor=actor, seq=seq)
    session.flush()
    return pledge


def release_pledge(session: Session, *, pledge_id: int, actor: str, reason: str = "loan repaid") -> SharePledge:
    """Release a share pledge (解除质押), e.g. when the loan is repaid (F2)."""
    pledge = queries.get_pledge(session, pledge_id)
    account = lock_accounts(session, [pledge.account_id])[pledge.account_id]
    pledge = queries.get_pledge(session, pledge_id, lock=True)
    if pledge.status != PledgeStatus.active:
        raise CollectiveError.PLEDGE_NOT_ACTIVE.error()
    if pledge.account_id != account.id:  # moved by an inheritance between our two reads
        raise CollectiveError.PLEDGE_MOVED.error()
    qty = rules.to_centi(pledge.quantity_shares)
    _store(account, rules.release(_holding(account), qty))
    pledge.status = PledgeStatus.released
    pledge.released_at = now()
    seq = record(session, event_type="pledge_released", subject=subjects.share_account(account.id),
                 actor=actor, payload={"collective_id": account.collective_id, "pledge_id": pledge.id,
                                       "shares": pledge.quantity_shares, "reason": reason})
    _entry(session, account, ShareEntryKind.release, pledged=-qty, pledge_id=pledge.id, ground=reason, actor=actor,
           seq=seq)
    session.flush()
    return pledge


def lock_share_account(session: Session, account_id: int) -> ShareAccount:
    """Load and lock one share account (its row lock serialises whoever reserves or pledges its shares)."""
    return lock_accounts(session, [account_id])[account_id]


def sell_pledged_shares(session: Session, *, pledge_id: int, to_party_id: int, ground: str,
                        actor: str) -> tuple[SharePledge, ShareAccount]:
    """质权实现: the pledgee sells the pledged shares (民法典 art. 436, 443) to a member or household of the same
    collective (股权内部转让, C2): in one step the pledge is released and its shares leave the pledgor's account for
    the buyer's, one ledger event and three register lines (release, transfer out, transfer in). Refused
    ``collective.holder_not_in_collective`` for an outside buyer, ``collective.pledge_not_active`` once released."""
    reason = need_text(ground, CollectiveError.GROUND_REQUIRED)
    pledge = queries.get_pledge(session, pledge_id)
    target_id = _target_account(session, pledge.collective_id, to_party_id)
    if target_id == pledge.account_id:
        raise CollectiveError.SAME_ACCOUNT.error()
    locked = lock_accounts(session, [pledge.account_id, target_id])
    pledge = queries.get_pledge(session, pledge_id, lock=True)
    if pledge.status != PledgeStatus.active:
        raise CollectiveError.PLEDGE_NOT_ACTIVE.error()
    if pledge.account_id not in locked:  # moved by an inheritance between our two reads
        raise CollectiveError.PLEDGE_MOVED.error()
    src, dst = locked[pledge.account_id], locked[target_id]
    qty = rules.to_centi(pledge.quantity_shares)
    new_src, new_dst = rules.transfer(rules.release(_holding(src), qty), _holding(dst), qty)
    _store(src, new_src)
    _store(dst, new_dst)
    pledge.status = PledgeStatus.released
    pledge.released_at = now()
    seq = record(session, event_type="pledged_shares_sold", subject=subjects.share_account(src.id), actor=actor,
                 payload={"collective_id": src.collective_id, "pledge_id": pledge.id, "from_account_id": src.id,
                          "to_account_id": dst.id, "to_party_id": to_party_id, "shares": pledge.quantity_shares,
                          "pledgee_party_id": pledge.pledgee_party_id, "ground": reason})
    _entry(session, src, ShareEntryKind.release, pledged=-qty, pledge_id=pledge.id, ground=reason, actor=actor,
           seq=seq)
    _entry(session, src, ShareEntryKind.transfer_out, delta=-qty, counterpart=dst.id, pledge_id=pledge.id,
           ground=reason, actor=actor, seq=seq)
    _entry(session, dst, ShareEntryKind.transfer_in, delta=qty, counterpart=src.id, pledge_id=pledge.id,
           ground=reason, actor=actor, seq=seq)
    session.flush()
    return pledge, dst
