"""Notices' typed errors."""

from __future__ import annotations

from landbridge.errors import ErrorCode, NotFound, RuleViolation


class NoticeError(ErrorCode):
    NOT_FOUND = (NotFound, "notices.not_found", "消息不存在", "notice not found")
    BAD_NOTICE = (RuleViolation, "notices.bad_notice", "消息内容无效：{field}", "invalid notice: {field}")
