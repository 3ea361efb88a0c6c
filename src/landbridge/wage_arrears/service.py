"""The wage-arrears case's steps (欠薪投诉 → 立案 → 责令限期支付 → 督办 → 清偿结案 / 移送; 保障农民工工资支付条例,
劳动保障监察条例; issue #20 item 4, requirements E1/E2).

A worker (a resident login linked to a registry person) files a complaint against an employer named by its USCC (it
need not have a login), or a service desk or township official files it on the worker's behalf. The county's labour
inspector (``labour_inspector``) accepts or rejects it within ``decide_working_days``, orders the employer to pay
within working days (责令限期支付), records payments (the inspector's own, or an employer's claim the inspector
confirms), and closes the case when it is paid in full; an order not paid by its deadline is escalated level by level
by the worker job (rule data: township → county → listed as a serious violator), and at the last level the case may
close as referred. The worker confirms receipt and rates the handling.

Each step is a named transition: the case loaded (locked on PostgreSQL), its guard checked before anything is written
(a typed ``WageArrearsError``), the row moved by a conditional UPDATE on the status and version read, one ledger event
in the caller's transaction. A payment adds to ``paid_fen`` by one conditional UPDATE that also requires the sum to
stay within ``owed_fen``, so two payments racing never over-pay. The payloads name the worker's party and amounts:
the private part of the event (ADR 0010), read by inspectors, supervisors and admins only. Nothing commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import notices, registry
from landbridge.auth.models import Organisation, Role, User
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.workdays import add_workdays, workdays_between
from landbridge.ledger import append_event, subjects
from landbridge.wage_arrears import rules as wr
from landbridge.wage_arrears.errors import WageArrearsError
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from landbridge.wage_arrears.rules import ArrearsRules, CaseStatus

MODULE = "wage_arrears"
RULE_SET = "wage_arrears"
NAME_MAX, PROJECT_MAX, TEXT_MAX, NOTE_MAX = 200, 200, 2000, 300
ESCALATION_BATCH = 500
CLAIMED, CONFIRMED, REFUSED = "claimed", "confirmed", "refused"


def today() -> date:
    return to_local(now()).date()


def arrears_rules(day: date | None = None) -> ArrearsRules:
    """The rule set ``wage_arrears`` in force on ``day`` (today by default)."""
    try:
        version = get_profile().rules(RULE_SET).version_at(day or today())
    except (LookupError, KeyError):
        raise WageArrearsError.NO_RULE_SET.error(day=str(day or today())) from None
    return ArrearsRules.from_values(version.values(), version.digest)


def case_subject(case_id: int) -> str:
    return subjects.subject("wage_arrears_case", case_id)


def get_case(session: Session, case_id: int, *, lock: bool = False) -> WageArrearsCase:
    stmt = select(WageArrearsCase).where(WageArrearsCase.id == case_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    case = session.scalars(stmt).first()
    if case is None:
        raise WageArrearsError.NOT_FOUND.error()
    if lock:
        session.refresh(case)
    return case


def employer_uscc_of(session: Session, organisation_id: int) -> str | None:
    """The USCC of a login's organisation: its logins see and answer the cases against it."""
    return session.scalar(select(Organisation.uscc).where(Organisation.id == organisation_id))


def cases_of(session: Session, *, user_id: int, party_id: int | None, organisation_id: int) -> Any:
    """The cases a login sees as its own (the API's and the page's "my cases"): filed by it, about its person (the
    worker), or against its organisation (the employer, by USCC)."""
    t = WageArrearsCase
    cond = t.filed_by_user_id == user_id
    if party_id is not None:
        cond = cond | (t.worker_party_id == party_id)
    uscc = employer_uscc_of(session, organisation_id)
    if uscc:
        cond = cond | (t.employer_uscc == uscc)
    return cond


