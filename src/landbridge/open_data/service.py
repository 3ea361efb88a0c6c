"""Open data's reads of its rule set and of published results (issue #19 item 6).

Published assessment results (考核评估结果公开, S2) come from the ``assessment`` package once it exists, through the
fact ``assessment.published_results`` (ADR 0016): a function ``(session) -> list[PublishedResult-like mapping]``
returning only results an official has published, each a mapping with ``year``, ``subject_kind`` (county,
township or department: a rank is within one kind), ``subject`` (a district or
department name, never a person), ``subject_en``, ``score`` (a decimal string), ``rank`` and ``published_on``. Until
a package provides that fact, open data publishes none (no stub data) and says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel import modules
from landbridge.kernel.clock import now, to_local
from landbridge.open_data.errors import OpenDataError
from landbridge.open_data.rules import OpenDataRules

PUBLISHED_RESULTS = "assessment.published_results"
RESULT_FIELDS = ("year", "subject_kind", "subject", "subject_en", "score", "rank", "published_on")


def today() -> date:
    """Today, in the city's time zone."""
    return to_local(now()).date()


def open_data_rules(day: date | None = None) -> OpenDataRules:
    """The rule set ``open_data`` in force on ``day`` (today by default); 422 ``open_data.no_rule_set`` if none."""
    try:
        version = get_profile().rules("open_data").version_at(day)
    except LookupError:
        raise OpenDataError.NO_RULE_SET.error(day=str(day)) from None
    return OpenDataRules.from_values(version.values())


def results_provided() -> bool:
    """Whether a package provides the published assessment results (the extension point)."""
    return any(f.name == PUBLISHED_RESULTS for m in modules.manifests() for f in m.facts)


def published_results(session: Session) -> list[dict[str, Any]] | None:
    """The published assessment results, only the public fields; None while no package provides them."""
    if not results_provided():
        return None
    rows = modules.fact(PUBLISHED_RESULTS)(session)
    return [{k: (None if row.get(k) is None else str(row.get(k))) for k in RESULT_FIELDS} for row in rows]
