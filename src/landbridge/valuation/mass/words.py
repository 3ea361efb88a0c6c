"""A mass-appraised value's explanation in words (L1, F1): each top contribution as a feature, its value for
the parcel and how much it raises or lowers the value, in Chinese or English (pages and the appraisal report).

The model's contributions are additive in log units, so each is a factor on the value: exp(log) − 1 is
the percentage it moves the value by against the model's base (the average parcel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from landbridge.cityprofile import get_profile
from landbridge.registry import land_use_label
from landbridge.web.i18n import translator

# English label, Chinese label of each model feature (distance features: dist name → what the distance is to)
FEATURES: dict[str, tuple[str, str]] = {
    "use": ("Land use", "土地用途"), "district": ("District", "所在区县"), "log_area": ("Parcel area", "宗地面积"),
    "plot_ratio": ("Plot ratio", "容积率"), "lon": ("Location (east–west)", "区位（东西向）"),
    "lat": ("Location (north–south)", "区位（南北向）"), "month": ("Market date", "估价期日（市场时点）"),
}
DISTANCES: dict[str, tuple[str, str]] = {
    "town_centre": ("Distance to the nearest town centre", "距最近镇区中心距离"),
    "city_centre": ("Distance to the city centre", "距市中心距离"),
    "road": ("Distance to the nearest road", "距最近道路距离"),
    "major_road": ("Distance to a major road", "距干线公路距离"),
}


@dataclass(frozen=True)
class ContributionLine:
    """One top contribution in words: the feature, its value for the parcel, the factor and the sentence."""

    feature: str
    label: str
    shown_value: str
    factor: float
    percent: float
    sentence: str


def feature_label(feature: str, zh: bool) -> str:
    """A model feature's name in words (unknown features keep their code)."""
    if feature.startswith("log_dist_") and feature[len("log_dist_"):] in DISTANCES:
        en, cn = DISTANCES[feature[len("log_dist_"):]]
        return cn if zh else en
    if feature.startswith("log_dist_"):
        name = feature[len("log_dist_"):].replace("_", " ")
        return f"距{name}距离" if zh else f"Distance to {name}"
    en, cn = FEATURES.get(feature, (feature, feature))
    return cn if zh else en


def _district_name(code: str, zh: bool) -> str:
    region = get_profile().region(code.ljust(12, "0"))
    if region is None:
        return code
    return f"{region.name if zh else region.name_en} ({code})"


def shown_value(feature: str, value: dict[str, Any], valuation_date: str, zh: bool) -> str:
    """The parcel's value of a feature as a reader knows it (area in m², distances in km, the district's name)."""
    numeric = value.get("features", {})
    if feature == "use":
        return land_use_label(str(value["land_use_class"]), translator("zh_CN" if zh else "en"))
    if feature == "district":
        return _district_name(str(value["region_code"])[:6], zh)
    if feature == "month":
        return valuation_date[:7]
    x = numeric.get(feature)
    if x is None:
        return "无数据" if zh else "no data"
    if feature == "log_area":
        return f"{math.exp(x):,.1f} m²"
    if feature.startswith("log_dist_"):
        return f"{math.expm1(x):,.2f} km"
    if feature in ("lon", "lat"):
        return f"{x:.4f}°"
    return f"{x:.2f}"


def sentence(label: str, shown: str, percent: float, zh: bool) -> str:
    """One contribution as a sentence, e.g. "距最近道路距离 0.35 km：使单价上调 6.2%"."""
    if zh:
        if abs(percent) < 0.05:
            return f"{label} {shown}：对单价基本无影响"
        return f"{label} {shown}：使单价{'上调' if percent > 0 else '下调'} {abs(percent):.1f}%"
    if abs(percent) < 0.05:
        return f"{label} {shown}: hardly moves the value per m²"
    return f"{label} {shown}: {'raises' if percent > 0 else 'lowers'} the value per m² by {abs(percent):.1f}%"


def contribution_lines(value: dict[str, Any], *, zh: bool) -> list[ContributionLine]:
    """The top contributions of a value (``mass_service.parcel_value``) in words, largest first (L1)."""
    day = value["valuation_date"]
    day_text = day.isoformat() if hasattr(day, "isoformat") else str(day)
    out = []
    for item in value["explanation"]["contributions"]:
        feature = str(item["feature"])
        factor = float(item["factor"])
        percent = (factor - 1) * 100
        label = feature_label(feature, zh)
        shown = shown_value(feature, value, day_text, zh)
        out.append(ContributionLine(feature, label, shown, factor, percent, sentence(label, shown, percent, zh)))
    return out
