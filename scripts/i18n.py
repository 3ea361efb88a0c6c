"""``make i18n`` (issue #14 item 6): one i18n mechanism, Babel catalogues read by the pages' ``_()``.

Extract every ``_()`` / ``gettext`` / ``ngettext`` / ``N_`` message from src/ (Python with Babel's extractor, Jinja2
templates with Jinja2's) into one ``messages.pot`` per catalogue, add the messages no catalogue of their chain
translates yet to the catalogues (empty, for a translator to fill), and compile every catalogue to ``.mo``.

Catalogues: a package with its own ``locale/`` (collective, exchange, …) translates its own files first and falls
back on the platform catalogue (web/locale), exactly as ``web.i18n.layered_translator`` reads them at run time;
every other package's messages go to the platform catalogue. English is the source language: a message id must be
English, or be translated in the package's ``en`` catalogue.

Existing entries are never rewritten or dropped (label tables are translated by value at run time, so not every id
is found by extraction); new entries are appended at the end of the catalogue. The ``.pot`` and ``.mo`` files are
build outputs (git ignores them); the ``.po`` files are the source.

    .venv/bin/python scripts/i18n.py            # extract, update, compile (make i18n)
    .venv/bin/python scripts/i18n.py --check    # exit 1 listing messages without both languages
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import escape, read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "landbridge"
PLATFORM = "web"
LOCALES = ("zh_CN", "en")
KEYWORDS: dict[str, object] = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass
class Message:
    """One message id with where it is used."""

    msgid: str
    locations: list[tuple[str, int]] = field(default_factory=list)


def source_files(root: Path = SRC) -> Iterator[tuple[Path, str]]:
    """Every Python file and template under ``root`` with its extraction method."""
    for path in sorted(root.rglob("*")):
        if path.suffix == ".py" and path.is_file():
            yield path, "python"
        elif path.suffix == ".html" and "templates" in path.parts and path.is_file():
            yield path, "jinja2"


def package_of(path: Path, root: Path = SRC) -> str:
    """The top-level package a file belongs to (``collective`` for collective/templates/collective/desk.html)."""
    return path.relative_to(root).parts[0]


def has_catalogue(package: str, root: Path = SRC) -> bool:
    return (root / package / "locale").is_dir()


def catalogue_of(package: str, root: Path = SRC) -> str:
    """The catalogue a package's new messages go to: its own, else the platform's."""
    return package if has_catalogue(package, root) else PLATFORM


def extract(root: Path = SRC) -> dict[str, dict[str, Message]]:
    """Package -> message id -> message, for every message used in Python and templates under ``root``."""
    found: dict[str, dict[str, Message]] = {}
    for path, method in source_files(root):
        options = JINJA_OPTIONS if method == "jinja2" else {}
        rel = path.relative_to(root.parent).as_posix()
        for lineno, msg, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                 options=options):
            for msgid in msg if isinstance(msg, tuple) else (msg,):
                if msgid:
                    entry = found.setdefault(package_of(path, root), {}).setdefault(msgid, Message(msgid))
                    entry.locations.append((rel, lineno))
    return found


def po_path(catalogue: str, locale: str, root: Path = SRC) -> Path:
    return root / catalogue / "locale" / locale / "LC_MESSAGES" / "messages.po"


def read_catalogue(catalogue: str, locale: str, root: Path = SRC) -> dict[str, str]:
    """Message id -> translation of a catalogue (only entries with a translation)."""
    path = po_path(catalogue, locale, root)
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh, locale=locale) if m.id and m.string}


def chain(package: str, locale: str, root: Path = SRC) -> dict[str, str]:
    """What translates a package's messages at run time: its own catalogue over the platform's."""
    out = dict(read_catalogue(PLATFORM, locale, root))
    if has_catalogue(package, root):
        out.update(read_catalogue(package, locale, root))
    return out


def problems(root: Path = SRC) -> list[str]:
    """Every message without both languages, and every translation whose ``{placeholders}`` differ from its id."""
    out: list[str] = []
    for po in sorted(root.glob("*/locale/*/LC_MESSAGES/messages.po")):
        # an id may appear once per message context (msgctxt): valuation words "Use" one way per page
        keys = re.findall(r'^(?:msgctxt (".*")\n)?msgid (".*")$', po.read_text(encoding="utf-8"), flags=re.M)
        twice = sorted({i for c, i in keys if keys.count((c, i)) > 1 and i != '""'})
        out += [f"{po.relative_to(root.parent).as_posix()}: message id given twice: {i}" for i in twice]
    for package, messages in sorted(extract(root).items()):
        zh = chain(package, "zh_CN", root)
        en = chain(package, "en", root)
        for msgid, message in sorted(messages.items()):
            where = f"{message.locations[0][0]}:{message.locations[0][1]}"
            if not zh.get(msgid):
                out.append(f"{where}: no zh_CN translation of {msgid!r}")
            elif set(PLACEHOLDER.findall(zh[msgid])) != set(PLACEHOLDER.findall(msgid)):
                out.append(f"{where}: zh_CN translation of {msgid!r} has other placeholders: {zh[msgid]!r}")
            if CJK.search(msgid) and not en.get(msgid):
                out.append(f"{where}: message id is not English and has no en translation: {msgid!r}")
    return out


def write_pot(catalogue: str, messages: dict[str, Message], root: Path = SRC) -> Path:
    """The template of one catalogue: every message its packages use, with where."""
    pot = Catalog(project="LandBridge", creation_date=datetime.now(UTC), fuzzy=False)
    for message in sorted(messages.values(), key=lambda m: m.msgid):
        pot.add(message.msgid, locations=sorted(set(message.locations)))
    path = root / catalogue / "locale" / "messages.pot"
    buf = io.BytesIO()
    write_po(buf, pot, width=0, sort_output=True)
    path.write_bytes(buf.getvalue())
    return path


def append_missing(catalogue: str, locale: str, messages: list[Message], root: Path = SRC) -> int:
    """Append the messages a catalogue lacks (empty translation) at its end; existing entries stay as they are."""
    path = po_path(catalogue, locale, root)
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        known = {str(m.id) for m in read_po(fh, locale=locale) if m.id}
    new = [m for m in messages if m.msgid not in known]
    if not new:
        return 0
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    for message in new:
        where = " ".join(f"{p}:{n}" for p, n in sorted(set(message.locations))[:3])
        text += f"\n#: {where}\nmsgid {escape(message.msgid)}\nmsgstr \"\"\n"
    path.write_text(text, encoding="utf-8")
    return len(new)


def compile_catalogues(root: Path = SRC) -> list[Path]:
    """Compile every ``.po`` under ``root`` to the ``.mo`` beside it."""
    out = []
    for po in sorted(root.glob("*/locale/*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
        out.append(po.with_suffix(".mo"))
    return out


def run(root: Path = SRC) -> dict[str, int]:
    """Extract, update and compile; the number of messages added to each catalogue."""
    found = extract(root)
    by_catalogue: dict[str, dict[str, Message]] = {}
    for package, messages in found.items():
        for msgid, message in messages.items():
            entry = by_catalogue.setdefault(catalogue_of(package, root), {}).setdefault(msgid, Message(msgid))
            entry.locations += message.locations
    for catalogue, messages in by_catalogue.items():
        write_pot(catalogue, messages, root)
    added: dict[str, int] = {}
    for package, messages in sorted(found.items()):
        zh = chain(package, "zh_CN", root)
        missing = [m for msgid, m in sorted(messages.items()) if not zh.get(msgid)]
        target = catalogue_of(package, root)
        added[target] = added.get(target, 0) + append_missing(target, "zh_CN", missing, root)
    compile_catalogues(root)
    return added


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = problems()
        print("\n".join(found) if found else "every message has both languages")
        return 1 if found else 0
    added = run()
    for catalogue, n in sorted(added.items()):
        print(f"{catalogue}: {n} new message(s) to translate")
    found = problems()
    if found:
        print("\n".join(found))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main(sys.argv[1:]))
