"""The error codes of ``landbridge.credit`` with their zh-CN and English messages (issue #18)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class CreditError(ErrorCode):
    """Every answer ``landbridge.credit`` refuses a request with."""

    BAD_RULES = (RuleViolation, "credit.bad_rules", "信用规则 {rule} 设置无效", "the credit rule {rule} is invalid")
    UNKNOWN_FACT = (RuleViolation, "credit.unknown_fact", "未知的信用事实 {fact}", "unknown credit fact {fact}")
    BAD_EXTENSION = (RuleViolation, "credit.bad_extension",
                     "失信名单延长期限 {years} 年无效（须为 {least} 至 {most} 年）",
                     "a listing extension of {years} years is invalid ({least} to {most} years)")
    BAD_INPUT = (RuleViolation, "credit.bad_input", "{field} 无效", "{field} is invalid")
    PARTY_NOT_FOUND = (NotFound, "credit.party_not_found", "当事人 {party_id} 不存在",
                       "party {party_id} does not exist")
    RECORD_NOT_FOUND = (NotFound, "credit.record_not_found", "信用记录 {record_id} 不存在",
                        "credit record {record_id} does not exist")
    OBJECTION_NOT_FOUND = (NotFound, "credit.objection_not_found", "异议 {objection_id} 不存在",
                           "objection {objection_id} does not exist")
    LISTING_NOT_FOUND = (NotFound, "credit.listing_not_found", "失信名单记录 {listing_id} 不存在",
                         "court listing {listing_id} does not exist")
    INVALID_TRANSITION = (Conflict, "credit.invalid_transition", "状态为 {status} 的{what}不能{action}",
                          "a {status} {what} cannot be {action}")
    OBJECTION_OPEN = (Conflict, "credit.objection_open", "该信用记录已有未处理的异议 {objection_id}",
                      "the credit record already has an open objection {objection_id}")
    NOT_YOUR_RECORD = (Forbidden, "credit.not_your_record", "只能对本人（本户）的信用记录提出异议",
                       "you may object only to your own (your household's) credit records")
    COURT_RECORD = (Conflict, "credit.court_record", "失信被执行人名单由作出决定的法院纠正，请向该法院申请",
                    "a court listing is corrected by the court that listed the party: apply to that court")
    NOT_AUTHORISED = (Forbidden, "credit.not_authorised", "当事人未授权本机构查询其信用信息",
                      "the party has not authorised your organisation to read its credit file")
    NOT_GRADED = (NotFound, "credit.not_graded", "当事人 {party_id} 尚无信用评级",
                  "party {party_id} has no credit grade yet")
