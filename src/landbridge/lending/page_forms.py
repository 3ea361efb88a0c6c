"""The portal's forms (普惠金融服务平台, F7, issue #17): what a posted form may hold, bounded field by field, and the
action each form takes, through the JSON API's own handlers (``views``) so that the pages and the API share one
code path, one permission check and one set of rules.

A form field longer than ``RAW_MAX`` characters is refused before anything reads it; the API's request models
bound the rest. A field refused is a typed ``lending.invalid_field`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role
from landbridge.auth.errors import AuthError
from landbridge.errors import DomainError
from landbridge.lending import claim_views, disposal_views, views
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Claim
from landbridge.lending.rules import LoanStatus

RAW_MAX = 500

# the English name of each form field (translated on the page; the refusal names the field in both languages)
FIELD_LABELS = {"right_id": "Collateral right", "product_code": "Loan product", "principal_cny": "Amount (yuan)",
                "annual_rate": "Annual rate", "months": "Term (months)", "method": "Repayment method",
                "start": "First day of the loan", "grace_months": "Grace (months)",
                "bank_organisation_id": "Lending bank",
                "consent_document": "Consent document (collective or co-holders)",
                "approve": "Decision", "mortgagee_party_id": "Mortgagee (registry party)", "grade": "Credit grade",
                "reason": "Reason", "amount_cny": "Amount (yuan)", "paid_on": "Day paid", "day": "Day",
                "costs_cny": "Enforcement costs (yuan)", "proceeds_cny": "Sale proceeds (yuan)",
                "sale_costs_cny": "Sale costs (yuan)", "write_off": "Write off the remaining loss",
                "claim_id": "Claim", "shares": "Collective shares to pledge", "collective_id": "Collective",
                "buyer_party_id": "Buyer (registry party, a member of the collective)", "price_cny": "Price (yuan)"}
FIELD_ZH = {"right_id": "抵押物权利", "product_code": "贷款产品", "principal_cny": "金额（元）",
            "annual_rate": "年利率", "months": "期限（月）", "method": "还款方式", "start": "贷款起始日",
            "grace_months": "宽限期（月）", "bank_organisation_id": "贷款银行",
            "consent_document": "同意书编号（集体经济组织或共有人）", "approve": "审批结论",
            "mortgagee_party_id": "抵押权人（登记主体编号）", "grade": "信用等级", "reason": "理由",
            "amount_cny": "金额（元）", "paid_on": "支付日期", "day": "日期", "costs_cny": "实现债权费用（元）",
            "proceeds_cny": "处置价款（元）", "sale_costs_cny": "处置费用（元）", "write_off": "核销剩余损失",
            "claim_id": "代偿请求", "shares": "质押的集体资产股份（股）", "collective_id": "集体经济组织",
            "buyer_party_id": "受让方（登记主体编号，本集体成员）", "price_cny": "成交价（元）"}


def invalid_field(name: str) -> DomainError:
    """``lending.invalid_field`` naming the form field in both languages."""
    return LendingError.INVALID_FIELD.error(field=FIELD_ZH.get(name, name[:40]),
                                            field_en=FIELD_LABELS.get(name, name[:40]))


def raw(form: Mapping[str, str], name: str, max_length: int = RAW_MAX) -> str:
    """A posted field's text, trimmed; longer than ``max_length`` characters is ``lending.invalid_field`` (never
    cut silently: a reason cut short would be recorded as if it were whole)."""
    value = str(form.get(name, "")).strip()
    if len(value) > max_length:
        raise invalid_field(name)
    return value


def model_of(kind: type[BaseModel], data: Mapping[str, Any]) -> Any:
    """The API's request model from form data; the first field it refuses is ``lending.invalid_field``."""
    try:
        return kind.model_validate(dict(data))
    except ValidationError as exc:
        loc = exc.errors()[0].get("loc") or ("?",)
        name = str(loc[0])
        raise invalid_field(name) from None


def _optional(form: Mapping[str, str], name: str) -> str | None:
    value = raw(form, name)
    return value or None


