"""k-anonymity of published tables (issue #19 item 6; P2, S2; 统计法 art. 28): property tests with hypothesis that
no published cell, margin or recoverable difference is built from fewer than k records, checked by an attacker
written independently of the suppression code (numpy ranks over the line equations, and per-line differences)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.open_data.suppression import Cell, check_protected, grid, suppress


def attacker(counts: list[list[int]], hidden: set[Cell], k: int) -> list[str]:
    """What someone holding the published table learns: published values under k, a line whose total is published
    and whose suppressed cells add up to under k, or a suppressed cell fixed by the published equations."""
    r, c = len(counts), len(counts[0])
    full = [[*row, sum(row)] for row in counts]
    full.append([sum(full[i][j] for i in range(r)) for j in range(c + 1)])
    found = [f"published {(i, j)}" for i in range(r + 1) for j in range(c + 1)
             if (i, j) not in hidden and 0 < full[i][j] < k]
    lines = [([(i, j) for j in range(c)], (i, c)) for i in range(r + 1)]
    lines += [([(i, j) for i in range(r)], (r, j)) for j in range(c + 1)]
    for parts, total in lines:
        if total in hidden:
            continue
        unknown = [p for p in parts if p in hidden]
        difference = sum(full[i][j] for i, j in unknown)
        if 0 < difference < k or (len(unknown) == 1 and difference > 0):
            found.append(f"difference {unknown} = {difference} from the total {total}")
    order = sorted(hidden)
    if order:
        a = np.zeros((len(lines), len(order)))
        for n, (parts, total) in enumerate(lines):
            for m, cell in enumerate(order):
                a[n, m] = 1.0 if cell in parts else (-1.0 if cell == total else 0.0)
        rank = np.linalg.matrix_rank(a)
        for m, cell in enumerate(order):
            unit = np.zeros((1, len(order)))
            unit[0, m] = 1.0
            if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
                found.append(f"cell {cell} = {full[cell[0]][cell[1]]} fixed by the equations")
    return found


tables = st.integers(1, 5).flatmap(lambda rows: st.integers(1, 5).flatmap(
    lambda cols: st.lists(st.lists(st.one_of(st.integers(0, 4), st.integers(0, 40)), min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(2, 12))
def test_no_published_cell_or_difference_under_k(counts: list[list[int]], k: int) -> None:
    g = grid(counts)
    hidden = suppress(g, k)
    assert check_protected(g, hidden, k) == []
    assert attacker(counts, hidden, k) == []


@settings(max_examples=100, deadline=None)
@given(tables, st.integers(2, 12))
def test_suppression_is_deterministic_and_hides_only_what_it_must_primary(counts: list[list[int]], k: int) -> None:
    g = grid(counts)
    hidden = suppress(g, k)
    assert hidden == suppress(g, k)
    assert {c for c in g.all_cells() if 0 < g.value(c) < k} <= hidden


def test_nothing_hidden_when_every_cell_is_large_or_zero() -> None:
    g = grid([[10, 0, 7], [5, 12, 0]])
    assert suppress(g, 5) == set()


def test_a_single_small_cell_takes_a_rectangle_with_it() -> None:
    # the 2 must hide; its row and column each need a second hidden cell, and those a fourth (a rectangle)
    g = grid([[2, 10, 20], [10, 10, 20], [30, 30, 30]])
    hidden = suppress(g, 5)
    assert (0, 0) in hidden and len([c for c in hidden if c[0] < 3 and c[1] < 3]) >= 4
    assert attacker([[2, 10, 20], [10, 10, 20], [30, 30, 30]], hidden, 5) == []


def test_small_total_hides_the_whole_line() -> None:
    counts = [[0, 3], [0, 0]]
    hidden = suppress(grid(counts), 5)
    assert {(0, 1), (0, 2), (2, 1), (2, 2)} <= hidden
    assert attacker(counts, hidden, 5) == []


def test_the_attacker_sees_a_lone_suppressed_cell() -> None:  # the test's own checker is not toothless
    assert attacker([[2, 10], [10, 10]], {(0, 0)}, 5)
    assert attacker([[2, 3], [10, 10]], {(0, 0), (0, 1)}, 5)  # 2 + 3 recoverable from the row total


def test_bad_grids_refused() -> None:
    with pytest.raises(ValueError):
        grid([[1, -1]])
    with pytest.raises(ValueError):
        grid([[1, 2], [3]])
