"""The public page of the rules in force: every rule with its value, source, status and history (issue #13 item 5).

For officials and the public (P1: 规则公开): what the platform applies today, which numbers the city has
confirmed and which are platform defaults still to be confirmed, and what each rule was before.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from landbridge.cityprofile import get_profile
from landbridge.cityprofile.errors import CityProfileError
from landbridge.web.render import render

router = APIRouter(include_in_schema=False)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, on: str | None = Query(None, description="day (YYYY-MM-DD)")) -> HTMLResponse:
    """List every rule in force on a day (default today) with its source, status and history (P1, issue #13)."""
    profile = get_profile()
    try:
        day = date.fromisoformat(on) if on else profile.today()
    except ValueError:
        raise CityProfileError.BAD_DAY.error(on=on) from None
    sets: list[dict[str, Any]] = []
    unverified = 0
    for name, rule_set in sorted(profile.rule_sets.items()):
        try:
            version = rule_set.version_at(day)
        except LookupError:
            continue
        rows = [{"rule": rule, "value": _shown(rule.value),
                 "history": [(r.effective_from, _shown(r.value)) for r in rule_set.history(rule.name)
                             if r.effective_from is not None and r.effective_from < (rule.effective_from or day)]}
                for rule in sorted(version.rules.values(), key=lambda r: r.name)]
        unverified += sum(1 for rule in version.rules.values() if not rule.verified)
        upcoming = [v.effective_from for v in rule_set.versions if v.effective_from > day]
        sets.append({"name": name, "version": version, "rows": rows, "upcoming": upcoming})
    return render(request, "shell/rules.html", {"day": day, "sets": sets, "unverified_count": unverified})
