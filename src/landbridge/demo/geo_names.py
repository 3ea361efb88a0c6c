"""Invented administrative villages (行政村) and communities (社区) for a city profile's ``regions.csv``.

No list of Yingtan's villages with their codes is public in a form we can vouch for, so the demo
city's villages are invented: every township gets villages (towns and 乡) or communities
(街道, and a few in a town that holds a county seat), with 12-digit codes (township code +
001-199 for a village, 201+ for a community), Chinese names built the way Jiangxi villages are
named (surname + 家, 塘, 坑, 源, 桥, 岭, 畈, 垄 ...), their pinyin, and ``invented=true``. Rows that
exist are kept with their codes. Deterministic: the same input gives the same rows.

Run ``python -m landbridge.demo.geo_names [profile]`` to (re)write the profile's ``regions.csv``.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from landbridge.cityprofile.loader import RuleSet, load_profile, profile_folder

FIELDS = ("code", "name", "name_en", "level", "parent", "invented", "kind")

# (character, pinyin): common surnames of Jiangxi villages, place-name endings, descriptive prefixes.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("吴", "wu"), ("徐", "xu"), ("周", "zhou"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"),
    ("何", "he"), ("郭", "guo"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("邓", "deng"), ("冯", "feng"), ("韩", "han"), ("曹", "cao"), ("曾", "zeng"), ("彭", "peng"),
    ("肖", "xiao"), ("蔡", "cai"), ("潘", "pan"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"), ("叶", "ye"),
    ("蒋", "jiang"), ("杜", "du"), ("苏", "su"), ("魏", "wei"), ("程", "cheng"), ("丁", "ding"), ("沈", "shen"),
    ("姚", "yao"), ("卢", "lu"), ("傅", "fu"), ("钟", "zhong"), ("谭", "tan"), ("廖", "liao"), ("范", "fan"),
    ("汪", "wang"), ("金", "jin"), ("夏", "xia"), ("邱", "qiu"), ("方", "fang"), ("邹", "zou"), ("熊", "xiong"),
    ("毛", "mao"), ("江", "jiang"), ("桂", "gui"), ("饶", "rao"), ("祝", "zhu"), ("艾", "ai"), ("舒", "shu"),
    ("章", "zhang"), ("万", "wan"), ("龚", "gong"), ("涂", "tu"), ("洪", "hong"), ("童", "tong"), ("雷", "lei"),
    ("聂", "nie"), ("詹", "zhan"), ("柯", "ke"), ("官", "guan"), ("俞", "yu"), ("黎", "li"), ("易", "yi"),
    ("游", "you"), ("戴", "dai"), ("严", "yan"), ("占", "zhan"), ("揭", "jie"), ("晏", "yan"), ("欧", "ou"),
)
ENDINGS: tuple[tuple[str, str], ...] = (
    ("塘", "tang"), ("坑", "keng"), ("源", "yuan"), ("桥", "qiao"), ("岭", "ling"), ("畈", "fan"), ("垄", "long"),
    ("湾", "wan"), ("山", "shan"), ("洲", "zhou"), ("港", "gang"), ("埠", "bu"), ("坊", "fang"), ("田", "tian"),
    ("溪", "xi"), ("墩", "dun"), ("坪", "ping"), ("岗", "gang"), ("坂", "ban"), ("口", "kou"), ("陂", "bei"),
    ("潭", "tan"), ("庄", "zhuang"), ("店", "dian"), ("渡", "du"), ("铺", "pu"), ("窑", "yao"), ("冲", "chong"),
    ("洋", "yang"), ("圳", "zhen"),
)
PREFIXES: tuple[tuple[str, str], ...] = (
    ("上", "shang"), ("下", "xia"), ("前", "qian"), ("后", "hou"), ("东", "dong"), ("西", "xi"), ("南", "nan"),
    ("北", "bei"), ("大", "da"), ("小", "xiao"), ("新", "xin"), ("老", "lao"), ("石", "shi"), ("白", "bai"),
    ("青", "qing"), ("龙", "long"), ("凤", "feng"), ("马", "ma"), ("桃", "tao"), ("柏", "bai"), ("竹", "zhu"),
    ("梅", "mei"), ("枫", "feng"), ("樟", "zhang"), ("松", "song"), ("杉", "shan"), ("茶", "cha"), ("荷", "he"),
    ("莲", "lian"), ("银", "yin"), ("沙", "sha"), ("水", "shui"), ("岩", "yan"), ("古", "gu"), ("长", "chang"),
    ("双", "shuang"), ("三", "san"), ("鹤", "he"), ("狮", "shi"), ("牛", "niu"), ("柳", "liu"), ("兰", "lan"),
    ("丰", "feng"), ("和", "he"), ("安", "an"), ("太", "tai"), ("平", "ping"), ("桐", "tong"), ("槐", "huai"),
)
# Two-character community names common in Chinese towns (no city-specific ones).
COMMUNITY_NAMES: tuple[tuple[str, str], ...] = (
    ("站前", "zhan qian"), ("沿江", "yan jiang"), ("湖西", "hu xi"), ("湖东", "hu dong"), ("胜利", "sheng li"),
    ("建设", "jian she"), ("解放", "jie fang"), ("人民", "ren min"), ("花园", "hua yuan"), ("桃园", "tao yuan"),
    ("五湖", "wu hu"), ("滨江", "bin jiang"), ("新城", "xin cheng"), ("工业", "gong ye"), ("铁路", "tie lu"),
    ("南门", "nan men"), ("北门", "bei men"), ("西门", "xi men"), ("城南", "cheng nan"), ("城北", "cheng bei"),
    ("城东", "cheng dong"), ("城西", "cheng xi"), ("冶金", "ye jin"), ("华兴", "hua xing"), ("育才", "yu cai"),
    ("文化", "wen hua"), ("朝阳", "chao yang"), ("和平", "he ping"), ("光明", "guang ming"), ("幸福", "xing fu"),
    ("翠园", "cui yuan"), ("锦绣", "jin xiu"), ("丰园", "feng yuan"), ("府前", "fu qian"), ("江滨", "jiang bin"),
    ("新桥", "xin qiao"), ("林荫", "lin yin"), ("三川", "san chuan"), ("凤凰", "feng huang"), ("紫荆", "zi jing"),
    ("金桥", "jin qiao"), ("银河", "yin he"), ("春晖", "chun hui"), ("康乐", "kang le"), ("永安", "yong an"),
    ("向阳", "xiang yang"), ("友谊", "you yi"), ("团结", "tuan jie"), ("民主", "min zhu"), ("前进", "qian jin"),
    ("红旗", "hong qi"), ("复兴", "fu xing"), ("振兴", "zhen xing"), ("江南", "jiang nan"), ("园林", "yuan lin"),
    ("电厂", "dian chang"), ("化工", "hua gong"), ("体育", "ti yu"), ("学府", "xue fu"), ("东方", "dong fang"),
    ("新华", "xin hua"), ("中山", "zhong shan"), ("青年", "qing nian"), ("龙腾", "long teng"), ("松涛", "song tao"),
    ("瑞景", "rui jing"), ("书院", "shu yuan"), ("鼓楼", "gu lou"), ("望江", "wang jiang"), ("双塘", "shuang tang"),
)
VILLAGE_CODES = range(1, 200)
COMMUNITY_CODES = range(201, 400)


@dataclass(frozen=True)
class RegionRow:
    """One row of ``regions.csv``."""

    code: str
    name: str
    name_en: str
    level: str
    parent: str
    invented: bool
    kind: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "level": self.level,
                "parent": self.parent, "invented": "true" if self.invented else "false", "kind": self.kind}


def join_pinyin(syllables: Sequence[str]) -> str:
    """Capitalised pinyin of a place name, with the apostrophe before a/o/e (Xi'an)."""
    out = ""
    for s in syllables:
        if out and s[:1] in "aoe":
            out += "'"
        out += s
    return out[:1].upper() + out[1:]


def township_kind(row: RegionRow) -> str:
    """subdistrict (街道), town (镇) or xiang (乡) from the name, else from the code (001-099 街道)."""
    if row.kind:
        return row.kind
    if row.name.endswith("街道"):
        return "subdistrict"
    if row.name.endswith("镇"):
        return "town"
    if row.name.endswith("乡"):
        return "xiang"
    return "subdistrict" if int(row.code[6:9]) < 100 else "town"


def _stem(name: str, name_en: str) -> tuple[str, str] | None:
    """The proper name of a township (画桥镇 -> 画桥, Huaqiao)."""
    for suffix in ("畲族乡", "街道", "镇", "乡"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            en = name_en.split(" ")[0]
            return (stem, en) if len(stem) >= 2 else None
    return None


def _village_name(rng: random.Random) -> tuple[str, str]:
    """A Jiangxi-looking village name (without 村) and its pinyin."""
    pattern = rng.choices(("jia", "jia_end", "sur_end", "pre_end", "pre_sur"), weights=(15, 20, 25, 30, 10))[0]
    sur, end, pre = rng.choice(SURNAMES), rng.choice(ENDINGS), rng.choice(PREFIXES)
    side = rng.choice(PREFIXES[:12])  # 上王, 下徐: only a position word goes before a surname
    parts = {"jia": [sur, ("家", "jia")], "jia_end": [sur, ("家", "jia"), end], "sur_end": [sur, end],
             "pre_end": [pre, end], "pre_sur": [side, sur]}[pattern]
    return "".join(c for c, _ in parts), join_pinyin([p for _, p in parts])


def _community_name(rng: random.Random) -> tuple[str, str]:
    name, pinyin = rng.choice(COMMUNITY_NAMES)
    return name, join_pinyin(pinyin.split(" "))


def _seat_towns(townships: list[RegionRow], rules: RuleSet) -> set[str]:
    """Towns that hold a county seat in a county without subdistricts: the one whose anchor is nearest the seat."""
    seats: dict[str, list[float]] = rules.value("county_seats")
    anchors: dict[str, list[float]] = rules.value("township_anchors")
    out: set[str] = set()
    for county, seat in seats.items():
        own = [t for t in townships if t.parent == county]
        if not own or any(township_kind(t) == "subdistrict" for t in own):
            continue
        placed = [t for t in own if t.code in anchors]
        if placed:
            out.add(min(placed, key=lambda t: (anchors[t.code][0] - seat[0]) ** 2
                        + (anchors[t.code][1] - seat[1]) ** 2).code)
    return out


def invent_villages(rows: list[RegionRow], rules: RuleSet) -> list[RegionRow]:
    """All rows: the given ones (kept, ``kind`` filled in) plus invented villages and communities per township."""
    townships = [r for r in rows if r.level == "township"]
    seat_towns = _seat_towns(townships, rules)
    used = {r.name for r in rows if r.level == "village"}
    out: list[RegionRow] = []
    by_parent: dict[str, list[RegionRow]] = {}
    for r in rows:
        if r.level == "village":
            by_parent.setdefault(r.parent, []).append(r)
        elif r.level == "township":
            out.append(RegionRow(r.code, r.name, r.name_en, r.level, r.parent, r.invented, township_kind(r)))
        else:
            out.append(r)
    for town in sorted(townships, key=lambda t: t.code):
        kind = township_kind(town)
        rng = random.Random(f"landbridge-villages:{town.code}")
        existing = sorted(by_parent.get(town.code, []), key=lambda v: v.code)
        for v in existing:
            community = int(v.code[9:]) >= COMMUNITY_CODES.start or v.name.endswith("社区")
            out.append(RegionRow(v.code, v.name, v.name_en, v.level, v.parent, v.invented,
                                 v.kind or ("community" if community else "village")))
        if kind == "subdistrict":
            villages, communities = 0, rng.randint(*rules.value("communities_per_subdistrict"))
        else:
            bounds = rules.value("villages_per_town" if kind == "town" else "villages_per_xiang")
            villages = rng.randint(*bounds)
            communities = int(rules.value("communities_in_seat_town")) if town.code in seat_towns else 0
        have_v = [v for v in existing if int(v.code[9:]) < COMMUNITY_CODES.start]
        have_c = [v for v in existing if int(v.code[9:]) >= COMMUNITY_CODES.start]
        out += _invent(town, rng, used, "village", villages - len(have_v), {int(v.code[9:]) for v in have_v})
        out += _invent(town, rng, used, "community", communities - len(have_c), {int(v.code[9:]) for v in have_c})
    return out


def _invent(town: RegionRow, rng: random.Random, used: set[str], kind: str, count: int,
            taken: set[int]) -> list[RegionRow]:
    codes = iter(n for n in (VILLAGE_CODES if kind == "village" else COMMUNITY_CODES) if n not in taken)
    suffix, suffix_en = ("村", "Village") if kind == "village" else ("社区", "Community")
    stem = _stem(town.name, town.name_en)
    out = []
    for i in range(max(0, count)):
        # The first village (or community) of a township usually carries the township's name.
        if i == 0 and not taken and stem and stem[0] + suffix not in used:
            base, en = stem
        else:
            for _ in range(1000):
                base, en = _village_name(rng) if kind == "village" else _community_name(rng)
                if base + suffix not in used:
                    break
            else:  # pragma: no cover - the name space is far larger than a city's villages
                raise RuntimeError(f"no unused {kind} name left for {town.code}")
        used.add(base + suffix)
        out.append(RegionRow(f"{town.code[:9]}{next(codes):03d}", base + suffix, f"{en} {suffix_en}", "village",
                             town.code, True, kind))
    return out


def read_rows(path: Path) -> list[RegionRow]:
    """The rows of a ``regions.csv``."""
    with path.open(encoding="utf-8") as fh:
        return [RegionRow(r["code"].strip(), r["name"], r["name_en"], r["level"], r["parent"] or "",
                          r["invented"].strip().lower() == "true", (r.get("kind") or "").strip())
                for r in csv.DictReader(fh)]


def render_rows(rows: list[RegionRow]) -> str:
    """CSV text of the rows, in code order."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r.code):
        writer.writerow(row.as_dict())
    return buf.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    """Rewrite a profile's regions.csv with its invented villages and communities."""
    code = (list(argv) if argv is not None else sys.argv[1:] or ["yingtan"])[0]
    path = profile_folder(code) / "regions.csv"
    rows = invent_villages(read_rows(path), load_profile(code).rules("demo_geography"))
    path.write_text(render_rows(rows), encoding="utf-8")
    print(f"{path}: {sum(r.level == 'village' for r in rows)} villages and communities")


if __name__ == "__main__":
    main()
