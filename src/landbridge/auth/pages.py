"""Admitting a server-rendered page's caller by role (issue #14 items 4 and 5).

Here, not in the web toolkit, because the refusal is auth's code (``auth.forbidden_role``) and the toolkit imports
no auth; not in ``landbridge.auth``'s exports either, because the page toolkit renders templates that every
package's manifest declares, which auth's own import must not wait for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import Response

from landbridge.auth.errors import AuthError
from landbridge.web.pages import login_redirect, refuse


class HasRole(Protocol):
    """What ``page_caller`` needs of a principal (``Principal`` is one): its role."""

    @property
    def role(self) -> Any: ...


P = TypeVar("P", bound=HasRole)


def page_caller(request: Request, principal: P | None, roles: Iterable[object]) -> P | Response:
    """A page's caller if their role may use it; else the login redirect (anonymous) or the 403 page."""
    allowed = frozenset(roles)
    if principal is None:
        return login_redirect(request)
    if principal.role not in allowed:
        return refuse(request, AuthError.FORBIDDEN_ROLE.error())
    return principal


__all__ = ["HasRole", "page_caller"]
