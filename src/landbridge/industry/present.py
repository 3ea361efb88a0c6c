"""The public shape of places and projects (issue #19 item 5), shared by the API, the map layer and the pages.
Nothing here names a person: a funding line's reference is a document or contract number, never a name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from landbridge.industry.figures import PlaceFigures
from landbridge.industry.models import IndustryPlace, IndustryProject


def place_json(p: IndustryPlace, figures: PlaceFigures | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.id, "place_no": p.place_no, "kind": p.kind, "name": p.name, "summary": p.summary,
                           "region_code": p.region_code, "industries": list(p.industries), "status": p.status,
                           "bbox": [p.minx, p.miny, p.maxx, p.maxy]}
    if figures is not None:
        out["figures"] = figures.as_json()
    return out


def project_json(p: IndustryProject, funding: dict[str, Decimal] | None = None) -> dict[str, Any]:
    lines = funding or {}
    return {"id": p.id, "project_no": p.project_no, "place_id": p.place_id, "name": p.name, "nature": p.nature,
            "description": p.description, "status": p.status, "published": p.published,
            "revenue_cny": str(p.revenue_cny), "bundle_id": p.bundle_id,
            "quota_allocation_id": p.quota_allocation_id, "entry_case_id": p.entry_case_id,
            "funding": {k: str(v) for k, v in sorted(lines.items())},
            "funding_total_cny": str(sum(lines.values(), Decimal(0)))}