def apply_model(form: Mapping[str, str]) -> views.ApplyIn:
    """The loan application form as the API's ``ApplyIn``."""
    names = ("right_id", "product_code", "principal_cny", "annual_rate", "months", "method", "start",
             "bank_organisation_id")
    data: dict[str, str | None] = {k: raw(form, k) for k in names}
    data["grace_months"] = raw(form, "grace_months") or "0"
    data["consent_document"] = _optional(form, "consent_document")
    if raw(form, "shares"):  # a pledge of the member's collective asset shares (股权质押) instead of a right
        data["right_id"] = _optional(form, "right_id")
        data["collective_id"] = raw(form, "collective_id")
        data["shares"] = raw(form, "shares")
    out: views.ApplyIn = model_of(views.ApplyIn, data)
    return out


@dataclass(frozen=True)
class Action:
    """A loan page action: who takes it (roles), from which states, its form's fields and what it does."""

    roles: frozenset[Role]
    states: frozenset[LoanStatus]
    label: str
    zh: str
    run: Callable[[Session, Principal, int, Mapping[str, str]], Any]


def _decide(session: Session, p: Principal, loan_id: int, form: Mapping[str, str]) -> Any:
    choice = raw(form, "approve")
    if choice not in {"yes", "no"}:
        raise invalid_field("approve")
    body = model_of(views.DecisionIn, {"approve": choice == "yes",
                                       "mortgagee_party_id": _optional(form, "mortgagee_party_id"),
                                       "grade": _optional(form, "grade"), "reason": _optional(form, "reason")})
    return views.decide(loan_id, body, p, session)


def _payment(form: Mapping[str, str]) -> Any:
    return model_of(views.PaymentIn, {"amount_cny": raw(form, "amount_cny"), "paid_on": raw(form, "paid_on")})


def _restructure(session: Session, p: Principal, loan_id: int, form: Mapping[str, str]) -> Any:
    body = model_of(claim_views.RestructureIn, {k: raw(form, k) for k in ("months", "annual_rate", "method", "day")}
                    | {"grace_months": raw(form, "grace_months") or "0"})
    return claim_views.restructure_loan(loan_id, body, p, session)


def _advance(session: Session, p: Principal, loan_id: int, form: Mapping[str, str]) -> Any:
    """代偿 on one of this loan's claims (a claim of another loan is not reachable from this page)."""
    text = raw(form, "claim_id", 12)
    claim = session.get(Claim, int(text)) if text.isdigit() else None
    if claim is None or claim.loan_id != loan_id:
        raise invalid_field("claim_id")
    body = model_of(claim_views.AdvanceIn, {"amount_cny": raw(form, "amount_cny"), "paid_on": raw(form, "paid_on")})
    return claim_views.advance(int(text), body, p, session)


def _share_sale(session: Session, p: Principal, loan_id: int, form: Mapping[str, str]) -> Any:
    body = model_of(disposal_views.ShareSaleIn, {
        "buyer_party_id": raw(form, "buyer_party_id"), "price_cny": raw(form, "price_cny"),
        "sale_costs_cny": _optional(form, "sale_costs_cny"), "day": raw(form, "day")})
    return disposal_views.share_sale(loan_id, body, p, session)