def home_township(session: Session, party_id: int | None, fallback: str) -> str:
    """Where a worker's complaint is about by default: the township of their own registry record (a village code's
    first nine digits), else ``fallback`` (the login's organisation's region)."""
    if party_id is not None:
        try:
            region = registry.get_party(session, party_id).region_code
        except DomainError:
            region = None
        if region and len(region) == 12:
            return region[:9] + "000"
    return fallback


def worker_users(session: Session, party_id: int) -> list[int]:
    return list(session.scalars(select(User.id).where(User.party_id == party_id, User.is_active.is_(True))
                                .order_by(User.id)))


def inspector_users(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == Role.labour_inspector.value,
                                                      User.is_active.is_(True)).order_by(User.id).limit(50)))


def _payload(case: WageArrearsCase) -> dict[str, Any]:
    """What every event's private part records: the case, its worker and employer, its amounts (in fen)."""
    return {"number": case.number, "region_code": case.region_code, "worker_party_id": case.worker_party_id,
            "employer_uscc": case.employer_uscc, "owed_fen": case.owed_fen, "paid_fen": case.paid_fen,
            "workers": case.workers}


def _record(session: Session, case: WageArrearsCase, event: str, actor: str, extra: dict[str, Any]) -> None:
    recorded = append_event(session, module=MODULE, event_type=event, subject=case_subject(case.id), actor=actor,
                            payload={**_payload(case), **extra})
    case.ledger_seq = recorded.seq
    session.flush()


