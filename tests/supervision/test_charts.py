"""The dashboard's SVG charts (issue #19 scope 2): axis titles and area names in the page's language, whole-number
ticks for counts, a dashed target line, a trend line over the as-of days; no script, no external reference."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

from landbridge.supervision import charts


def texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_bars_name_the_areas_and_axes_and_draw_the_target() -> None:
    svg = charts.bars("不良率", [("月湖区", 0.0), ("余江区", 66.67), ("贵溪市", 12.5)], x_label="区域", y_label="%",
                      target=5.0, target_label="目标 5.00%")
    labels = texts(svg)
    assert {"月湖区", "余江区", "贵溪市", "区域", "%", "目标 5.00%", "66.67", "12.5"} <= set(labels)
    assert 'stroke-dasharray="5 3"' in svg and "<script" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    heights = [float(h) for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="#1f4e79"',
                                            svg)]
    assert heights[0] == 0 and heights[1] > heights[2] > 0


def test_a_ratio_over_nothing_has_no_bar() -> None:
    svg = charts.bars("不良率", [("月湖区", None), ("余江区", 50.0)], x_label="区域", y_label="%")
    assert "—" in texts(svg) and svg.count('fill="#1f4e79"') == 1


def test_counts_get_whole_ticks() -> None:
    svg = charts.bars("成交宗数", [("余江区", 1.0), ("贵溪市", 1.0)], x_label="区域", y_label="宗", whole=True)
    ticks = [t for t in texts(svg) if re.fullmatch(r"[\d.]+", t)]
    assert ticks and all("." not in t for t in ticks)


def test_a_long_area_name_is_shortened() -> None:
    svg = charts.bars("x", [("鹰潭市余江区锦江镇范家村", 1.0)], x_label="区域", y_label="元")
    assert "鹰潭市余江…" in texts(svg)


def test_the_trend_line_marks_each_day() -> None:
    svg = charts.line("余额", [(date(2026, 4, 30), 0.0), (date(2026, 5, 31), 10.0), (date(2026, 6, 30), 41.86)],
                      x_label="统计日", y_label="%")
    assert svg.count("<circle") == 3 and "<polyline" in svg
    assert {"04-30", "05-31", "06-30", "统计日"} <= set(texts(svg))
    empty = charts.line("余额", [], x_label="统计日", y_label="%")
    assert "<circle" not in empty and ElementTree.fromstring(empty) is not None
