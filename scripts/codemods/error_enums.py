"""Codemod (issue #14 item 5): turn free-string error raise sites into members of per-module error-code enums.

    python scripts/codemods/error_enums.py auth collective main.py     # packages or top-level modules of src/landbridge
    python scripts/codemods/error_enums.py --check exchange            # list what would change, change nothing

For every ``NotFound("code", zh, en, **details)`` (any DomainError HTTP class imported from ``landbridge.errors``)
whose code is a string literal and whose messages are literals or f-strings, it

* finds or appends the member ``(Class, "code", "zh template", "en template")`` in the enum of the package the
  code's prefix names (``auth.*`` -> ``landbridge/auth/errors.py: AuthError``; ``request.*`` and
  ``internal_error`` -> ``landbridge/errors.py: CoreError``), f-string fields becoming ``{placeholders}``;
* rewrites the call as ``AuthError.MEMBER.error({"field": value}, **details)``: the keyword details stay as they
  were (the JSON body is unchanged), placeholders that are not already a detail go in the leading mapping;
* adds the enum's import and drops HTTP class imports no longer used (then runs ``ruff --fix --select I,F401``).

It is idempotent: a converted site no longer matches and an existing member is reused (same class, code and
templates), so it can be re-run after others restructure a package. Sites it cannot convert (a computed code,
a message built outside the call) are listed for hand-finishing; it never guesses.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HTTP_CLASSES = {"DomainError", "NotFound", "Forbidden", "Unauthorized", "Conflict", "RuleViolation",
                "TooManyRequests", "InternalError", "PayloadTooLarge", "MethodNotAllowed"}
LINE = 120
# helpers that build an error from (code, zh, en) at an argument position: name -> (position, HTTP class).
# The helper itself is changed by hand to take the member (and ``fmt=`` for message-only values) instead.
WRAPPERS = {"need_text": (1, "RuleViolation"), "_bad": (1, "RuleViolation"), "_invalid": (1, "RuleViolation")}
# code prefix -> package whose errors.py declares it, where it is not the package of the same name
PREFIX_PACKAGE = {"request": "", "internal_error": "", "rules": "cityprofile"}
ENUM_NAMES = {"": "CoreError", "cityprofile": "CityProfileError"}


def enum_name(package: str) -> str:
    return ENUM_NAMES.get(package) or "".join(p.title() for p in package.split("_")) + "Error"


def owner_of(code: str) -> str:
    prefix = code.split(".", 1)[0]
    return PREFIX_PACKAGE.get(prefix, prefix)


def errors_path(src: Path, package: str) -> Path:
    return src / "landbridge" / (f"{package}/errors.py" if package else "errors.py")


def import_line(package: str) -> str:
    module = f"landbridge.{package}.errors" if package else "landbridge.errors"
    return f"from {module} import {enum_name(package)}"


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def width(text: str) -> int:
    """Columns as ruff counts them (wide CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def q_lines(text: str, indent: int, room: int) -> list[str]:
    """A string literal as one or more implicitly joined literals, each fitting in ``room`` columns."""
    pieces, current = [], ""
    for ch in text:
        if current and width(q(current + ch)) > room:
            pieces.append(current)
            current = ""
        current += ch
    pieces.append(current)
    return [q(p) for p in pieces]


@dataclass
class Member:
    name: str
    kind: str
    code: str
    zh: str
    en: str


@dataclass
class Table:
    """One package's enum: the members read from its errors.py and those this run adds."""

    package: str
    path: Path
    members: list[Member] = field(default_factory=list)
    added: list[Member] = field(default_factory=list)

    @classmethod
    def load(cls, src: Path, package: str) -> Table:
        path = errors_path(src, package)
        table = cls(package, path)
        if path.exists():
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and node.name == enum_name(package):
                    for stmt in node.body:
                        if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Tuple)
                                and len(stmt.value.elts) == 4 and isinstance(stmt.targets[0], ast.Name)):
                            kind, *texts = stmt.value.elts
                            values = [t.value for t in texts if isinstance(t, ast.Constant)]
                            if isinstance(kind, ast.Name) and len(values) == 3:
                                table.members.append(Member(stmt.targets[0].id, kind.id, *values))
        return table

    def member(self, kind: str, code: str, zh: str, en: str) -> Member:
        for m in self.members:
            if (m.kind, m.code, m.zh, m.en) == (kind, code, zh, en):
                return m
        base = re.sub(r"\W+", "_", code.split(".", 1)[1] if "." in code and self.package else code).upper()
        taken = {m.name for m in self.members}
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        found = Member(name, kind, code, zh, en)
        self.members.append(found)
        self.added.append(found)
        return found

    def write(self) -> None:
        if not self.added:
            return
        if self.path.exists():
            text = self.path.read_text().rstrip("\n") + "\n"
        else:
            text = (f'"""The error codes of ``landbridge.{self.package}`` with their zh-CN and English messages '
                    '(issue #14 item 5)."""\n\nfrom __future__ import annotations\n\n'
                    "from landbridge.errors import ErrorCode\n\n\n"
                    f"class {enum_name(self.package)}(ErrorCode):\n"
                    f'    """Every answer ``landbridge.{self.package}`` refuses a request with."""\n')
        kinds = {m.kind for m in self.added}
        imported = re.search(r"^from landbridge\.errors import (.+)$", text, re.M)
        if imported:
            have = {n.strip() for n in imported.group(1).split(",")}
            if not kinds <= have:
                line = "from landbridge.errors import " + ", ".join(sorted(have | kinds))
                text = text[:imported.start()] + line + text[imported.end():]
        for m in self.added:
            text += "\n" + member_source(m)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text)


