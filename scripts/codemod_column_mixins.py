"""Re-runnable codemod (issue #14 item 6): replace hand-written common columns in model classes by the mixins of
``landbridge.kernel.columns``.

For every class in the given files (default: every ``*models*.py`` under src/landbridge), a one-line column
declaration whose text is exactly a mixin's declaration (spacing aside) is deleted and the mixin is added to the
class's bases, before ``Base``, in the order the columns stood. Declarations that differ in any way (another
length, no index, a comment on the line) are left alone. Running it twice changes nothing; run
``ruff check --fix`` afterwards to drop imports that became unused.

    .venv/bin/python scripts/codemod_column_mixins.py [FILE ...]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ROOT / "src" / "landbridge" / "kernel" / "columns.py"
IMPORT_FROM = "landbridge.kernel.columns"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def mixin_declarations() -> dict[str, str]:
    """Normalised column declaration -> mixin class name, read from kernel/columns.py (``sort_order`` ignored)."""
    src = COLUMNS.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for node in ast.parse(src).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign):
                text = ast.get_source_segment(src, stmt) or ""
                text = re.sub(r",\s*sort_order=-?\d+", "", text).replace("String(ACTOR_LENGTH)", "String(120)")
                found[_norm(text)] = node.name
    return found


def rewrite(path: Path, mixins: dict[str, str]) -> bool:
    """Apply the mixins to the classes of one file; True when the file changed."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    drop: set[int] = set()
    bases_edit: list[tuple[ast.ClassDef, list[str]]] = []
    for node in ast.parse(src).body:
        if not isinstance(node, ast.ClassDef) or not any(
            isinstance(b, ast.Name) and b.id == "Base" for b in node.bases
        ):
            continue
        taken: list[str] = []
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or stmt.lineno != stmt.end_lineno:
                continue
            line = lines[stmt.lineno - 1]
            if "#" in line:
                continue
            name = mixins.get(_norm(line))
            have = {b.id for b in node.bases if isinstance(b, ast.Name)}
            if name and name not in taken and name not in have:
                taken.append(name)
                drop.add(stmt.lineno - 1)
        if taken:
            bases_edit.append((node, taken))
    if not bases_edit:
        return False
    for node, taken in bases_edit:
        line_no = node.lineno - 1
        line = lines[line_no]
        head = f"class {node.name}("
        start = line.index(head) + len(head)
        close = line.index("):", start)
        bases = [b.strip() for b in line[start:close].split(",") if b.strip()]
        at = bases.index("Base")
        bases[at:at] = taken
        lines[line_no] = line[:start] + ", ".join(bases) + line[close:]
    out = [ln for i, ln in enumerate(lines) if i not in drop]
    used = sorted({n for _, taken in bases_edit for n in taken})
    text = "".join(out)
    text = _add_import(text, used)
    path.write_text(text, encoding="utf-8")
    return True


def _add_import(text: str, names: list[str]) -> str:
    pattern = re.compile(rf"^from {re.escape(IMPORT_FROM)} import ([^\n]+)\n", re.M)
    match = pattern.search(text)
    if match:
        merged = sorted(set(match.group(1).replace(" ", "").split(",")) | set(names))
        return text[: match.start()] + f"from {IMPORT_FROM} import {', '.join(merged)}\n" + text[match.end() :]
    anchor = re.search(r"^from landbridge\.db import [^\n]+\n", text, re.M)
    if anchor is None:
        raise SystemExit("no 'from landbridge.db import' line to put the mixin import after")
    line = f"from {IMPORT_FROM} import {', '.join(names)}\n"
    return text[: anchor.end()] + line + text[anchor.end() :]


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted((ROOT / "src" / "landbridge").rglob("*models*.py"))
    mixins = mixin_declarations()
    for path in files:
        if rewrite(path, mixins):
            print(f"rewrote {path.relative_to(ROOT) if path.is_absolute() else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
