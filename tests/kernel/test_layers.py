"""The layers (issue #14 item 2): pyproject's contract and the manifests agree, a package missing from the contract
is held to the layer its manifest declares, every pure rules file is under the purity contract, and the checked-in
import graph matches the code (item 8)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Set
from functools import cache
from pathlib import Path
from typing import Any

import grimp
import pytest

from landbridge.kernel import modules
from landbridge.kernel.modules import Layer

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def contract_layers() -> list[tuple[list[str], bool]]:
    """The layers contract, top to bottom: (packages, independent) per layer."""
    layers = next(c for c in contracts() if c["type"] == "layers")["layers"]
    return [([n.strip().strip("()") for n in re.split(r"[|:]", layer)], ":" not in layer) for layer in layers]


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("landbridge")


def package_imports() -> dict[str, set[str]]:
    """Top-level package -> the top-level packages it imports, from the code."""
    edges: dict[str, set[str]] = {}
    for module in graph().modules:
        parts = module.split(".")
        if len(parts) < 2:
            continue
        for imported in graph().find_modules_directly_imported_by(module):
            target = imported.split(".")
            if len(target) > 1 and target[1] != parts[1]:
                edges.setdefault(parts[1], set()).add(target[1])
    return edges


def layer_violations(imports: Mapping[str, Set[str]], level: Mapping[str, int], independent: Mapping[int, bool],
                     checked: Set[str]) -> list[str]:
    """Imports of the ``checked`` packages that break the layers: to a higher layer, or to an independent peer."""
    wrong = []
    for importer, imported_set in imports.items():
        for imported in imported_set:
            if importer not in checked and imported not in checked:
                continue
            if importer not in level or imported not in level:
                continue
            a, b = level[importer], level[imported]
            if a > b or (a == b and independent[a]):
                wrong.append(f"{importer} -> {imported}")
    return sorted(wrong)


def test_the_contract_has_one_layer_per_member_of_the_layer_enum() -> None:
    assert len(contract_layers()) == len(Layer)


def test_every_manifest_declares_the_layer_the_contract_puts_its_package_in() -> None:
    where = {name: list(Layer)[index] for index, (names, _) in enumerate(contract_layers()) for name in names}
    for manifest in modules.manifests():
        if manifest.name in where:
            assert manifest.layer is where[manifest.name], manifest.module


def test_packages_missing_from_the_contract_keep_the_layer_their_manifest_declares() -> None:
    """A new package needs no edit of pyproject.toml: its manifest's layer is checked here against the code."""
    listed = {name for names, _ in contract_layers() for name in names}
    level = {name: index for index, (names, _) in enumerate(contract_layers()) for name in names}
    unlisted = {m.name for m in modules.manifests()} - listed
    level |= {m.name: list(Layer).index(m.layer) for m in modules.manifests() if m.name in unlisted}
    independent = {index: free for index, (_, free) in enumerate(contract_layers())}
    assert layer_violations(package_imports(), level, independent, unlisted) == []


def test_the_layer_check_catches_an_upward_import_and_a_peer_import() -> None:
    level = {"newdomain": 2, "exchange": 2, "registry": 4, "demo": 1}
    independent = {1: True, 2: True, 4: True}
    imports = {"newdomain": {"registry", "exchange"}, "registry": {"newdomain"}, "demo": {"newdomain"}}
    assert layer_violations(imports, level, independent, {"newdomain"}) == [
        "newdomain -> exchange", "registry -> newdomain"]


def test_every_package_and_top_level_module_is_placed() -> None:
    listed = {name for names, _ in contract_layers() for name in names}
    top = {m.split(".")[1] for m in graph().modules if m.count(".") >= 1}
    packages = {m.name for m in modules.manifests()}
    assert top - listed <= packages  # a module outside the contract must be a package with a manifest
    optional = {n.strip().strip("()") for layer in next(c for c in contracts() if c["type"] == "layers")["layers"]
                for n in re.split(r"[|:]", layer) if n.strip().startswith("(")}
    assert listed - optional <= top  # the contract names nothing that is gone (but a "(process)" not written yet)


def purity_sources() -> set[str]:
    contract = next(c for c in contracts() if c["name"] == "Pure rules import no database and no web framework")
    covered: set[str] = set()
    for expression in contract["source_modules"]:
        matched = graph().find_matching_modules(expression) if "*" in expression else {expression}
        covered |= matched | {d for m in matched for d in graph().find_descendants(m)}
    return covered


@pytest.mark.parametrize("pattern", [r"\.rules$", r"_rules$", r"\.merkle$", r"\.ratio\.study$"])
def test_every_pure_rules_file_is_under_the_purity_contract(pattern: str) -> None:
    named = {m for m in graph().modules if re.search(pattern, m)}
    assert named  # the pattern still finds something
    assert named - purity_sources() == set()


def test_the_checked_in_import_graph_matches_the_code() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py"), "--check"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
