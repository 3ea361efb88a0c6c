"""The catalogue of error codes (issue #14 item 5): every module's ``errors.py`` enum in one list, the
``docs/errors.md`` table generated from it, and the codes each API route can answer with.

``python -m landbridge.errorcodes`` prints ``docs/errors.md`` (``make errors-doc`` writes it; a test fails when
the checked-in file is stale).

Which codes a route can answer with is found by reading code, not by running it: the route's endpoint and its
dependencies are parsed, every error-code member they name (``AuthError.FORBIDDEN_ROLE``) or error built with a
literal code (``NotFound("registry.parcel_not_found", ...)``) is collected, and the landbridge functions they
name are read the same way, to a bounded depth. It is an over-approximation of the branches (a function that
can raise a code lists it even when the route never takes that path) and misses dispatch it cannot see (a
method on an object); it never lists a code no reachable code names.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

import landbridge
from landbridge.errors import CoreError, DomainError, ErrorCode

DEPTH = 8


def enums() -> list[type[ErrorCode]]:
    """Every error-code enum: ``landbridge.errors.CoreError`` and each package's ``<package>/errors.py``."""
    found: list[type[ErrorCode]] = [CoreError]
    for info in sorted(pkgutil.iter_modules(landbridge.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"landbridge.{info.name}.errors")
        except ModuleNotFoundError as exc:
            if exc.name != f"landbridge.{info.name}.errors":
                raise
            continue
        found += [v for v in vars(module).values()
                  if isinstance(v, type) and issubclass(v, ErrorCode) and v is not ErrorCode
                  and v.__module__ == module.__name__]
    return found


def members() -> Iterator[ErrorCode]:
    """Every member of every enum, in declaration order."""
    for enum in enums():
        yield from enum


def by_code() -> dict[str, list[ErrorCode]]:
    """The members of each code (more than one where the wording differs by situation)."""
    out: dict[str, list[ErrorCode]] = {}
    for m in members():
        out.setdefault(m.code, []).append(m)
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """``docs/errors.md``: one row per member, grouped by module."""
    lines = ["# Error codes", "",
             "Generated from the `ErrorCode` enums by `make errors-doc` (`python -m landbridge.errorcodes`); "
             "do not edit by hand.", "",
             "Every error answer is a JSON body `{\"code\", \"message\", \"message_en\", \"details\"?}`. The code "
             "and its HTTP status are stable; `{name}` in a message is filled from the error's details or its "
             "context. A code listed twice has wordings for different situations. The OpenAPI spec at "
             "`/api/v1/openapi.json` lists the codes each route can answer with (`x-error-codes`).", "",
             "To add a code: add a member `NAME = (HttpClass, \"module.code\", \"中文 {field}\", \"English {field}\")` "
             "to your package's `errors.py` (the enum `<Package>Error(ErrorCode)`), raise it as "
             "`raise <Package>Error.NAME.error({\"field\": value}, **details)`, and run `make errors-doc`. "
             "`scripts/codemods/error_enums.py <package>` converts free-string raise sites the same way.", ""]
    for enum in enums():
        lines += [f"## {enum.__module__} · `{enum.__name__}`", "", "| code | HTTP | member | zh-CN | English |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{m.code}` | {m.http_status} | `{m.name}` | {_cell(m.zh)} | {_cell(m.en)} |" for m in enum]
        lines.append("")
    return "\n".join(lines)


# --- which codes a route can answer with -------------------------------------------------------------------


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope)
        if base is None:
            return None
        if not isinstance(base, (ModuleType, type)):
            return None  # an object's attribute may be a property: reading it could run code
        try:
            return getattr(base, node.attr, None)
        except Exception:  # an attribute that refuses to be read: nothing to learn from it
            return None
    return None


def _scope(func: FunctionType) -> dict[str, Any]:
    scope = dict(func.__globals__)
    if func.__closure__:
        for name, cell in zip(func.__code__.co_freevars, func.__closure__, strict=True):
            try:
                scope[name] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
    return scope


@cache
def _functions_of(filename: str) -> dict[int, ast.AST]:
    """The function definitions of a source file by the first line of their code (decorators included)."""
    try:
        with open(filename, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError):
        return {}
    out: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            out.setdefault(first, node)
    return out


@cache
def _direct(func: FunctionType) -> tuple[frozenset[tuple[str, int]], tuple[FunctionType, ...]]:
    """The (code, status) pairs a function names itself, and the landbridge functions it names."""
    tree = _functions_of(func.__code__.co_filename).get(func.__code__.co_firstlineno)
    if tree is None:
        return frozenset(), ()
    scope = _scope(func)
    codes: set[tuple[str, int]] = set()
    calls: list[FunctionType] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            kind = _resolve(node.func, scope)
            if isinstance(kind, type) and issubclass(kind, DomainError):
                codes.add((node.args[0].value, kind.http_status))
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = _resolve(node, scope)
            if isinstance(value, ErrorCode):
                codes.add((value.code, value.http_status))
            elif isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            target = inspect.unwrap(value) if callable(value) else None
            if isinstance(target, FunctionType) and target is not func \
                    and target.__module__.startswith("landbridge."):
                calls.append(target)
    return frozenset(codes), tuple(dict.fromkeys(calls))


def codes_of(func: Callable[..., Any], depth: int = DEPTH) -> set[tuple[str, int]]:
    """The (code, HTTP status) pairs ``func`` and the landbridge functions it names can raise."""
    target = inspect.unwrap(func)
    if not isinstance(target, FunctionType):
        target = getattr(target, "__call__", None)  # noqa: B004 - a callable instance used as a dependency
        if not isinstance(target, FunctionType):
            return set()
    found: set[tuple[str, int]] = set()
    seen: set[FunctionType] = set()
    frontier = [target]
    for _ in range(depth):
        following: list[FunctionType] = []
        for f in frontier:
            if f in seen:
                continue
            seen.add(f)
            codes, calls = _direct(f)
            found |= codes
            following += calls
        frontier = following
    return found


def route_codes(endpoint: Callable[..., Any], dependencies: list[Callable[..., Any]]) -> list[tuple[str, int]]:
    """The codes a route can answer with: its endpoint's and its dependencies', sorted by status then code."""
    found: set[tuple[str, int]] = set()
    for func in [endpoint, *dependencies]:
        found |= codes_of(func)
    return sorted(found, key=lambda c: (c[1], c[0]))


if __name__ == "__main__":
    print(render_markdown())
