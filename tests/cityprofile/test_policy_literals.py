"""No policy number hides in code (issue #13 item 6, rules.md): a scan of ``src/`` for policy-looking literals.

Flagged: a ``timedelta`` of a literal number of days, hours, minutes or weeks; a ``Decimal`` of a literal other
than 0, 1, a hundredth or a hundred; a literal count times 3600 or 86400 (``8 * 3600``). Each hit must be on the
allow-list with the reason it is not policy; an allow-list entry that no longer matches fails too. The demo
world's generator is not scanned: its numbers are invented, and its rule sets hold the ones worth keeping.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "landbridge"
SKIPPED = ("demo/",)
TRIVIAL_DECIMALS = {"0", "1", "0.00", "0.01", "100", "1.00", "0.0", "1.0"}
SECONDS = {3600, 86400}

ALLOWED: dict[tuple[str, str], str] = {
    ("industry/rules.py", "Decimal('100000000000')"): "the bound on an amount typed into a funding line (input "
                                                      "validation, 1000 亿元), not policy",
    ("supervision/anomaly_sources.py", "Decimal('0.1')"): "precision of a percentage shown on a flag (1 place)",
    ("finder/search.py", "Decimal('1e12')"): "the bound on a number typed into the finder's form (input validation)",
    ("finder/saved.py", "timedelta(minutes=2)"): "how long the saved-search job waits for a lot's publication to "
                                                  "commit before its watermark passes it (technical, not policy)",
    ("valuation/map_layers.py", "Decimal('-0.10')"): "a class break of the map's year-on-year legend (cartography)",
    ("valuation/map_layers.py", "Decimal('-0.02')"): "a class break of the map's year-on-year legend (cartography)",
    ("valuation/map_layers.py", "Decimal('0.02')"): "a class break of the map's year-on-year legend (cartography)",
    ("valuation/map_layers.py", "Decimal('0.10')"): "a class break of the map's year-on-year legend (cartography)",
    ("valuation/map_layers.py", "Decimal('0.0001')"): "precision of a year-on-year change shown (4 places)",
    ("valuation/price_context.py", "Decimal('0.0001')"): "precision of a trend ratio shown (4 places)",
    ("auth/service.py", "hours * 3600"): "a token lifetime read from the rule auth.api_token_hours, in seconds",
    ("web/render.py", "365 * 24 * 3600"): "the language cookie lasts a year: a technical setting, not policy",
    ("collective/rules.py", "Decimal('0.0001')"): "storage precision of the value per share (4 places)",
    ("credit/rules.py", "Decimal('0.0001')"): "storage precision of the designation ratios (4 places)",
    ("exchange/tender_rules.py", "Decimal('0.0001')"): "storage precision of tender scores (4 places)",
    ("supervision/service.py", "Decimal('0.0001')"): "storage precision of an indicator value (4 places, its column)",
    ("exchange/tender_rules.py", "Decimal('NaN')"): "a marker for a missing score, not a number",
    ("planning/rules.py", "Decimal('0.0001')"): "storage precision of a plot ratio (4 places)",
    ("valuation/benchmark/service.py", "Decimal('365.2425')"): "days in a mean Gregorian year (a calendar constant)",
    ("valuation/benchmark/rules.py", "Decimal('30.436875')"): "days in a mean Gregorian month (a calendar constant)",
    ("valuation/benchmark/rules.py", "Decimal('0.0001')"): "Rounding's default; callers pass the profile's steps",
    ("valuation/benchmark/rules.py", "Decimal('0.1')"): "Rounding's default; callers pass the profile's steps",
    ("valuation/benchmark/comparison.py", "Decimal('0.0001')"):
        "precision of index ratios shown per adjustment (4 places)",
    ("valuation/sales/service.py", "Decimal('0.0001')"): "storage precision of the share quantum (4 places)",
    ("lending/rules.py", "Decimal('0.000001')"): "storage precision of an annual rate (Numeric(8, 6))",
    ("lending/views.py", "Decimal('0.0001')"): "precision of the non-performing ratio shown (4 places)",
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _literal_timedelta(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) == "timedelta" and any(
        kw.arg in ("days", "hours", "minutes", "weeks") and _number(kw.value)
        and getattr(kw.value, "value", 0) not in (0, 1) for kw in node.keywords)


def _literal_decimal(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and _name(node.func) == "Decimal" and node.args):
        return False
    arg = node.args[0]
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in TRIVIAL_DECIMALS


def _literal_seconds(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
        isinstance(side, ast.Constant) and side.value in SECONDS for side in (node.left, node.right))


def policy_literals(path: Path) -> list[str]:
    """The policy-looking literals of one file, as source text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [ast.unparse(node) for node in ast.walk(tree)
             if _literal_timedelta(node) or _literal_decimal(node) or _literal_seconds(node)]
    # 365 * 24 * 3600 nests: keep the outermost product only
    return [f for f in found if not any(f != g and f in g for g in found)]


def scan() -> set[tuple[str, str]]:
    hits: set[tuple[str, str]] = set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(SKIPPED):
            continue
        hits |= {(rel, literal) for literal in policy_literals(path)}
    return hits


def test_no_policy_literal_outside_the_allow_list() -> None:
    hits = scan()
    unexplained = sorted(hits - set(ALLOWED))
    assert not unexplained, "policy-looking literals in code: move them to the city profile's rules " \
                            f"(or explain them on the allow-list): {unexplained}"
    stale = sorted(set(ALLOWED) - hits)
    assert not stale, f"allow-list entries that no longer match: {stale}"


def test_the_scan_finds_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import timedelta\nfrom decimal import Decimal\n"
                      "LAPSE = timedelta(days=15)\nRATE = Decimal('0.30')\nAGE = 8 * 3600\nOK = timedelta(days=1)\n",
                      encoding="utf-8")
    assert sorted(policy_literals(sample)) == ["8 * 3600", "Decimal('0.30')", "timedelta(days=15)"]
