"""The dashboard's charts (issue #19 scope 2): bars of a figure by area and a line of its stored values over the
as-of days, drawn as inline SVG with ``web.charts`` (no library, no CDN; labels in the page's language, CJK fonts
first). Pure: figures in, SVG text out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from landbridge.web.charts import ACCENT, BOTTOM, MUTED, WARN, WIDTH, Canvas, nice_ticks

BAR_HEIGHT = 240
MAX_LABEL = 6  # characters of an area's name under its bar


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def bars(title: str, items: Sequence[tuple[str, float | None]], *, x_label: str, y_label: str,
         target: float | None = None, target_label: str = "", whole: bool = False) -> str:
    """A bar per (area name, value), with a dashed target line when there is one; ``whole`` values (counts) get
    whole-number ticks only; a value of None (a ratio over nothing) is no bar, labelled "—"."""
    values = [v for _, v in items if v is not None] + ([target] if target is not None else [])
    top = max([*values, 0.0]) or 1.0
    ticks = nice_ticks(0.0, top * 1.08)
    if whole:
        ticks = [t for t in ticks if t == int(t)] or [0.0, 1.0]
    c = Canvas((0.0, float(max(len(items), 1))), (0.0, max(ticks[-1], top * 1.08)), height=BAR_HEIGHT)
    c.axes(x_label, y_label, x_ticks=[], y_ticks=ticks)
    for i, (label, value) in enumerate(items):
        if value is None:
            c.text(c.px(i + 0.5), c.py(0.0) - 4, "—", size=10, color=MUTED)
        else:
            c.rect(i + 0.18, 0.0, i + 0.82, value, fill=ACCENT, opacity=0.85)
            c.text(c.px(i + 0.5), c.py(value) - 4, f"{value:,.2f}".rstrip("0").rstrip("."), size=10)
        c.text(c.px(i + 0.5), BAR_HEIGHT - BOTTOM + 16, _short(label), size=11)
    if target is not None:
        c.line(0.0, target, float(max(len(items), 1)), target, color=WARN, dash="5 3")
        c.text(WIDTH - 20, c.py(target) - 4, target_label, anchor="end", size=10, color=WARN)
    return c.svg(title)


def line(title: str, points: Sequence[tuple[date, float]], *, x_label: str, y_label: str) -> str:
    """The stored values over the as-of days (a dot for a single day)."""
    if not points:
        points = []
    xs = [d.toordinal() for d, _ in points] or [0]
    ys = [v for _, v in points] or [0.0]
    high = max(ys) or 1.0
    ticks = nice_ticks(min(0.0, min(ys)), high * 1.1)
    c = Canvas((float(min(xs)), float(max(xs))), (ticks[0], max(ticks[-1], high * 1.1)), height=BAR_HEIGHT)
    c.axes(x_label, y_label, x_ticks=[], y_ticks=ticks)
    for d, _ in points[:: max(1, len(points) // 6)]:
        c.text(c.px(d.toordinal()), BAR_HEIGHT - BOTTOM + 16, d.strftime("%m-%d"), size=10, color=MUTED)
    path = " ".join(f"{c.px(d.toordinal()):.1f},{c.py(v):.1f}" for d, v in points)
    if len(points) > 1:
        c.add(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for d, v in points:
        c.add(f'<circle cx="{c.px(d.toordinal()):.1f}" cy="{c.py(v):.1f}" r="3" fill="{ACCENT}"/>')
    return c.svg(title)
