"""The exchange's shape (issue #14 item 3): no import cycle among its modules, no function-local imports, no
private name imported across files, every file under 600 lines, and every method in the one method table."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from landbridge.exchange import lots
from landbridge.exchange.methods import METHODS, engine
from landbridge.exchange.rules import Method

PACKAGE = "landbridge.exchange"
ROOT = Path(lots.__file__).parent


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("landbridge", cache_dir=None)


def test_no_import_cycle_among_exchange_modules(graph: grimp.ImportGraph) -> None:
    """Every exchange module, function-local imports included (grimp reads them all), in no cycle."""
    modules = {m for m in graph.modules if m.startswith(PACKAGE + ".")}
    edges = {m: {x for x in graph.find_modules_directly_imported_by(m) if x in modules} for m in modules}
    assert "landbridge.exchange.methods.tender" in modules and edges["landbridge.exchange.methods.tender"]
    assert cycles(edges) == []


def _sources() -> list[tuple[str, ast.Module, Path]]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts)).removesuffix(".__init__")
        out.append((name, ast.parse(path.read_text(encoding="utf-8")), path))
    return out


def test_no_function_local_imports() -> None:
    """The platform's modules are imported at the top of each module, none inside a function to dodge a cycle
    (a heavy third-party library may still load lazily, e.g. WeasyPrint for a PDF)."""
    local = [f"{name}:{node.lineno}" for name, tree, _ in _sources() for fn in ast.walk(tree)
             if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
             for node in ast.walk(fn) if isinstance(node, ast.Import | ast.ImportFrom)
             and any(n.startswith("landbridge") for n in _imported(node))]
    assert local == []


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]


def test_no_private_name_imported_across_files() -> None:
    """No ``from x import _name`` and no ``module._name`` on an imported landbridge module."""
    found = []
    for name, tree, _ in _sources():
        modules: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("landbridge"):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(f"{name}: from {node.module} import {alias.name}")
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("landb"))
        found += [f"{name}:{node.lineno}: {node.value.id}.{node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in modules and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert found == []


def test_every_file_is_under_600_lines() -> None:
    long = {str(path.relative_to(ROOT)): n for _, _, path in _sources()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) >= 600}
    assert long == {}


def test_every_method_has_one_engine() -> None:
    """The method table names each method's module and deadlines; publication's first deadline comes from it."""
    assert set(METHODS) == set(Method)
    for method in Method:
        assert engine(method).module == f"{PACKAGE}.methods.{method.value}"
