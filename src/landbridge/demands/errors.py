"""The error codes of ``landbridge.demands`` with their zh-CN and English messages (issue #20 item 3)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class DemandError(ErrorCode):
    """Every answer ``landbridge.demands`` refuses a request with."""

    NOT_FOUND = (NotFound, "demands.not_found", "诉求不存在", "demand not found")
    INVALID_STEP = (Conflict, "demands.invalid_step", "诉求当前状态为“{status}”，不能{step}",
                    "a demand in status {status} cannot take the step {step}")
    INVALID_TEXT = (RuleViolation, "demands.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be given and at most {max_length} characters")
    UNKNOWN_CATEGORY = (RuleViolation, "demands.unknown_category", "未知的诉求类别：{category}",
                        "unknown demand category: {category}")
    UNKNOWN_TYPE = (RuleViolation, "demands.unknown_type", "未知的诉求类型：{demand_type}",
                    "unknown demand type: {demand_type}")
    UNKNOWN_CHANNEL = (RuleViolation, "demands.unknown_channel", "未知的受理渠道：{channel}",
                       "unknown intake channel: {channel}")
    INVALID_REGION = (RuleViolation, "demands.invalid_region", "诉求所在地代码无效：{region_code}",
                      "invalid place of the demand: {region_code}")
    INVALID_PHONE = (RuleViolation, "demands.invalid_phone", "联系电话格式无效", "invalid contact phone")
    CONTACT_REQUIRED = (RuleViolation, "demands.contact_required", "电话和窗口受理须登记诉求人姓名和联系电话",
                        "a demand taken by phone or at the desk needs the resident's name and phone")
    UNKNOWN_DEPARTMENT = (RuleViolation, "demands.unknown_department", "承办部门不存在：{department_id}",
                          "no such department: {department_id}")
    SAME_DEPARTMENT = (RuleViolation, "demands.same_department", "不能转办给本部门",
                       "a demand cannot be transferred to the department holding it")
    INVALID_RATING = (RuleViolation, "demands.invalid_rating", "满意度须为 1 至 {levels} 的整数",
                      "the satisfaction rating must be a whole number from 1 to {levels}")
    ALREADY_RATED = (Conflict, "demands.already_rated", "该诉求已评价", "this demand has been rated already")
    RATING_REQUIRED = (RuleViolation, "demands.rating_required", "回访须记录诉求人的满意度",
                       "the revisit must record the resident's satisfaction")
    NOT_YOURS = (Forbidden, "demands.not_yours", "只能办理本部门或本人的诉求",
                 "only the department holding a demand, or the resident who made it, may act on it")
    NO_RULE_SET = (RuleViolation, "demands.no_rule_set", "{day} 没有生效的诉求规则",
                   "no demands rule set in force on {day}")
    RULE_MISSING = (RuleViolation, "demands.rule_missing", "生效的诉求规则没有“{rule}”",
                    "the demands rule set in force has no rule {rule}")
    EXTENSION_TOO_LONG = (RuleViolation, "demands.extension_too_long", "延期须为 1 至 {max_days} 个工作日",
                          "an extension must be 1 to {max_days} working days")
    EXTENSION_LIMIT = (Conflict, "demands.extension_limit", "该诉求已延期 {count} 次，不能再延期",
                       "this demand has had {count} extension(s), no more are allowed")
    EXTENSION_TOO_LATE = (RuleViolation, "demands.extension_too_late", "答复期限已过，不能再申请延期",
                          "the answer deadline has passed: an extension must be asked for before it")
    REOPEN_LIMIT = (Conflict, "demands.reopen_limit", "该诉求已重办 {count} 次，不能再重办",
                    "this demand has been handled again {count} time(s), no more are allowed")
    NOT_DISSATISFIED = (RuleViolation, "demands.not_dissatisfied", "诉求人不满意（差评）时才能重办",
                        "a demand is handled again only when the resident is dissatisfied (a bad rating)")
    MERGE_SELF = (RuleViolation, "demands.merge_self", "不能把诉求合并到它自己",
                  "a demand cannot be merged into itself")
    MERGE_TARGET = (Conflict, "demands.merge_target", "主诉求 {number} 已办结或已合并，不能并入",
                    "the primary demand {number} is closed or merged: nothing can be merged into it")
    URGENT_BY_OFFICIAL = (Forbidden, "demands.urgent_by_official", "紧急诉求由热线或窗口受理时认定",
                          "a demand is marked urgent by the hotline or the service desk that takes it")
