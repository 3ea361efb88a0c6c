"""The page toolkit every module's server-rendered pages use (issue #14 item 4).

``PageKit`` holds what the collective, exchange, valuation and account pages each used to copy: the page
translator (the module's own catalogue or words first, then the platform's), rendering a page with its form
token, label tables and the message flashed by the last action, the flash itself, and the ``act`` pattern (run a
named action in the request's transaction, flash its outcome, redirect). ``page_caller`` admits a page's caller
by role. The toolkit imports no domain module and nothing of auth: the caller's principal is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import layered_translator, module_catalogue, request_locale
from landbridge.web.render import render, render_error

PageTranslator = Callable[..., str]


def flash(request: Request, kind: str, zh: str, en: str) -> None:
    """Keep a message (``ok`` or ``error``, in both languages) for the next page the caller sees."""
    request.session["flash"] = {"kind": kind, "zh": zh, "en": en}


def pop_flash(request: Request) -> dict[str, Any] | None:
    """The flashed message in the page language, once (None when there is none)."""
    held = request.session.pop("flash", None)
    if not isinstance(held, dict):
        return None
    return {"kind": held.get("kind"), "text": held.get("zh") if request_locale(request) == "zh_CN" else held.get("en")}


def login_redirect(request: Request) -> Response:
    """Send an anonymous caller to the login page, back here afterwards."""
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def refuse(request: Request, exc: DomainError) -> Response:
    """The error page for a refused request (its status, stable code and message)."""
    return render_error(request, exc.http_status, exc.to_dict())


def form_refusal(request: Request, session: Session, exc: DomainError) -> Response | None:
    """A refused form keeps nothing (the transaction rolls back); a wrong role or record (403, 404) or a failed form
    token is the refusal page, anything else None: the caller shows its page again with the message."""
    session.rollback()
    if exc.http_status in {403, 404} or exc.code == "web.csrf_failed":
        return refuse(request, exc)
    return None


class PageKit:
    """One module's page helpers: its translator, page rendering, flash and form actions.

    ``locale_dir`` is the module's Babel catalogue (``<dir>/<locale>/LC_MESSAGES/messages.po``), ``words`` its
    Chinese for messages the platform catalogue lacks; ``labels`` are tables (name → value → English label) given
    to every page translated as ``labels``.
    """

    def __init__(self, *, locale_dir: Path | None = None, words: Mapping[str, str] | None = None,
                 labels: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.locale_dir = locale_dir
        self.words = dict(words or {})
        self.labels = labels

    def own_messages(self, locale: str) -> dict[str, str]:
        """The module's own translations for a locale (none for English, the source language)."""
        if locale == "en":
            return {}
        own = module_catalogue(str(self.locale_dir), locale) if self.locale_dir is not None else {}
        return {**own, **self.words} if locale == "zh_CN" and self.words else own

    def translator(self, request: Request) -> PageTranslator:
        """The page language's translator: this module's messages first, then the platform's catalogue."""
        locale = request_locale(request)
        return layered_translator(locale, self.own_messages(locale))

    def page(self, request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
        """Render a page with the translator, the form token, the label tables and the flashed message."""
        _ = self.translator(request)
        base: dict[str, Any] = {"_": _, "csrf": csrf_token(request), "message": pop_flash(request)}
        if self.labels is not None:
            base["labels"] = {name: {k: _(v) for k, v in table.items()} for name, table in self.labels.items()}
        return render(request, template, {**base, **context}, status_code=status_code)

    @staticmethod
    def act(request: Request, session: Session, action: Callable[[], tuple[str, str]], back: str, *,
            csrf: str | None = None, refused: Callable[[DomainError], bool] = lambda exc: False,
            then: Callable[[], str] | None = None) -> Response:
        """Run a page form's named action in the request's transaction: check the form token (when given), run
        it, flash its (zh, en) outcome and redirect to ``then()`` (default ``back``). A refused action keeps
        nothing (rollback); its message is flashed and the caller sent ``back``, or, where ``refused(exc)`` says
        so, the error page is shown instead."""
        try:
            if csrf is not None:
                check_csrf(request, csrf)
            zh, en = action()
        except DomainError as exc:
            session.rollback()  # nothing of a refused action is kept
            if refused(exc):
                return refuse(request, exc)
            flash(request, "error", exc.message, exc.message_en)
            return RedirectResponse(back, status_code=303)
        flash(request, "ok", zh, en)
        return RedirectResponse(then() if then is not None else back, status_code=303)


__all__ = ["PageKit", "PageTranslator", "flash", "form_refusal", "login_redirect", "pop_flash", "refuse"]
