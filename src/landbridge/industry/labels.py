"""Chinese and English labels of the industry codes (issue #19 item 5), for pages and the map's legend."""

from __future__ import annotations

KIND = {"synergy_zone": ("产业协同区", "Industry synergy zone"),
        "characteristic_town": ("特色小镇", "Characteristic town"),
        "agricultural_park": ("农业园区", "Agricultural park"), "village": ("美丽乡村", "Beautiful village")}
INDUSTRY = {"smart_manufacturing": ("智联制造", "Smart manufacturing"), "eyewear": ("眼镜", "Eyewear"),
            "precision_components": ("精密元件", "Precision components"),
            "cultural_tourism": ("文化旅游", "Cultural tourism"),
            "modern_agriculture": ("现代农业", "Modern agriculture"),
            "agritourism": ("农旅融合", "Agritourism"), "rural_tourism": ("乡村旅游", "Rural tourism"),
            "copper_processing": ("铜加工", "Copper processing")}
PROJECT_STATUS = {"planned": ("谋划", "Planned"), "under_construction": ("在建", "Under construction"),
                  "operating": ("运营", "Operating")}
PLACE_STATUS = {"draft": ("草稿", "Draft"), "published": ("已发布", "Published"), "withdrawn": ("已撤回", "Withdrawn")}
NATURE = {"operating": ("经营性", "Operating"), "public_welfare": ("公益性", "Public welfare")}
FUNDING = {"special_fund": ("专项资金", "Special fund"), "special_bond": ("专项债券", "Special bond"),
           "loan": ("专项贷款", "Loan"), "social_capital": ("社会资本", "Social capital")}


def label(table: dict[str, tuple[str, str]], code: str | None, zh: bool) -> str:
    if code is None:
        return "—"
    pair = table.get(code)
    return (pair[0] if zh else pair[1]) if pair else code
