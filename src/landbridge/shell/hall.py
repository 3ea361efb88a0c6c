"""The service hall (办事大厅, 一网通办, issue #20 item 1): every signed-in user's front door.

``/hall`` lists what waits for the caller across the platform (``kernel.hall.todos_for``: each package's to-do
sources declared in its manifest, earliest deadline first, with the days left or overdue) and the services their
role may use (the navigation entries of every manifest). Logging in without a page to return to lands here. The
hall imports no package's internals: a package joins by declaring ``nav`` and ``todos`` in its manifest.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge import notices
from landbridge.auth import Principal, optional_principal
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.hall import nav_for, todos_for
from landbridge.web.i18n import request_locale
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
HALL = "/hall"
HALL_NOTICES = 5  # the newest notices the hall shows; /notices has them all


def _left(days: int, locale: str) -> str:
    """The days left until a deadline (negative: overdue), in the page language."""
    if locale == "zh_CN":
        return f"已逾期 {-days} 天" if days < 0 else "今天到期" if days == 0 else f"还剩 {days} 天"
    return f"{-days} days overdue" if days < 0 else "due today" if days == 0 else f"{days} days left"


@router.get(HALL, response_class=Response)
def hall(request: Request, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The caller's to-dos and services; anonymous visitors are sent to log in."""
    if principal is None:
        return RedirectResponse(f"/login?next={HALL}", status_code=303)
    locale = request_locale(request)
    today = to_local(now()).date()
    rows: list[dict[str, Any]] = []
    for item in todos_for(session, principal):
        todo = item.todo
        days = (to_local(todo.due).date() - today).days if todo.due else None
        rows.append({"module": item.module, "title": todo.title(locale), "href": todo.href, "due": todo.due,
                     "left": _left(days, locale) if days is not None else "",
                     "urgent": todo.urgent or (days is not None and days < 0), "soon": days is not None and days <= 3})
    services = [link for link in nav_for(principal.role.value, principal.party_id is not None) if link.path != HALL]
    unread = [n for n in notices.inbox(session, principal.user_id, limit=HALL_NOTICES)[0] if n.read_at is None]
    return render(request, "shell/hall.html", {
        "todos": rows, "services": services, "overdue": sum(1 for r in rows if r["urgent"]),
        "notices": [{"id": n.id, "title": n.title_zh if locale == "zh_CN" else n.title_en, "at": n.created_at}
                    for n in unread], "unread": notices.unread_count(session, principal.user_id)})
