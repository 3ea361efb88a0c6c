"""Disclosure control of a published table (open data, issue #19 item 6; requirement P2, 统计法 art. 28, 个人信息保护法
art. 73): primary suppression of every cell built from fewer than ``k`` records and complementary (secondary)
suppression, so that no suppressed cell can be recovered from the published cells and totals. Pure: no database.

A table is ``rows × columns`` of record counts plus its row totals, column totals and grand total; each line (a row
with its total, a column with its total, the total row with the grand total, the total column with the grand total)
is one published equation. The rules, checked by ``check_protected`` and the property tests:

1. a published count is 0 or at least ``k`` (primary);
2. in a line whose total is published, the suppressed cells are none, or at least two whose counts add up to ``k``
   or more (so the difference "total − published cells" is built from at least ``k`` records);
3. no suppressed cell is determined exactly by the published equations (linear algebra over the line equations,
   which catches the chains two-per-line suppression can leave, e.g. a bridge between two suppressed rectangles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PRIME = 2_147_483_647  # ranks over GF(p) equal ranks over Q for these 0/±1 systems of a few hundred unknowns

Cell = tuple[int, int]  # (row, column); row == n_rows is the total row, column == n_cols the total column


@dataclass(frozen=True)
class Grid:
    """Counts of a table with its margins: ``counts[i][j]`` for i < rows, j < cols; the margins are derived."""

    counts: tuple[tuple[int, ...], ...]

    @property
    def rows(self) -> int:
        return len(self.counts)

    @property
    def cols(self) -> int:
        return len(self.counts[0]) if self.counts else 0

    def value(self, cell: Cell) -> int:
        i, j = cell
        if i < self.rows and j < self.cols:
            return self.counts[i][j]
        if i < self.rows:
            return sum(self.counts[i])
        if j < self.cols:
            return sum(r[j] for r in self.counts)
        return sum(sum(r) for r in self.counts)

    def lines(self) -> list[tuple[list[Cell], Cell]]:
        """Each published equation: (the cells that add up, their total)."""
        r, c = self.rows, self.cols
        out = [([(i, j) for j in range(c)], (i, c)) for i in range(r + 1)]
        out += [([(i, j) for i in range(r)], (r, j)) for j in range(c + 1)]
        return out

    def all_cells(self) -> list[Cell]:
        return [(i, j) for i in range(self.rows + 1) for j in range(self.cols + 1)]


def grid(counts: Sequence[Sequence[int]]) -> Grid:
    if any(n < 0 for row in counts for n in row):
        raise ValueError("counts are never negative")
    if len({len(row) for row in counts}) > 1:
        raise ValueError("rows of unequal length")
    return Grid(tuple(tuple(int(n) for n in row) for row in counts))


def determined(g: Grid, suppressed: set[Cell]) -> set[Cell]:
    """The suppressed cells whose value the published equations fix exactly (reduced row echelon form over GF(p):
    a cell is fixed when some reduced row has its only non-zero entry there)."""
    order = sorted(suppressed)
    index = {cell: n for n, cell in enumerate(order)}
    rows: list[dict[int, int]] = []
    for parts, total in g.lines():
        eq: dict[int, int] = {}
        for cell in parts:
            if cell in index:
                eq[index[cell]] = (eq.get(index[cell], 0) + 1) % PRIME
        if total in index:
            eq[index[total]] = (eq.get(index[total], 0) - 1) % PRIME
        eq = {k: v for k, v in eq.items() if v}
        if eq:
            rows.append(eq)
    pivots: list[tuple[int, dict[int, int]]] = []
    for eq in rows:
        for col, prow in pivots:
            if col in eq:
                f = eq[col]
                for k, v in prow.items():
                    eq[k] = (eq.get(k, 0) - f * v) % PRIME
                eq = {k: v for k, v in eq.items() if v}
        if not eq:
            continue
        col = min(eq)
        inv = pow(eq[col], PRIME - 2, PRIME)
        eq = {k: v * inv % PRIME for k, v in eq.items()}
        reduced = []
        for pcol, prow in pivots:
            if col in prow:
                f = prow[col]
                for k, v in eq.items():
                    prow[k] = (prow.get(k, 0) - f * v) % PRIME
                prow = {k: v for k, v in prow.items() if v}
            reduced.append((pcol, prow))
        pivots = [*reduced, (col, eq)]
    return {order[col] for col, prow in pivots if len(prow) == 1}


def _line_ok(g: Grid, parts: list[Cell], total: Cell, suppressed: set[Cell], k: int) -> bool:
    hidden = [c for c in parts if c in suppressed]
    if total in suppressed or not hidden:
        return True
    return len(hidden) >= 2 and sum(g.value(c) for c in hidden) >= k


def _cheapest(g: Grid, candidates: list[Cell]) -> Cell:
    """The cell to suppress next: the smallest positive count (least information lost), then the smallest zero."""
    return min(candidates, key=lambda c: (g.value(c) == 0, g.value(c), c))


def suppress(g: Grid, k: int) -> set[Cell]:
    """The cells (margins included) to publish as "<k": primary, then complementary suppression until
    ``check_protected`` holds. Deterministic; with ``k`` <= 1 nothing is suppressed."""
    if k <= 1:
        return set()
    hidden = {c for c in g.all_cells() if 0 < g.value(c) < k}
    while True:
        changed = False
        for parts, total in g.lines():
            while not _line_ok(g, parts, total, hidden, k):
                open_ = [c for c in parts if c not in hidden]
                hidden.add(_cheapest(g, open_) if open_ else total)
                changed = True
        if changed:
            continue
        fixed = determined(g, hidden)
        if not fixed:
            return hidden
        cell = min(fixed)
        lines = [(p, t) for p, t in g.lines() if cell in p or cell == t]
        open_ = [c for p, t in lines for c in [*p, t] if c not in hidden]
        if not open_:  # cannot happen: a fixed cell lies in a line with a published cell
            raise AssertionError(f"cell {cell} fixed with nothing left to hide")
        hidden.add(_cheapest(g, open_))


def check_protected(g: Grid, hidden: set[Cell], k: int) -> list[str]:
    """The rules a publication breaks (empty when it is safe): used by the tests and before each publication."""
    problems = [f"cell {c} = {g.value(c)} published under k" for c in g.all_cells()
                if c not in hidden and 0 < g.value(c) < k]
    problems += [f"line to {t}: suppressed cells recoverable as a sum under k" for p, t in g.lines()
                 if not _line_ok(g, p, t, hidden, k)]
    problems += [f"cell {c} recoverable exactly" for c in sorted(determined(g, hidden))]
    return problems
