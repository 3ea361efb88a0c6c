"""The error codes of ``landbridge.web`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, Forbidden


class WebError(ErrorCode):
    """Every answer ``landbridge.web`` refuses a request with."""

    CSRF_FAILED = (Forbidden, "web.csrf_failed", "表单已过期或来源无效，请刷新页面后重试",
                   "the form has expired or did not come from this site; reload and try again")

    CROSS_ORIGIN = (Forbidden, "web.cross_origin", "请求来源不是本站，已拒绝（跨站请求伪造防护）",
                    "the request did not come from this site (cross-site request forgery protection)")

    CSRF_FAILED_2 = (Forbidden, "web.csrf_failed", "缺少有效的防伪令牌（X-CSRF-Token），请刷新页面后重试",
                     "a valid anti-forgery token (X-CSRF-Token) is required; reload and try again")