def member_source(m: Member) -> str:
    head = f"    {m.name} = ("
    one = f"{head}{m.kind}, {q(m.code)}, {q(m.zh)}, {q(m.en)})"
    if width(one) <= LINE:
        return one + "\n"
    pad = " " * len(head)
    two = f"{head}{m.kind}, {q(m.code)}, {q(m.zh)},\n{pad}{q(m.en)})"
    if all(width(line) <= LINE for line in two.splitlines()):
        return two + "\n"
    room = LINE - len(pad) - 2
    lines = [f"{head}{m.kind}, {q(m.code)},"]
    for text, end in ((m.zh, ","), (m.en, ")")):
        parts = q_lines(text, len(pad), room)
        lines += [pad + p for p in parts[:-1]] + [pad + parts[-1] + end]
    return "\n".join(lines) + "\n"


class Unconvertible(Exception):
    pass


def placeholder(expr: ast.expr, fmt: dict[str, str], details: dict[str, str]) -> str:
    """The format field for an f-string expression; records the value it needs in ``fmt``."""
    node, path = expr, ""
    while True:
        if isinstance(node, ast.Attribute):
            path, node = f".{node.attr}{path}", node.value
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
              and isinstance(node.slice.value, int)):
            path, node = f"[{node.slice.value}]{path}", node.value
        else:
            break
    if isinstance(node, ast.Name):
        name, value = node.id, node.id
    else:
        path, value = "", ast.unparse(expr)
        name = re.sub(r"\W+", "_", value).strip("_").lower() or "value"
        while name in details and details[name] != value:
            name += "_"
    if details.get(name) != value:
        if name in fmt and fmt[name] != value:
            raise Unconvertible(f"field {name} stands for two values")
        fmt[name] = value
    return name + path


def template(node: ast.expr, fmt: dict[str, str], details: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(part, ast.FormattedValue):
                text = placeholder(part.value, fmt, details)
                if part.conversion != -1:
                    text += "!" + chr(part.conversion)
                if part.format_spec is not None:
                    spec = part.format_spec
                    if not (isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values)):
                        raise Unconvertible("a computed format spec")
                    text += ":" + "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
                out.append("{" + text + "}")
        return "".join(out)
    raise Unconvertible("a message that is not a literal or an f-string")


@dataclass
class Site:
    call: ast.Call
    kind: str
    replacement: str
    package: str


def segment(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node)
    assert text is not None
    return text


