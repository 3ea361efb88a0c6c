"""The error codes of ``landbridge.privacy`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, RuleViolation


class PrivacyError(ErrorCode):
    """Every answer ``landbridge.privacy`` refuses a request with."""

    BAD_READ_RECORD = (RuleViolation, "privacy.bad_read_record", "查阅记录字段 {name} 为空或过长",
                       "read record field {name} is empty or too long")

    BAD_PAGE_SIZE = (RuleViolation, "privacy.bad_page_size", "每页条数须在 1 到 {MAX_PAGE} 之间",
                     "page size must be between 1 and {MAX_PAGE}")
