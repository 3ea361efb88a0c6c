"""Module manifests: what each package of ``landbridge`` contributes, found by scanning the package (issue #14 item 1).

Every sub-package of ``landbridge`` holds a ``manifest.py`` with ``MANIFEST = Manifest(...)``: its routers,
table modules, worker jobs, CLI groups, rule sets, template folder and layer, as import strings
(``"landbridge.planning.views:router"``). The application (``main.create_app``), the schema
(``schema.load_models``, read by Alembic's ``env.py``), the worker and the CLI read them; so a new package needs
edits in its own folder only (``docs/howto/add-a-module.md``).

A manifest is data: importing it imports nothing else, so discovery is cheap. Its strings are resolved when the
application, worker, CLI or schema is built; a string naming a module or attribute that does not exist stops that
start-up with a ``ManifestError`` naming the manifest and the string. Nothing is skipped silently.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, cast

ROOT_PACKAGE = "landbridge"


class Layer(StrEnum):
    """The layers of ``[tool.importlinter]``'s layers contract, top to bottom: a package imports only lower ones.

    The n-th member is the n-th layer of that contract (a test checks both agree, and checks a package missing from
    the contract against the layer its manifest declares).
    """

    entry = "entry"              # cli, main, worker, schema: wire the packages together (no package here)
    readers = "readers"          # cross-cutting readers of many domains: the demo world (and supervision)
    credit = "credit"            # credit file and grades: reads lending's outcomes, feeds the exchange's bar list
    process = "process"          # processes that drive several peer domains: market entry, quota, lending (ADR 0014)
    domain = "domain"            # peer domains, independent of each other: collective | exchange | valuation
    reference = "reference"      # domains other domains read: planning (zones valuation reads)
    registry = "registry"        # parcels, rights, parties: what every domain refers to
    auth = "auth"                # users, organisations, roles, sessions
    ledger = "ledger"            # the event log every module appends to
    toolkit = "toolkit"          # web: transactions per request, rendering, i18n, security, API docs
    privacy = "privacy"          # personal data: encryption at rest, record reads
    foundation = "foundation"    # cityprofile | db
    base = "base"                # config | kernel
    errors = "errors"            # the error types everything raises


@dataclass(frozen=True)
class Router:
    """A FastAPI router, ``"module:attribute"``, mounted in ascending ``order`` over all manifests.

    Route precedence follows mounting order (the first matching route wins), so every router has its own number.
    """

    target: str
    order: int


@dataclass(frozen=True)
class CliGroup:
    """A Typer app mounted as ``landbridge <name> …``, in ascending ``order`` after the built-in commands."""

    name: str
    target: str
    order: int


@dataclass(frozen=True)
class Fact:
    """A named fact a package answers for its peers (ADR 0016): ``name`` (``"owner.what"``) and the
    ``"module:function"`` that answers it. Exactly one package provides each fact; a consumer asks
    ``modules.fact(name)`` and never imports the provider (peers stay independent)."""

    name: str
    target: str


@dataclass(frozen=True)
class NavLink:
    """An entry of the navigation every page shows (issue #20 item 1): the path, its label in Chinese and English,
    its place (ascending ``order`` over all manifests) and who sees it. ``roles`` empty means everyone, anonymous
    visitors included, unless ``signed_in``; ``needs_party`` shows it only to a user linked to a registry party.
    Roles are the role names as strings, so the kernel stays below auth."""

    path: str
    label_zh: str
    label_en: str
    order: int
    roles: tuple[str, ...] = ()
    signed_in: bool = False
    needs_party: bool = False

    def visible_to(self, role: str | None, has_party: bool) -> bool:
        """Whether a user with ``role`` (None: anonymous) and, or without, a party sees this entry."""
        if self.needs_party and not has_party:
            return False
        if self.roles:
            return role in self.roles
        return role is not None or not self.signed_in


@dataclass(frozen=True)
class Manifest:
    """What one package contributes; import strings only, resolved when the app, worker, CLI or schema is built.

    ``order`` sorts manifests (table modules are imported, jobs run and templates are searched in that order);
    ``models`` are module names, ``jobs`` (every tick, in order) and ``long_jobs`` (a thread of their own) are
    ``"module:function"`` taking a session and returning the transitions fired; ``middleware`` are
    ``"module:Class"`` ASGI middleware added inside the security headers; ``rule_sets`` name the city profile's
    rule files the package reads; ``templates`` is a folder of the package holding Jinja2 templates; ``nav`` are
    its entries in the navigation; ``todos`` are ``"module:function"`` taking a session and the signed-in principal
    and returning that user's to-dos in the package (``kernel.hall.Todo``) for the service hall.
    """

    name: str
    layer: Layer
    order: int
    routers: tuple[Router, ...] = ()
    models: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    long_jobs: tuple[str, ...] = ()
    cli: tuple[CliGroup, ...] = ()
    middleware: tuple[str, ...] = ()
    rule_sets: tuple[str, ...] = ()
    templates: str | None = None
    facts: tuple[Fact, ...] = ()
    nav: tuple[NavLink, ...] = ()
    todos: tuple[str, ...] = ()
    search: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The manifest's own module, named in every error about it."""
        return f"{ROOT_PACKAGE}.{self.name}.manifest"


class ManifestError(RuntimeError):
    """A manifest is missing, malformed, or names a module or attribute that does not exist: start-up stops."""


def _package_paths() -> list[str]:
    root = importlib.import_module(ROOT_PACKAGE)
    return list(root.__path__)


@cache
def manifests() -> tuple[Manifest, ...]:
    """Every package's manifest, by ``order``; a package without one, or two with one order, is an error."""
    found: list[Manifest] = []
    for info in sorted(pkgutil.iter_modules(_package_paths()), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module_name = f"{ROOT_PACKAGE}.{info.name}.manifest"
        if importlib.util.find_spec(module_name) is None:
            raise ManifestError(f"package {ROOT_PACKAGE}.{info.name} has no manifest.py "
                                "(see docs/howto/add-a-module.md)")
        manifest = getattr(importlib.import_module(module_name), "MANIFEST", None)
        if not isinstance(manifest, Manifest):
            raise ManifestError(f"{module_name} defines no MANIFEST = Manifest(...)")
        if manifest.name != info.name:
            raise ManifestError(f"{module_name} declares name {manifest.name!r}, not its package's {info.name!r}")
        found.append(manifest)
    _unique("manifest order", ((m.order, m.module) for m in found))
    return tuple(sorted(found, key=lambda m: m.order))


def _unique(what: str, items: Iterable[tuple[object, str]]) -> None:
    seen: dict[object, str] = {}
    for key, owner in items:
        if key in seen:
            raise ManifestError(f"{what} {key!r} is declared twice: by {seen[key]} and by {owner}")
        seen[key] = owner


def import_declared(name: str, manifest: Manifest) -> Any:
    """Import the module ``name`` that ``manifest`` declares; a module that does not exist is a ManifestError."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise ManifestError(f"{manifest.module} names {name!r}, but there is no module {exc.name!r}") from exc
        raise  # a module that exists but fails to import is its own error


def resolve(target: str, manifest: Manifest) -> Any:
    """The object a ``"module:attribute"`` string of ``manifest`` names; loud when either part does not exist."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not attribute:
        raise ManifestError(f"{manifest.module} names {target!r}: expected 'module:attribute'")
    module = import_declared(module_name, manifest)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ManifestError(f"{manifest.module} names {target!r}, but {module_name} has no {attribute!r}") from None


def routers() -> list[tuple[Router, Manifest]]:
    """Every declared router with its manifest, in mounting order (unique orders, checked)."""
    declared = [(router, m) for m in manifests() for router in m.routers]
    _unique("router order", ((r.order, f"{m.module} ({r.target})") for r, m in declared))
    return sorted(declared, key=lambda pair: pair[0].order)


def cli_groups() -> list[tuple[CliGroup, Manifest]]:
    """Every declared CLI group with its manifest, in order (unique names and orders, checked)."""
    declared = [(group, m) for m in manifests() for group in m.cli]
    _unique("CLI group", ((g.name, m.module) for g, m in declared))
    _unique("CLI group order", ((g.order, f"{m.module} ({g.name})") for g, m in declared))
    return sorted(declared, key=lambda pair: pair[0].order)


def load_model_modules() -> None:
    """Import every declared table module, so that the declarative metadata is complete."""
    for manifest in manifests():
        for name in manifest.models:
            import_declared(name, manifest)


Job = Callable[..., int]


def jobs(*, long: bool) -> list[tuple[str, Job]]:
    """The worker's jobs as (name, function): deadline jobs (``long=False``) or long ones, in manifest order."""
    return [(name, resolve(name, m)) for m in manifests() for name in (m.long_jobs if long else m.jobs)]


@cache
def fact(name: str) -> Callable[..., Any]:
    """The function that answers the named fact (ADR 0016); none or two providers is a ManifestError."""
    declared = [(f, m) for m in manifests() for f in m.facts if f.name == name]
    _unique("fact", ((f.name, m.module) for f, m in declared))
    if not declared:
        raise ManifestError(f"no package provides the fact {name!r}")
    found, manifest = declared[0]
    answer = resolve(found.target, manifest)
    if not callable(answer):
        raise ManifestError(f"{manifest.module} names {found.target!r} for the fact {name!r}: not a function")
    return cast(Callable[..., Any], answer)


def facts() -> list[str]:
    """Every provided fact's name (unique, checked), resolved."""
    names = sorted({f.name for m in manifests() for f in m.facts})
    for name in names:
        fact(name)
    return names


@cache
def nav_links() -> tuple[NavLink, ...]:
    """Every declared navigation entry, in order (unique paths per audience and unique orders, checked)."""
    declared = [(link, m) for m in manifests() for link in m.nav]
    _unique("navigation order", ((link.order, f"{m.module} ({link.path})") for link, m in declared))
    return tuple(link for link, _ in sorted(declared, key=lambda pair: pair[0].order))


def todo_sources() -> list[tuple[str, Callable[..., Any]]]:
    """Every declared to-do source as (manifest name, function), in manifest order."""
    found = []
    for manifest in manifests():
        for target in manifest.todos:
            function = resolve(target, manifest)
            if not callable(function):
                raise ManifestError(f"{manifest.module} names {target!r} as a to-do source: not a function")
            found.append((manifest.name, function))
    return found


def search_sources() -> list[tuple[str, Callable[..., Any]]]:
    """Every declared search source as (manifest name, function), in manifest order."""
    found = []
    for manifest in manifests():
        for target in manifest.search:
            function = resolve(target, manifest)
            if not callable(function):
                raise ManifestError(f"{manifest.module} names {target!r} as a search source: not a function")
            found.append((manifest.name, function))
    return found


def middleware() -> list[Any]:
    """Every declared middleware class, in manifest order."""
    return [resolve(name, m) for m in manifests() for name in m.middleware]


def template_dirs() -> list[str]:
    """Every declared template folder, in manifest order; a declared folder that does not exist is an error."""
    dirs = []
    for manifest in manifests():
        if manifest.templates is None:
            continue
        package = importlib.import_module(f"{ROOT_PACKAGE}.{manifest.name}")
        found = [Path(p) / manifest.templates for p in package.__path__ if (Path(p) / manifest.templates).is_dir()]
        if not found:
            raise ManifestError(f"{manifest.module} names template folder {manifest.templates!r}, which does not "
                                "exist")
        dirs += [str(p) for p in found]
    return dirs


def check_all() -> None:
    """Resolve every string of every manifest (what start-up does piecemeal): one call finds any typo."""
    for router, manifest in routers():
        resolve(router.target, manifest)
    for group, manifest in cli_groups():
        resolve(group.target, manifest)
    load_model_modules()
    jobs(long=False)
    jobs(long=True)
    middleware()
    facts()
    template_dirs()
    nav_links()
    todo_sources()
