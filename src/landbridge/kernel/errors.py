"""The error codes of ``landbridge.kernel`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, RuleViolation


class KernelError(ErrorCode):
    """Every answer ``landbridge.kernel`` refuses a request with."""

    CALENDAR_NOT_COVERED = (RuleViolation, "kernel.calendar_not_covered",
                            "{year}年的法定节假日安排尚未录入，无法计算工作日",
                            "the holiday calendar does not cover {year}: working days cannot be counted")
    UNSUPPORTED_TABLE = (RuleViolation, "kernel.unsupported_table", "不支持的表格格式 {suffix}（请用 .xlsx 或 .csv）",
                         "unsupported table format {suffix} (use .xlsx or .csv)")