IN_DISPOSAL = frozenset({LoanStatus.in_disposal})
BANK, MEMBER = frozenset({Role.bank_officer}), frozenset({Role.member})
ACTIONS: dict[str, Action] = {
    "withdraw": Action(MEMBER, frozenset({LoanStatus.applied, LoanStatus.approved}), "Withdraw the application",
                       "撤回申请", lambda s, p, i, f: views.withdraw(i, p, s)),
    "decide": Action(BANK, frozenset({LoanStatus.applied}), "Credit decision", "审批", _decide),
    "lien": Action(BANK, frozenset({LoanStatus.approved}), "Lodge the mortgage with the registry",
                   "申请抵押登记", lambda s, p, i, f: views.lodge_lien(i, p, s)),
    "lien-confirm": Action(BANK, frozenset({LoanStatus.lien_lodged}),
                           "Confirm the mortgage is registered", "确认抵押已登簿",
                           lambda s, p, i, f: views.confirm_lien(i, p, s)),
    "disburse": Action(BANK, frozenset({LoanStatus.lien_registered, LoanStatus.lien_lodged}),
                       "Disburse", "放款", lambda s, p, i, f: views.disburse(i, p, s)),
    "repay": Action(BANK, frozenset({LoanStatus.disbursed, LoanStatus.defaulted}),
                    "Record a repayment", "登记还款", lambda s, p, i, f: views.repay(i, _payment(f), p, s)),
    "default": Action(BANK, frozenset({LoanStatus.disbursed}), "Declare default", "认定违约",
                      lambda s, p, i, f: views.default(i, model_of(views.DayIn, {"day": raw(f, "day")}), p, s)),
    "disposal": Action(BANK, frozenset({LoanStatus.defaulted}),
                       "Start the disposal on the exchange", "启动处置（产权交易所挂牌）",
                       lambda s, p, i, f: views.disposal(
                           i, model_of(views.DisposalIn, {"costs_cny": _optional(f, "costs_cny")}), p, s)),
    "share-disposal": Action(BANK, frozenset({LoanStatus.defaulted}),
                             "Start the sale of the pledged shares", "启动质押股权处置（本集体内部转让）",
                             lambda s, p, i, f: views.disposal(
                                 i, model_of(views.DisposalIn, {"costs_cny": _optional(f, "costs_cny")}), p, s)),
    "settle": Action(BANK, frozenset({LoanStatus.in_disposal}), "Settle the disposal", "处置结算",
                     lambda s, p, i, f: views.settle(i, model_of(views.SettlementIn, {
                         "proceeds_cny": raw(f, "proceeds_cny"), "sale_costs_cny": raw(f, "sale_costs_cny") or "0",
                         "day": raw(f, "day")}), p, s)),
    "settle-sale": Action(BANK, IN_DISPOSAL, "Settle from the exchange's sale",
                          "按交易所成交结算", lambda s, p, i, f: disposal_views.settle_from_sale(i, p, s)),
    "fixed-price": Action(BANK, IN_DISPOSAL,
                          "Offer at a fixed price (after two failed auctions)", "变卖（两次流拍后）",
                          lambda s, p, i, f: disposal_views.fixed_price_sale(i, disposal_views.FixedSaleIn(), p, s)),
    "disposal-failed": Action(BANK, IN_DISPOSAL, "Record that the sale failed",
                              "登记处置未成交", lambda s, p, i, f: disposal_views.disposal_failed(i, p, s)),
    "share-sale": Action(BANK, IN_DISPOSAL, "Sell the pledged shares to a member", "出售质押股权（本集体成员受让）",
                         _share_sale),
    "restructure": Action(BANK, frozenset({LoanStatus.disbursed}), "Restructure the loan",
                          "贷款重组", _restructure),
    "advance": Action(frozenset(views.SHARER_ROLES), frozenset({LoanStatus.defaulted, LoanStatus.in_disposal}),
                      "Pay an advance on our claim", "代偿", _advance),
    "recover": Action(BANK, frozenset({LoanStatus.settled, LoanStatus.written_off}),
                      "Record a recovery", "登记追偿回收", lambda s, p, i, f: views.recover(i, _payment(f), p, s)),
    "release": Action(BANK, frozenset({LoanStatus.settled, LoanStatus.repaid}),
                      "Release the mortgage", "注销抵押登记",
                      lambda s, p, i, f: views.release(
                          i, views.ReleaseIn(write_off=raw(f, "write_off") == "yes"), p, s)),
}


SHARE_ONLY = frozenset({"share-disposal", "share-sale"})  # a share pledge is sold to a member, not on the exchange
MORTGAGE_ONLY = frozenset({"lien-confirm", "disposal", "settle", "settle-sale", "fixed-price", "disposal-failed"})


def open_actions(caller: Principal, status: str, *, share_pledge: bool = False) -> list[str]:
    """The actions the caller's role may take on a loan in ``status`` secured by a mortgage or (``share_pledge``)
    by pledged shares (the services' own guards decide the rest)."""
    state = LoanStatus(status)
    other = MORTGAGE_ONLY if share_pledge else SHARE_ONLY
    return [name for name, a in ACTIONS.items() if caller.role in a.roles and state in a.states and name not in other]


def take(session: Session, caller: Principal, loan_id: int, name: str, form: Mapping[str, str]) -> Action:
    """Run one loan page action as the API does; an unknown action or one not the caller's is refused."""
    action = ACTIONS.get(name)
    if action is None:
        raise invalid_field(name)
    if caller.role not in action.roles:
        raise AuthError.FORBIDDEN_ROLE.error()
    action.run(session, caller, loan_id, form)
    return action