def convert_wrapped(source: str, call: ast.Call, pos: int, kind: str, tables: dict[str, Table], src: Path) -> Site:
    """A helper's call: its (code, zh, en) arguments become the member (and ``fmt=`` when a message has fields)."""
    if len(call.args) < pos + 3 or any(isinstance(a, ast.Starred) for a in call.args):
        raise Unconvertible("a helper called without (code, zh, en)")
    inner = ast.Call(func=call.func, args=call.args[pos:pos + 3], keywords=[])
    site = convert_call(source, inner, kind, tables, src, details_from=call)
    member, _, rest = site.replacement.removesuffix(")").partition(".error(")
    args = [segment(source, a) for a in call.args[:pos]] + [member.strip()]
    if rest:
        args.append(f"fmt={rest}")
    args += [segment(source, a) for a in call.args[pos + 3:]]
    args += [f"{k.arg}={segment(source, k.value)}" if k.arg else f"**{segment(source, k.value)}" for k in call.keywords]
    return Site(call, kind, f"{segment(source, call.func)}(" + ", ".join(args) + ")", site.package)


def convert_call(source: str, call: ast.Call, kind: str, tables: dict[str, Table], src: Path,
                 details_from: ast.Call | None = None) -> Site:
    if len(call.args) != 3 or any(isinstance(a, ast.Starred) for a in call.args):
        raise Unconvertible("not (code, zh, en, **details)")
    code_node = call.args[0]
    if not (isinstance(code_node, ast.Constant) and isinstance(code_node.value, str)):
        raise Unconvertible("a computed code")
    code = code_node.value
    details = {k.arg: segment(source, k.value) for k in (details_from or call).keywords if k.arg is not None}
    fmt: dict[str, str] = {}
    zh = template(call.args[1], fmt, details)
    en = template(call.args[2], fmt, details)
    package = owner_of(code)
    if package not in tables:
        tables[package] = Table.load(src, package)
    member = tables[package].member(kind, code, zh, en)
    args = []
    if fmt:
        args.append("{" + ", ".join(f"{q(k)}: {v}" for k, v in fmt.items()) + "}")
    for k in call.keywords:
        args.append(f"{k.arg}={segment(source, k.value)}" if k.arg else f"**{segment(source, k.value)}")
    head = f"{enum_name(package)}.{member.name}.error("
    return Site(call, kind, head + ", ".join(args) + ")", package)


def wrap(first_prefix: str, text: str, tail: str = "") -> str:
    """Break a rewritten call over lines (arguments aligned under the open bracket) when it is too long."""
    if width(first_prefix) + width(text) + width(tail) <= LINE or "(" not in text:
        return text
    head, _, rest = text.partition("(")
    args, depth, current = [], 0, ""
    for ch in rest[:-1]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        args.append(current.strip())
    pad = " " * (width(first_prefix) + len(head) + 1)
    lines, line = [], head + "("
    for i, arg in enumerate(args):
        piece = arg + ("," if i < len(args) - 1 else ")")
        start = width(first_prefix) if not lines else 0
        if line.strip() != head + "(" and start + width(line) + 1 + width(piece) > LINE:
            lines.append(line.rstrip())
            line = pad + piece
        else:
            line += ("" if line.endswith("(") else " ") + piece
    lines.append(line)
    if all(width(x) + (width(first_prefix) if i == 0 else 0) + (width(tail) if i == len(lines) - 1 else 0) <= LINE
           for i, x in enumerate(lines)):
        return "\n".join(lines)
    # hanging layout: one argument a line, indented four past the statement
    indent = " " * (len(first_prefix) - len(first_prefix.lstrip()) + 4)
    return head + "(\n" + ",\n".join(indent + arg for arg in args) + ")"


def error_imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "landbridge.errors":
            names |= {a.asname or a.name for a in node.names if a.name in HTTP_CLASSES}
    return names


def narrowed_returns(tree: ast.Module, sites: list[Site]) -> list[ast.Name]:
    """Return annotations naming one HTTP class (``-> Conflict``, ``-> RuleViolation | None``) of functions that
    return a converted site: a member's ``.error()`` is typed ``DomainError``, so they widen to it."""
    calls = {id(s.call) for s in sites}
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or func.returns is None:
            continue
        ann = func.returns
        name = ann.left if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr) else ann
        if not (isinstance(name, ast.Name) and name.id in HTTP_CLASSES and name.id != "DomainError"):
            continue
        if any(isinstance(n, ast.Return) and id(n.value) in calls for n in ast.walk(func)):
            found.append(name)
    return found


