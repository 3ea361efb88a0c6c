"""Notices (站内消息, issue #20 item 1): what the platform tells a user — a decision, a result, a deadline near —
kept in their inbox and delivered through a gateway (e-mail or SMS in a deployment; a log line by default).

Public functions: ``send``, ``inbox``, ``unread_count``, ``mark_read`` and the worker's ``deliver_pending``.
"""

from landbridge.notices.service import (
    CodeSender,
    Gateway,
    LogGateway,
    deliver_pending,
    inbox,
    mark_read,
    send,
    send_code,
    set_code_sender,
    unread_count,
)

__all__ = ["CodeSender", "Gateway", "LogGateway", "deliver_pending", "inbox", "mark_read", "send", "send_code",
           "set_code_sender", "unread_count"]
