"""The error codes of ``landbridge.supervision`` with their zh-CN and English messages (issue #19)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class SupervisionError(ErrorCode):
    """Every answer ``landbridge.supervision`` refuses a request with."""

    INVALID_PERIOD = (RuleViolation, "supervision.invalid_period", "统计期 {period} 无效（应为 年 2026 或 月 2026-12）",
                      "invalid period {period}: a year (2026) or a month (2026-12)")
    INVALID_AREA = (RuleViolation, "supervision.invalid_area", "区域代码 {area} 无效（应为本市的12位区划代码）",
                    "invalid area {area}: a 12-digit region code of this city")
    INVALID_AS_OF = (RuleViolation, "supervision.invalid_as_of", "统计日 {as_of} 无效（不能晚于今天 {today}）",
                     "invalid as-of day {as_of}: it may not be after today ({today})")
    UNKNOWN_INDICATOR = (NotFound, "supervision.unknown_indicator", "指标 {indicator} 不存在",
                         "no indicator {indicator}")
    AREA_FORBIDDEN = (Forbidden, "supervision.area_forbidden", "您无权查看区域 {area} 的监管数据",
                      "you may not see the supervision figures of area {area}")
    DEFINITIONS_INVALID = (RuleViolation, "supervision.definitions_invalid", "指标定义文件无效：{reason}",
                           "the indicator definitions are invalid: {reason}")
    DEFINITIONS_CHANGED = (RuleViolation, "supervision.definitions_changed",
                           "已生效的指标版本 {version} 被修改（摘要与锁定值不符）",
                           "indicator version {version} in force was edited (its digest differs from the lock)")
    FLAG_NOT_FOUND = (NotFound, "supervision.flag_not_found", "预警 {flag_key} 不存在", "no flag {flag_key}")
    ANOMALY_NOT_FOUND = (NotFound, "supervision.anomaly_not_found", "督办件 {anomaly_id} 不存在",
                         "no follow-up {anomaly_id}")
    ANOMALY_CLOSED = (Conflict, "supervision.anomaly_closed", "督办件 {anomaly_id} 已办结，不能再变更",
                      "follow-up {anomaly_id} is closed and cannot change")
    INVALID_TEXT = (RuleViolation, "supervision.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_DUE = (RuleViolation, "supervision.invalid_due", "办理期限 {due_on} 无效（应为今天或以后的日期）",
                   "invalid deadline {due_on}: a date from today on")