def convert_file(path: Path, tables: dict[str, Table], src: Path, problems: list[str]) -> bool:
    source = path.read_text()
    tree = ast.parse(source)
    classes = error_imports(tree)
    if path == errors_path(src, ""):
        return False
    sites: list[Site] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes:
            try:
                sites.append(convert_call(source, node, node.func.id, tables, src))
            except Unconvertible as why:
                problems.append(f"{path}:{node.lineno}: {why}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WRAPPERS
              and len(node.args) > WRAPPERS[node.func.id][0]
              and isinstance(node.args[WRAPPERS[node.func.id][0]], ast.Constant)):
            try:
                sites.append(convert_wrapped(source, node, *WRAPPERS[node.func.id], tables, src))
            except Unconvertible as why:
                problems.append(f"{path}:{node.lineno}: {why}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and re.fullmatch(r"[a-z_]+\.[a-z_]+", node.args[0].value)):
            problems.append(f"{path}:{node.lineno}: an exception class's own constructor (hand-finish)")
    if not sites:
        return False
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode()))
    data = source.encode()
    edits: list[tuple[ast.AST, str, bool]] = [(s.call, s.replacement, True) for s in sites]
    edits += [(node, "DomainError", False) for node in narrowed_returns(tree, sites)]
    for node, replacement, wrapped in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[operator]
        prefix = data[offsets[node.lineno - 1]:start].decode()
        tail = data[end:offsets[node.end_lineno]].decode().rstrip("\n")  # type: ignore[index]
        text = wrap(prefix, replacement, tail) if wrapped else replacement
        data = data[:start] + text.encode() + data[end:]
    text = data.decode()
    needed_lines = {import_line(s.package) for s in sites}
    if len(edits) > len(sites):
        needed_lines.add("from landbridge.errors import DomainError")
    needed = sorted(needed_lines - set(text.splitlines()))
    if needed:
        tree2 = ast.parse(text)
        anchor = max((n.end_lineno or n.lineno) for n in tree2.body if isinstance(n, (ast.Import, ast.ImportFrom)))
        out = text.splitlines(keepends=True)
        text = "".join(out[:anchor] + [line + "\n" for line in needed] + out[anchor:])
    path.write_text(text)
    return True


def path_package(path: Path, src: Path) -> str:
    parts = path.relative_to(src / "landbridge").parts
    return parts[0] if len(parts) > 1 else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="packages (auth) or top-level modules (main.py) of landbridge")
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[2] / "src")
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if anything would change")
    parser.add_argument("--no-ruff", action="store_true", help="do not run ruff --fix on the changed files")
    ns = parser.parse_args(argv)
    src: Path = ns.src
    tables: dict[str, Table] = {}
    problems: list[str] = []
    changed: list[Path] = []
    for target in ns.targets:
        root = src / "landbridge" / target
        files = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
        for path in files:
            if ns.check:
                before = path.read_text()
                if convert_file(path, tables, src, problems):
                    changed.append(path)
                    path.write_text(before)
            elif convert_file(path, tables, src, problems):
                changed.append(path)
    if not ns.check:
        for table in tables.values():
            if table.added:
                table.write()
                changed.append(table.path)
        if changed and not ns.no_ruff:
            ruff = Path(sys.executable).parent / "ruff"
            subprocess.run([str(ruff) if ruff.exists() else "ruff", "check", "--fix", "--quiet",  # noqa: S603 - ruff from this venv on our own files
                            "--select", "I,F401", *map(str, changed)], check=False, cwd=src.parent)
    for path in changed:
        print(f"{'would change' if ns.check else 'changed'}: {path}")
    for table in tables.values():
        for m in table.added:
            print(f"{'would add' if ns.check else 'added'}: {enum_name(table.package)}.{m.name} {m.code}")
    for problem in problems:
        print(f"hand-finish: {problem}")
    return 1 if ns.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
