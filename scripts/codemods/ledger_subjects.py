"""Codemod: ledger subjects written as f-strings become calls to ``landbridge.ledger.subjects`` (issue #14 item 7).

    python scripts/codemods/ledger_subjects.py [--check] [PATH ...]      (default PATH: src)

Rewrites, in place:
- ``subject=f"KIND:{expr}"`` → ``subject=subjects.FN(expr)`` for every kind that ``ledger.subjects`` builds
  (legacy spellings included: ``f"exchange.lot:{x}"`` → ``subjects.lot(x)``);
- ``subject="layers"`` → ``subject=subjects.LAYERS``;
- any other f-string that is exactly a legacy dotted subject (``f"collective.motion:{m.id}"``) → the call;
and adds ``from landbridge.ledger import subjects`` where a rewritten file lacks it (then sorts that file's
imports with ruff when ruff is on PATH or in .venv). Re-runnable and idempotent: a converted file has nothing
left to match. ``--check`` changes nothing and exits 1 when something would change (for CI and merges).
Subjects that are not a plain ``kind:{expr}`` (computed ones, several subjects, extra ``also=``) are done by hand.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from landbridge.ledger import subjects  # noqa: E402  (the source tree, not an installed copy)

IMPORT = "from landbridge.ledger import subjects"
KIND = r"[a-z_]+(?:\.[a-z_]+)?"
EXPR = r"[A-Za-z_][A-Za-z0-9_\.\[\]'\"]*"  # a name, attribute or subscript: what the plain cases hold
KEYWORD = re.compile(r"subject=f(?P<q>[\"'])(?P<kind>" + KIND + r"):\{(?P<expr>" + EXPR + r")\}(?P=q)")
LAYERS = re.compile(r"subject=(?P<q>[\"'])layers(?P=q)")
LEGACY = re.compile(r"(?<![\w=])f(?P<q>[\"'])(?P<kind>" + "|".join(re.escape(k) for k in subjects.LEGACY_KINDS)
                    + r"):\{(?P<expr>" + EXPR + r")\}(?P=q)")
LINE_LIMIT = 120  # pyproject's ruff line-length
SKIP_DIRS = ("landbridge/ledger/",)  # the ledger itself defines the shape; its docstrings show legacy examples


def _function(kind: str) -> str | None:
    name = subjects.canonical(f"{kind}:0").split(":", 1)[0]
    return name if callable(getattr(subjects, name, None)) and name != "subject" else None


def rewrite(text: str) -> str:
    """The source with every plain subject f-string turned into a ``subjects`` call (unchanged if none)."""

    def call(match: re.Match[str], prefix: str) -> str:
        fn = _function(match["kind"])
        return match[0] if fn is None else f"{prefix}subjects.{fn}({match['expr']})"

    out = KEYWORD.sub(lambda m: call(m, "subject="), text)
    out = LAYERS.sub("subject=subjects.LAYERS", out)
    out = LEGACY.sub(lambda m: call(m, ""), out)
    out = "".join(_wrap(line) for line in out.splitlines(keepends=True))
    if out != text and not re.search(r"^from landbridge\.ledger import (\(|.*\bsubjects\b)", out, re.M) \
            and not re.search(r"^\s+subjects,$", out, re.M):
        out = _add_import(out)
    return out


def _wrap(line: str) -> str:
    """A line the rewrite made longer than the limit, broken before its ``subject=`` under the open parenthesis."""
    at = line.find("subject=subjects.")
    if len(line.rstrip("\n")) <= LINE_LIMIT or at <= 0 or not line[:at].rstrip().endswith(","):
        return line
    depth, column = 0, None
    for i in range(at - 1, -1, -1):
        if line[i] == ")":
            depth += 1
        elif line[i] == "(":
            if depth == 0:
                column = i + 1
                break
            depth -= 1
    if column is None:
        return line
    return line[:at].rstrip() + "\n" + " " * column + line[at:]


def _add_import(text: str) -> str:
    lines = text.splitlines(keepends=True)
    anchor = next((i for i, line in enumerate(lines) if line.startswith("from landbridge")), None)
    if anchor is None:
        anchor = max((i for i, line in enumerate(lines) if line.startswith(("import ", "from "))), default=0)
    lines.insert(anchor, IMPORT + "\n")
    return "".join(lines)


def _ruff() -> str | None:
    venv = ROOT / ".venv" / "bin" / "ruff"
    return str(venv) if venv.exists() else shutil.which("ruff")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "src"])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if something would change")
    args = parser.parse_args(argv)
    files = sorted({f for p in args.paths for f in ([p] if p.is_file() else p.rglob("*.py"))})
    changed = [f for f in files if not any(d in f.as_posix() for d in SKIP_DIRS)
               and rewrite(f.read_text(encoding="utf-8")) != f.read_text(encoding="utf-8")]
    for f in changed:
        print(f"{'would rewrite' if args.check else 'rewrote'} {f}")
        if not args.check:
            f.write_text(rewrite(f.read_text(encoding="utf-8")), encoding="utf-8")
    ruff = _ruff()
    if changed and not args.check and ruff is not None:
        subprocess.run([ruff, "check", "--fix", "--select", "I,F401", "--quiet", *map(str, changed)], check=False)  # noqa: S603  (our ruff, our files)
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
