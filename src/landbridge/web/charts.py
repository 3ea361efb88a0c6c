"""SVG charts for server-rendered pages and PDFs (web toolkit, issue #14 item 4): a plot canvas and its parts.

No plotting library and no domain code: a ``Canvas`` maps data to pixels (linear y; linear or log10 x) and
draws lines, rectangles, text, axes with round ticks and a legend; the finished chart is an inline ``<svg>``
string that Jinja2 pages and WeasyPrint PDFs embed as they are. The ratio-study report (valuation) was its
first user.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 26, 44
FONT = 'font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"'
INK, MUTED, BAND, ACCENT, WARN = "#1f2933", "#6b7785", "#d8ecdf", "#1f4e79", "#b42318"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 × a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def tick_label(v: float) -> str:
    """A tick label: short, with 万/亿 for large numbers (the reports are read in Chinese first)."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e8:
        return f"{_compact(v / 1e8)}亿"
    if a >= 1e4:
        return f"{_compact(v / 1e4)}万"
    return _compact(v, 4) if a >= 1 else f"{v:.2f}".rstrip("0").rstrip(".")


def _compact(x: float, digits: int = 3) -> str:
    """``digits`` significant digits, or the whole number where that would need an exponent (4000万, not 4e+03万)."""
    text = f"{x:.{digits}g}"
    return f"{x:.0f}" if "e" in text else text


class Canvas:
    """An SVG plot area mapping data to pixels (linear y; linear or log10 x)."""

    def __init__(
        self,
        x: tuple[float, float],
        y: tuple[float, float],
        *,
        log_x: bool = False,
        height: int = HEIGHT,
        left: int = LEFT,
    ) -> None:
        self.log_x, self.height, self.left = log_x, height, left
        self.x0, self.x1 = (math.log10(x[0]), math.log10(x[1])) if log_x else x
        self.y0, self.y1 = y
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1
        self.parts: list[str] = []

    def px(self, x: float) -> float:
        """Pixel column of a data x."""
        v = math.log10(x) if self.log_x else x
        return self.left + (v - self.x0) / (self.x1 - self.x0) * (WIDTH - self.left - RIGHT)

    def py(self, y: float) -> float:
        """Pixel row of a data y."""
        return self.height - BOTTOM - (y - self.y0) / (self.y1 - self.y0) * (self.height - TOP - BOTTOM)

    def add(self, element: str) -> None:
        """Append an SVG element."""
        self.parts.append(element)

    def text(
        self,
        x: float,
        y: float,
        label: str,
        *,
        anchor: str = "middle",
        size: int = 11,
        color: str = INK,
        extra: str = "",
    ) -> None:
        """Write a label at pixel (x, y)."""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{color}" '
            f"{FONT}{extra}>{escape(label)}</text>"
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, color: str = INK, width: float = 1, dash: str | None = None
    ) -> None:
        """Draw a line in data coordinates."""
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{self.px(x1):.1f}" y1="{self.py(y1):.1f}" x2="{self.px(x2):.1f}" y2="{self.py(y2):.1f}" '
            f'stroke="{color}" stroke-width="{width}"{d}/>'
        )

    def rect(
        self, x1: float, y1: float, x2: float, y2: float, *, fill: str, opacity: float = 1.0, stroke: str = "none"
    ) -> None:
        """Fill a rectangle given in data coordinates."""
        a, b = sorted((self.px(x1), self.px(x2)))
        c, d = sorted((self.py(y1), self.py(y2)))
        self.add(
            f'<rect x="{a:.1f}" y="{c:.1f}" width="{max(b - a, 0.5):.1f}" height="{max(d - c, 0):.1f}" '
            f'fill="{fill}" fill-opacity="{opacity}" stroke="{stroke}"/>'
        )

    def axes(
        self,
        x_label: str,
        y_label: str,
        *,
        x_ticks: Sequence[float] | None = None,
        y_ticks: Sequence[float] | None = None,
    ) -> None:
        """Draw the frame, grid, tick labels and axis titles."""
        bottom, top = self.height - BOTTOM, TOP
        for t in y_ticks if y_ticks is not None else nice_ticks(self.y0, self.y1):
            if self.y0 <= t <= self.y1:
                y = self.py(t)
                self.add(f'<line x1="{self.left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e9ee"/>')
                self.text(self.left - 5, y + 4, tick_label(t), anchor="end", size=10, color=MUTED)
        if x_ticks is None:
            x_ticks = (
                [10.0**k for k in range(math.ceil(self.x0), math.floor(self.x1) + 1)]
                if self.log_x
                else nice_ticks(self.x0, self.x1)
            )
        for t in x_ticks:
            x = self.px(t)
            if self.left - 0.5 <= x <= WIDTH - RIGHT + 0.5:
                self.add(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="{MUTED}"/>')
                self.text(x, bottom + 16, tick_label(t), size=10, color=MUTED)
        self.add(
            f'<rect x="{self.left}" y="{top}" width="{WIDTH - self.left - RIGHT}" height="{bottom - top}" '
            f'fill="none" stroke="{MUTED}"/>'
        )
        self.text((self.left + WIDTH - RIGHT) / 2, self.height - 8, x_label, size=11)
        self.text(
            14, (top + bottom) / 2, y_label, size=11, extra=f' transform="rotate(-90 14 {(top + bottom) / 2:.1f})"'
        )

    def svg(self, title: str) -> str:
        """The finished SVG document (an ``<svg>`` element with a title, for inline use)."""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.height}" '
            f'viewBox="0 0 {WIDTH} {self.height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">'
            f"<title>{escape(title)}</title>" + "".join(self.parts) + "</svg>"
        )


def legend(c: Canvas, items: Sequence[tuple[str, str, str]]) -> None:
    """Legend entries (colour, kind ``line``/``dash``/``box``/``dot``, label) along the top edge."""
    x = c.left + 6
    for color, kind, label in items:
        y = TOP - 9
        if kind == "box":
            c.add(f'<rect x="{x}" y="{y - 6}" width="14" height="9" fill="{color}"/>')
        elif kind == "dot":
            c.add(f'<circle cx="{x + 7}" cy="{y - 1.5}" r="3" fill="{color}"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            c.add(
                f'<line x1="{x}" y1="{y - 1.5}" x2="{x + 14}" y2="{y - 1.5}" stroke="{color}" stroke-width="2"{dash}/>'
            )
        c.text(x + 18, y + 2, label, anchor="start", size=10)
        x += 26 + 11 * len(label) if any(ord(ch) > 0x2E80 for ch in label) else 26 + 6 * len(label)


def robust_range(values: FloatArray, pad: float = 0.05) -> tuple[float, float]:
    """An axis range from the 0.5–99.5 % quantiles (all values when few), padded by ``pad`` of its span."""
    lo, hi = (
        (float(v) for v in np.quantile(values, [0.005, 0.995]))
        if values.size > 20
        else (float(values.min()), float(values.max()))
    )
    span = (hi - lo) or abs(hi) or 1.0
    return lo - pad * span, hi + pad * span
