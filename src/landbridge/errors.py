"""Typed domain errors with stable codes, mapped to HTTP by one handler in ``main``.

Every error carries a Chinese message (shown by default) and an English one.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every business error: a stable ``code`` plus zh-CN and English messages."""

    http_status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, message_en: str, **details: Any) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """The object does not exist (or is not visible to the caller)."""

    http_status = 404


class Forbidden(DomainError):
    """The caller may not do this."""

    http_status = 403


class Unauthorized(DomainError):
    """No valid credentials were presented."""

    http_status = 401


class Conflict(DomainError):
    """The request conflicts with the current state (a race lost, a block, a duplicate)."""

    http_status = 409


class RuleViolation(DomainError):
    """The input breaks a business or validation rule."""

    http_status = 422


class TooManyRequests(DomainError):
    """Throttled (e.g. repeated failed logins)."""

    http_status = 429


class PayloadTooLarge(DomainError):
    """A request body over the limit."""

    http_status = 413


class MethodNotAllowed(DomainError):
    """The route exists but not for this HTTP method."""

    http_status = 405


class InternalError(DomainError):
    """An unexpected failure, logged; the caller learns only that it happened."""

    http_status = 500




class ErrorCode(Enum):
    """Base of each module's table of error codes (issue #14 item 5): one member per answer the module can give,
    carrying its HTTP class, its stable code and its zh-CN and English message templates.

    A member's value is ``(http_class, code, zh, en)``. Templates use ``str.format`` fields filled from the
    keyword details and from an optional mapping of message-only values, so a raise site reads
    ``raise AuthError.FORBIDDEN_ROLE.error(required=[...])``. One code may have more than one member when its
    wording differs by situation (``auth.weak_password`` for a short demo password and for the policy); the code,
    its HTTP status and the JSON body a client sees stay exactly what the member says.
    """

    def __init__(self, kind: type[DomainError], code: str, zh: str, en: str) -> None:
        self.kind: type[DomainError] = kind
        self.code: str = code
        self.zh: str = zh
        self.en: str = en

    @property
    def http_status(self) -> int:
        """The HTTP status this answer is sent with."""
        return self.kind.http_status

    def render(self, fmt: Mapping[str, Any] | None = None, /, **details: Any) -> tuple[str, str]:
        """The zh-CN and English messages with their fields filled (details first, then ``fmt``)."""
        values = {**details, **(fmt or {})}
        return self.zh.format(**values), self.en.format(**values)

    def error(self, fmt: Mapping[str, Any] | None = None, /, **details: Any) -> DomainError:
        """The exception to raise: ``details`` go into the JSON body and may fill message fields; ``fmt`` holds
        values that only fill message fields."""
        message, message_en = self.render(fmt, **details)
        return self.kind(self.code, message, message_en, **details)


class CoreError(ErrorCode):
    """Codes the platform itself answers with, outside any domain module (``main``'s handlers)."""

    INTERNAL_ERROR = (InternalError, "internal_error", "系统内部错误，已记录", "internal error; it has been logged")
    REQUEST_INVALID = (RuleViolation, "request.invalid", "请求参数不正确", "the request is not valid")
    REQUEST_NOT_FOUND = (NotFound, "request.not_found", "页面或资源不存在", "not found")
    REQUEST_METHOD_NOT_ALLOWED = (MethodNotAllowed, "request.method_not_allowed", "不支持该请求方法",
                                  "method not allowed")
    REQUEST_ERROR = (DomainError, "request.error", "请求错误", "{detail}")
    REQUEST_TOO_MANY_VERTICES = (RuleViolation, "request.too_many_vertices",
                                 "图形顶点过多：{vertices} 个，最多 {max_vertices} 个",
                                 "the geometry has {vertices} vertices; at most {max_vertices} are allowed")
    REQUEST_TOO_LARGE = (PayloadTooLarge, "request.too_large", "请求内容过大（最多 {limit} 字节）",
                         "the request body is too large (at most {limit} bytes)")
    REQUEST_OUT_OF_RANGE = (RuleViolation, "request.out_of_range", "请求中的数值超出允许范围",
                            "a value in the request is out of the allowed range")


def internal_error() -> DomainError:
    """The answer to any unexpected exception (the application's last-resort handler and the bid lane)."""
    return CoreError.INTERNAL_ERROR.error()