def _move(session: Session, case: WageArrearsCase, step: str, event: str, actor: str, extra: dict[str, Any],
          *guards: Any, **values: Any) -> WageArrearsCase:
    """The self-guarding state change: only from the status and version read; the case's ledger event."""
    target = wr.step(case.status, step)
    t = WageArrearsCase
    done = session.execute(update(t).where(t.id == case.id, t.status == case.status, t.version == case.version,
                                           *guards)
                           .values(status=target.value, version=t.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise WageArrearsError.INVALID_STEP.error(status=case.status, step=step)
    previous = case.status
    session.refresh(case)
    _record(session, case, event, actor, {"from": previous, "to": case.status, **extra})
    return case


def _tell_worker(session: Session, case: WageArrearsCase, kind: str, zh: str, en: str) -> None:
    notices.send(session, user_ids=worker_users(session, case.worker_party_id), module=MODULE, kind=kind,
                 title_zh=zh, title_en=en, href="/wage-arrears", dedupe_key=f"wage_arrears:{case.id}:{kind}")


# --- the steps ---------------------------------------------------------------------------------

def file_case(session: Session, *, actor: str, filed_by_user_id: int, worker_party_id: int, employer_uscc: str,
              employer_name: str, project: str, region_code: str, period_from: date, period_to: date,
              amount: Any, workers: int, evidence: str) -> WageArrearsCase:
    """File a complaint of unpaid wages (欠薪投诉): by the worker, or by a desk on the worker's behalf."""
    rules = arrears_rules()
    day = today()
    try:
        person = registry.get_party(session, worker_party_id)
    except DomainError:
        raise WageArrearsError.UNKNOWN_WORKER.error(party_id=worker_party_id) from None
    if person.kind != "person":
        raise WageArrearsError.UNKNOWN_WORKER.error(party_id=worker_party_id)
    code = wr.uscc(employer_uscc)
    name = wr.text(employer_name, "employer_name", NAME_MAX)
    site = wr.text(project, "project", PROJECT_MAX)
    place = wr.region(region_code)
    start, end = wr.period(period_from, period_to, day)
    owed = rules.fen(amount)
    count = rules.workers(workers)
    notes = wr.text(evidence, "evidence", TEXT_MAX)
    case = WageArrearsCase(number=f"QX-new-{uuid4().hex[:16]}", status=CaseStatus.filed.value, region_code=place,
                           worker_party_id=person.id, filed_by_user_id=filed_by_user_id, employer_uscc=code,
                           employer_name=name, project=site, period_from=start, period_to=end, owed_fen=owed,
                           paid_fen=0, workers=count, evidence=notes, rules_digest=rules.digest,
                           decide_due=add_workdays(day, rules.decide_days), escalation=0, version=1,
                           created_at=now(), created_by=actor)
    session.add(case)
    session.flush()
    case.number = f"QX{day:%Y}-{case.id:06d}"
    session.flush()
    _record(session, case, "wage_arrears_filed", actor, {"to": case.status, "decide_due": case.decide_due.isoformat(),
                                                         "period": [start.isoformat(), end.isoformat()],
                                                         "rules_digest": rules.digest})
    notices.send(session, user_ids=inspector_users(session), module=MODULE, kind="filed",
                 title_zh=f"新欠薪投诉 {case.number} 待受理", title_en=f"New wage-arrears case {case.number} to decide",
                 href="/wage-arrears/work", dedupe_key=f"wage_arrears:{case.id}:filed")
    return case


def accept(session: Session, case_id: int, *, actor: str) -> WageArrearsCase:
    """The inspector accepts the complaint (立案)."""
    case = get_case(session, case_id, lock=True)
    moved = _move(session, case, "accept", "wage_arrears_accepted", actor,
                  {"on_time": today() <= case.decide_due}, decided_at=now())
    _tell_worker(session, moved, "accepted", f"您的欠薪投诉 {moved.number} 已立案",
                 f"Your wage-arrears case {moved.number} was accepted")
    return moved


def reject(session: Session, case_id: int, *, actor: str, reason: str) -> WageArrearsCase:
    """The inspector does not take the complaint (不予受理), with the reason."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "reject")
    why = wr.text(reason, "reason", NOTE_MAX)
    moved = _move(session, case, "reject", "wage_arrears_rejected", actor, {"reason": why},
                  reason=why, decided_at=now())
    _tell_worker(session, moved, "rejected", f"您的欠薪投诉 {moved.number} 不予受理：{why}"[:200],
                 f"Your wage-arrears case {moved.number} was not taken"[:200])
    return moved


def order_payment(session: Session, case_id: int, *, actor: str, working_days: int | None = None
                  ) -> WageArrearsCase:
    """The inspector orders the employer to pay within working days (责令限期支付)."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "order")
    rules = arrears_rules()
    days = rules.days_to_pay(working_days)
    due = add_workdays(today(), days)
    moved = _move(session, case, "order", "wage_arrears_ordered", actor,
                  {"working_days": days, "pay_due": due.isoformat()}, pay_due=due, ordered_at=now(), escalation=0)
    _tell_worker(session, moved, "ordered", f"欠薪案件 {moved.number}：已责令用人单位于 {due} 前支付",
                 f"Case {moved.number}: the employer is ordered to pay by {due}")
    return moved


def _add_paid(session: Session, case: WageArrearsCase, fen: int) -> None:
    """Add ``fen`` to the amount paid, in one conditional UPDATE: only while payable, never above the amount owed."""
    t = WageArrearsCase
    done = session.execute(update(t).where(t.id == case.id, t.status.in_([s.value for s in wr.PAYABLE]),
                                           t.paid_fen + fen <= t.owed_fen)
                           .values(paid_fen=t.paid_fen + fen, version=t.version + 1)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        session.refresh(case)
        if case.status not in wr.PAYABLE:
            raise WageArrearsError.INVALID_STEP.error(status=case.status, step="pay")
        raise WageArrearsError.OVERPAYMENT.error(outstanding=str(wr.yuan(case.owed_fen - case.paid_fen)))
    session.refresh(case)


def _paid_on(value: date | None) -> date:
    day = value or today()
    if day > today():
        raise WageArrearsError.INVALID_PERIOD.error()
    return day


def record_payment(session: Session, case_id: int, *, actor: str, user_id: int, amount: Any,
                   paid_on: date | None = None, note: str | None = None) -> WageArrearsPayment:
    """The inspector records a payment to the workers (partial or whole; to the fen; never above what is owed)."""
    case = get_case(session, case_id, lock=True)
    if case.status not in wr.PAYABLE:
        raise WageArrearsError.INVALID_STEP.error(status=case.status, step="pay")
    fen = arrears_rules().fen(amount)
    day = _paid_on(paid_on)
    said = None if note is None or not note.strip() else wr.text(note, "note", NOTE_MAX)
    _add_paid(session, case, fen)
    payment = WageArrearsPayment(case_id=case.id, amount_fen=fen, paid_on=day, note=said, by_employer=False,
                                 status=CONFIRMED, decided_at=now(), created_at=now(), created_by=actor)
    session.add(payment)
    session.flush()
    _record(session, case, "wage_arrears_payment_recorded", actor,
            {"payment_id": payment.id, "amount_fen": fen, "paid_on": day.isoformat(), "by_user_id": user_id})
    _tell_worker(session, case, f"paid_{payment.id}", f"欠薪案件 {case.number}：已登记支付 {wr.yuan(fen)} 元",
                 f"Case {case.number}: a payment of {wr.yuan(fen)} yuan was recorded")
    return payment


def claim_payment(session: Session, case_id: int, *, actor: str, organisation_id: int, amount: Any,
                  paid_on: date | None = None, note: str | None = None) -> WageArrearsPayment:
    """The employer (any login of the organisation with the case's USCC) claims it has paid; the inspector confirms."""
    case = get_case(session, case_id, lock=True)
    if employer_uscc_of(session, organisation_id) != case.employer_uscc:
        raise WageArrearsError.NOT_YOURS.error()
    if case.status not in wr.PAYABLE:
        raise WageArrearsError.INVALID_STEP.error(status=case.status, step="claim")
    fen = arrears_rules().fen(amount)
    if fen > case.owed_fen - case.paid_fen:
        raise WageArrearsError.OVERPAYMENT.error(outstanding=str(wr.yuan(case.owed_fen - case.paid_fen)))
    said = None if note is None or not note.strip() else wr.text(note, "note", NOTE_MAX)
    payment = WageArrearsPayment(case_id=case.id, amount_fen=fen, paid_on=_paid_on(paid_on), note=said,
                                 by_employer=True, status=CLAIMED, created_at=now(), created_by=actor)
    session.add(payment)
    session.flush()
    _record(session, case, "wage_arrears_payment_claimed", actor, {"payment_id": payment.id, "amount_fen": fen})
    return payment


def decide_claim(session: Session, payment_id: int, *, actor: str, confirm: bool) -> WageArrearsPayment:
    """The inspector confirms an employer's payment claim (it counts as paid) or refuses it."""
    payment = session.get(WageArrearsPayment, payment_id)
    if payment is None:
        raise WageArrearsError.NOT_FOUND.error()
    case = get_case(session, payment.case_id, lock=True)
    p = WageArrearsPayment
    done = session.execute(update(p).where(p.id == payment.id, p.status == CLAIMED)
                           .values(status=CONFIRMED if confirm else REFUSED, decided_at=now())
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise WageArrearsError.CLAIM_NOT_OPEN.error()
    if confirm:
        _add_paid(session, case, payment.amount_fen)  # a refusal here rolls the claim's change back with it
    session.refresh(payment)
    _record(session, case, "wage_arrears_claim_confirmed" if confirm else "wage_arrears_claim_refused", actor,
            {"payment_id": payment.id, "amount_fen": payment.amount_fen})
    return payment


def close_paid(session: Session, case_id: int, *, actor: str) -> WageArrearsCase:
    """The inspector closes a case paid in full (清偿结案)."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "close")
    if case.paid_fen != case.owed_fen:
        raise WageArrearsError.NOT_PAID_IN_FULL.error(outstanding=str(wr.yuan(case.owed_fen - case.paid_fen)))
    t = WageArrearsCase
    moved = _move(session, case, "close", "wage_arrears_closed", actor, {"outcome": "paid"},
                  t.paid_fen == t.owed_fen, closed_at=now())
    _tell_worker(session, moved, "closed", f"欠薪案件 {moved.number} 已清偿结案，请确认收款并评价",
                 f"Case {moved.number} closed as paid: please confirm receipt and rate it")
    return moved


def refer(session: Session, case_id: int, *, actor: str, reason: str) -> WageArrearsCase:
    """The inspector closes an ordered case at the last escalation level as referred (移送: 失信名单 / 公安机关)."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "refer")
    rules = arrears_rules()
    if case.escalation < rules.top_level:
        raise WageArrearsError.NOT_AT_TOP_LEVEL.error()
    why = wr.text(reason, "reason", NOTE_MAX)
    t = WageArrearsCase
    moved = _move(session, case, "refer", "wage_arrears_referred", actor, {"reason": why},
                  t.escalation >= rules.top_level, reason=why, closed_at=now())
    _tell_worker(session, moved, "referred", f"欠薪案件 {moved.number} 已移送处理",
                 f"Case {moved.number} was referred")
    return moved


def confirm_receipt(session: Session, case_id: int, *, actor: str, party_id: int | None, rating: int
                    ) -> WageArrearsCase:
    """The worker confirms receipt of the wages on a closed case and rates the handling (once)."""
    case = get_case(session, case_id, lock=True)
    if party_id is None or case.worker_party_id != party_id:
        raise WageArrearsError.NOT_YOURS.error()
    if case.status not in (CaseStatus.closed, CaseStatus.referred):
        raise WageArrearsError.INVALID_STEP.error(status=case.status, step="confirm")
    level = arrears_rules().rating(rating)
    t = WageArrearsCase
    done = session.execute(update(t).where(t.id == case.id, t.version == case.version, t.confirmed_at.is_(None))
                           .values(confirmed_at=now(), rating=level, version=t.version + 1)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise WageArrearsError.ALREADY_CONFIRMED.error()
    session.refresh(case)
    _record(session, case, "wage_arrears_receipt_confirmed", actor, {"rating": level})
    return case


# --- the worker: 督办 ---------------------------------------------------------------------------

def escalate_overdue(session: Session, *, batch: int = ESCALATION_BATCH) -> int:
    """The worker (督办): an order to pay not met by the end of its deadline's day climbs the escalation levels of the
    rule set by working days late, one ledger event per level reached, the worker and the inspectors told; returns
    how many cases moved up."""
    day = today()
    rules = arrears_rules()
    t = WageArrearsCase
    rows = session.scalars(select(t).where(t.status == CaseStatus.ordered.value, t.pay_due < day,
                                           t.escalation < rules.top_level)
                           .order_by(t.id).limit(batch)).all()
    fired = 0
    inspectors: list[int] | None = None
    for case in rows:
        assert case.pay_due is not None
        late = workdays_between(case.pay_due, day)
        level = rules.level_after(late)
        if level <= case.escalation:
            continue
        done = session.execute(update(t).where(t.id == case.id, t.version == case.version, t.escalation < level,
                                               t.status == CaseStatus.ordered.value)
                               .values(escalation=level, escalated_at=now(), version=t.version + 1)
                               .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            continue  # a step moved it meanwhile: the next tick sees it afresh
        session.refresh(case)
        name = rules.level_name(level) or str(level)
        zh, en = wr.LEVEL_LABELS.get(name, (name, name))
        _record(session, case, "wage_arrears_escalated", "system:worker",
                {"level": level, "level_name": name, "working_days_late": late, "pay_due": case.pay_due.isoformat()})
        if inspectors is None:  # read once for the run, not per case
            inspectors = inspector_users(session)
        notices.send(session, user_ids=[*inspectors, *worker_users(session, case.worker_party_id)],
                     module=MODULE, kind=f"escalated_{level}",
                     title_zh=f"督办：欠薪案件 {case.number} 逾期未支付（{zh}）",
                     title_en=f"Overdue: case {case.number} not paid by its deadline ({en})",
                     href="/wage-arrears", dedupe_key=f"wage_arrears:{case.id}:escalated:{level}")
        fired += 1
    return fired
