"""zh-CN and English labels of the maintenance inventory's codes (pages only)."""

from __future__ import annotations

KIND = {"road": ("农村公路", "rural road"), "water_supply": ("农村供水", "water supply"),
        "sewage": ("污水处理", "sewage"), "waste": ("垃圾处理", "waste"), "lighting": ("公共照明", "lighting"),
        "public_building": ("公共建筑", "public building")}
ASSET_STATUS = {"registered": ("待验收移交", "awaiting hand-over"), "in_service": ("管护中", "in service"),
                "retired": ("已撤销", "retired")}
DEFECT_STATUS = {"open": ("待维修", "open"), "repaired": ("已维修待销号", "repaired"), "closed": ("已销号", "closed")}
SEVERITY = {"minor": ("一般", "minor"), "major": ("较重", "major"), "urgent": ("紧急", "urgent")}
FUNDING = {"fiscal": ("财政补助", "public budget"), "collective": ("集体经济", "collective funds"),
           "user_fee": ("使用者付费", "user fees"), "social": ("社会资本", "private capital"),
           "other": ("其他", "other")}
MAINTAINER_KIND = {"organisation": ("单位", "organisation"), "collective": ("村集体", "collective")}


def label(table: dict[str, tuple[str, str]], key: str | None, zh: bool) -> str:
    if key is None:
        return "—"
    found = table.get(key)
    return (found[0] if zh else found[1]) if found else key


def options(table: dict[str, tuple[str, str]], zh: bool) -> list[tuple[str, str]]:
    return [(k, v[0] if zh else v[1]) for k, v in table.items()]
