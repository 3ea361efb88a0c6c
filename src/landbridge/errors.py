"""Typed domain errors with stable codes, mapped to HTTP by one handler in ``main``.

Every error carries a Chinese message (shown by default) and an English one.
"""

from __future__ import annotations

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


class InternalError(DomainError):
    """An unexpected failure, logged; the caller learns only that it happened."""

    http_status = 500


def internal_error() -> InternalError:
    """The answer to any unexpected exception (the application's last-resort handler and the bid lane)."""
    return InternalError("internal_error", "系统内部错误，已记录", "internal error; it has been logged")
