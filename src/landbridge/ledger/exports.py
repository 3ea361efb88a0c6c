"""Ledger extracts out (存证日志摘录; issue #21): the public envelopes of a seq range, optionally of one module or
one subject's history, as XLSX or CSV with BOM through the one table writer (``landbridge.kernel.tables``).

Only the public layer leaves: sequence, time, module, type, the subject's keyed reference (in clear only for public
kinds), the private part's digest, the envelope that is the hashed leaf, the leaf hash, tree root, signature and key.
An auditor recomputes each leaf from the envelope column and checks it against a signed tree head; no private part,
actor or payload is ever written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from landbridge.kernel.tables import DATETIME_FORMAT, Column, write_table
from landbridge.ledger.errors import LedgerError
from landbridge.ledger.service import MAX_PAGE, list_events

MAX_EXPORT_EVENTS = 1_000_000  # one file: Excel's sheet holds 1,048,576 rows
ENVELOPE_COLUMNS = (Column("序号", "0", 10), Column("记录时间（北京时间）", DATETIME_FORMAT, 20),
                    Column("模块", None, 12), Column("事件类型", None, 24), Column("主体引用", None, 30),
                    Column("公开主体", None, 20), Column("私密部分摘要", None, 30), Column("叶哈希", None, 30),
                    Column("树根", None, 30), Column("签名", None, 30), Column("密钥", None, 14),
                    Column("信封（哈希原文）", None, 60))


def envelope_rows(session: Session, *, first: int = 1, last: int | None = None, module: str | None = None,
                  subject: str | None = None) -> Iterator[list[Any]]:
    """The public envelopes with ``first <= seq <= last`` (to the end when ``last`` is None), in seq order, rows
    under ``ENVELOPE_COLUMNS``; a bad range is refused at once (``ledger.bad_export_range``)."""
    end = first + MAX_EXPORT_EVENTS - 1 if last is None else last
    if first < 1 or end < first or end - first + 1 > MAX_EXPORT_EVENTS:
        raise LedgerError.BAD_EXPORT_RANGE.error(first=first, last=end, most=MAX_EXPORT_EVENTS)
    return _envelopes(session, first, end, module, subject)


def _envelopes(session: Session, first: int, end: int, module: str | None, subject: str | None) -> Iterator[list[Any]]:
    after = first - 1
    while True:
        page = list_events(session, module=module, subject=subject, after=after, limit=MAX_PAGE)
        for e in page:
            if e.seq > end:
                return
            yield [e.seq, e.recorded_at, e.module, e.event_type, e.subject_ref, e.public_subject,
                   e.private_digest.hex(), e.leaf_hash.hex(), e.tree_root.hex(), e.signature.hex(), e.key_id,
                   e.envelope]
        if len(page) < MAX_PAGE:
            return
        after = page[-1].seq


def export_ledger_file(session: Session, path: str | Path, *, first: int = 1, last: int | None = None,
                       module: str | None = None, subject: str | None = None) -> int:
    """Write the public envelopes (see ``envelope_rows``) to ``.xlsx`` or ``.csv``; returns the number written."""
    return write_table(path, ENVELOPE_COLUMNS, envelope_rows(session, first=first, last=last, module=module,
                                                             subject=subject), sheet="存证日志")
