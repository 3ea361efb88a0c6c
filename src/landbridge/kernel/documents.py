"""Printed documents, one way for every module: HTML to an A4 PDF (WeasyPrint, CJK fonts from the system) and the
digest that fixes a document's content when it is issued (certificates, award documents, loan contracts, reports).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape


def print_templates(directory: Path) -> Environment:
    """The Jinja environment of a module's print templates (HTML autoescaped, blocks trimmed)."""
    return Environment(loader=FileSystemLoader(str(directory)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def html_to_pdf(html: str, base_url: Path | str) -> bytes:
    """Render print HTML (its CSS sets the A4 page) to PDF bytes; ``base_url`` resolves the template's assets.
    The same HTML gives the same bytes, so a stored PDF digest can be checked by rendering again."""
    from weasyprint import HTML  # imported lazily: loading WeasyPrint takes a while

    pdf = HTML(string=html, base_url=str(base_url)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def content_digest(content: Mapping[str, Any]) -> str:
    """The SHA-256 of a document's content in canonical JSON (sorted keys, no spaces, UTF-8), hex."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
