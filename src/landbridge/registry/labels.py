"""The registry's label tables in one place: right types, GB/T 21010 land-use classes and the map colours, with
their English labels (Chinese from the platform catalogue). Pages, certificates, the exchange's documents and the
valuation reports all read them here (issue #14 item 4). Pure: no database, no web framework."""

from __future__ import annotations

from collections.abc import Callable

# Right types (registry.RightType values) with their English label; Chinese comes from the catalogue.
RIGHT_TYPE_LABELS: dict[str, str] = {
    "collective_land_ownership": "Collective land ownership",
    "homestead_use_right": "Homestead use right",
    "house_ownership": "House ownership",
    "collective_construction_land_use_right": "Collective construction land use right",
    "state_construction_land_use_right": "State construction land use right",
    "land_contract_right": "Land contract right",
    "land_management_right": "Land management right",
    "forest_right": "Forest right",
    "collective_asset_share": "Collective asset share",
}
# GB/T 21010-2017 land-use classes: first level, and the second-level classes common in rural registration.
LAND_USE_LABELS: dict[str, str] = {
    "01": "Cultivated land", "0101": "Paddy field", "0102": "Irrigated land", "0103": "Dry land",
    "02": "Garden land", "0201": "Orchard", "0202": "Tea garden",
    "03": "Forest land", "0301": "Arbor forest land", "0305": "Shrub forest land", "0307": "Other forest land",
    "04": "Grassland", "05": "Commercial and service land", "06": "Industrial, mining and storage land",
    "0601": "Industrial land", "0602": "Mining land", "0604": "Storage land",
    "07": "Residential land", "0701": "Urban residential land", "0702": "Rural homestead",
    "08": "Public administration and service land", "09": "Special-use land", "10": "Transport land",
    "11": "Water and water facilities land", "12": "Other land",
}
# Map colours per right type; parcels with no current right are drawn grey.
RIGHT_TYPE_COLOURS: dict[str, str] = {
    "collective_land_ownership": "#8c6d31",
    "homestead_use_right": "#d95f02",
    "house_ownership": "#e7298a",
    "collective_construction_land_use_right": "#7570b3",
    "state_construction_land_use_right": "#1b9e77",
    "land_contract_right": "#66a61e",
    "land_management_right": "#2b8cbe",
    "forest_right": "#1a5e20",
    "collective_asset_share": "#a6761d",
    "": "#8a94a0",
}


def land_use_label(code: str | None, _: Callable[[str], str]) -> str:
    """A land-use class code with its name in the page language, e.g. "0702 农村宅基地"."""
    if not code:
        return ""
    label = LAND_USE_LABELS.get(code) or LAND_USE_LABELS.get(code[:2])
    return f"{code} {_(label)}" if label else code


def right_type_legend(_: Callable[[str], str]) -> list[dict[str, str]]:
    """Legend entries (value, label in the page language, colour) for the map."""
    entries = [{"value": value, "label": _(label), "colour": RIGHT_TYPE_COLOURS[value]}
               for value, label in RIGHT_TYPE_LABELS.items() if value != "collective_asset_share"]
    entries.append({"value": "", "label": _("No registered right"), "colour": RIGHT_TYPE_COLOURS[""]})
    return entries
