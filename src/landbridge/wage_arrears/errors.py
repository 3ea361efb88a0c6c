"""The error codes of ``landbridge.wage_arrears`` with their zh-CN and English messages (issue #20 item 4)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class WageArrearsError(ErrorCode):
    """Every answer ``landbridge.wage_arrears`` refuses a request with."""

    NOT_FOUND = (NotFound, "wage_arrears.not_found", "欠薪案件不存在", "wage-arrears case not found")
    INVALID_STEP = (Conflict, "wage_arrears.invalid_step", "案件当前状态为“{status}”，不能{step}",
                    "a case in status {status} cannot take the step {step}")
    INVALID_TEXT = (RuleViolation, "wage_arrears.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be given and at most {max_length} characters")
    INVALID_USCC = (RuleViolation, "wage_arrears.invalid_uscc", "用人单位统一社会信用代码无效",
                    "invalid unified social credit code of the employer")
    INVALID_REGION = (RuleViolation, "wage_arrears.invalid_region", "乡镇代码无效：{region_code}",
                      "invalid township code: {region_code}")
    INVALID_PERIOD = (RuleViolation, "wage_arrears.invalid_period", "欠薪期间无效：起止日期须有效且不晚于今天",
                      "invalid period worked: the dates must be in order and not in the future")
    INVALID_AMOUNT = (RuleViolation, "wage_arrears.invalid_amount", "金额须大于 0、精确到分且不超过 {max_yuan} 元",
                      "the amount must be above 0, to the fen and at most {max_yuan} yuan")
    INVALID_WORKERS = (RuleViolation, "wage_arrears.invalid_workers", "涉及人数须为 1 至 {max_workers} 的整数",
                       "the number of workers must be a whole number from 1 to {max_workers}")
    INVALID_DAYS = (RuleViolation, "wage_arrears.invalid_days", "限期须为 1 至 {max_days} 个工作日",
                    "the period to pay must be 1 to {max_days} working days")
    OVERPAYMENT = (Conflict, "wage_arrears.overpayment", "支付金额超过尚欠金额（尚欠 {outstanding} 元）",
                   "the payment exceeds the amount outstanding ({outstanding} yuan)")
    NOT_PAID_IN_FULL = (Conflict, "wage_arrears.not_paid_in_full", "尚欠 {outstanding} 元，不能按已清偿结案",
                        "{outstanding} yuan is still owed: the case cannot close as paid")
    NOT_AT_TOP_LEVEL = (Conflict, "wage_arrears.not_referable", "案件尚未督办至最高层级，不能移送结案",
                        "the case has not been escalated to the last level: it cannot close as referred")
    WORKER_REQUIRED = (RuleViolation, "wage_arrears.worker_required",
                       "须为已实名关联的村民本人，或由窗口代为登记务工人员",
                       "a case is filed by a worker whose login is linked to a person, or by a desk for a named worker")
    UNKNOWN_WORKER = (RuleViolation, "wage_arrears.unknown_worker", "务工人员不存在：{party_id}",
                      "no such worker: {party_id}")
    NOT_YOURS = (Forbidden, "wage_arrears.not_yours", "只能查看或办理本人、本单位或本辖区的欠薪案件",
                 "only the worker, the employer, the desk that filed it and the inspectors may see or act on a case")
    CLAIM_NOT_OPEN = (Conflict, "wage_arrears.claim_not_open", "该支付申报已处理", "this payment claim is settled")
    INVALID_RATING = (RuleViolation, "wage_arrears.invalid_rating", "满意度须为 1 至 {levels} 的整数",
                      "the rating must be a whole number from 1 to {levels}")
    ALREADY_CONFIRMED = (Conflict, "wage_arrears.already_confirmed", "已确认收款并评价",
                         "receipt has been confirmed and rated already")
    NO_RULE_SET = (RuleViolation, "wage_arrears.no_rule_set", "{day} 没有生效的欠薪处置规则",
                   "no wage-arrears rule set in force on {day}")
