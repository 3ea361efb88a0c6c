"""ledger_subject: the subject index (event seq → every subject the event concerns), backfilled for old events

Issue #14 item 7. Old events cannot be rewritten (ADR 0001, 0010): the index is built beside them. Each existing
event is indexed under
- its subject as written (legacy spelling included, so an envelope's ``subject_ref`` still finds it),
- the uniform spelling of that subject (``ledger.subjects.canonical``: ``exchange.lot:7`` → ``lot:7``,
  ``collective.motion:5`` → ``motion:5``, ``auth.user:3`` → ``user:3`` ...),
- the records its payload names by id (``ledger.subjects.payload_references``: ``unit_id`` → ``unit:``,
  ``right_id`` → ``right:``, ``party_id`` → ``party:``, ``mortgage_id`` → ``restriction:`` ...),
- and the records those lead to through the record tables: a lot's unit and right (``exchange_lot``), a unit's
  parcel (``registry_property_unit``), a sale's parcel (``valuation_sale``), a desk application's unit
  (``registry_application``).
The mapping is documented in docs/ledger-subjects.md. Rows are written in chunks of 5 000 events. The downgrade
drops the table (the events themselves are untouched either way).

Revision ID: 0025
Revises: 0024
"""
import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from landbridge.ledger import subjects
from landbridge.ledger.service import index_row, subject_reference
from landbridge.privacy import keyring

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000
SEQ = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

event_t = sa.table('ledger_event', sa.column('seq', SEQ), sa.column('public_subject', sa.String))
private_t = sa.table('ledger_private', sa.column('seq', SEQ), sa.column('body', sa.Text))
subject_t = sa.table('ledger_subject', sa.column('subject_ref', sa.String), sa.column('seq', SEQ),
                     sa.column('kind', sa.String), sa.column('public_subject', sa.String))

# kind → (table, key column, [(column, kind it names)]): the record tables an old event's subjects lead through.
RELATED: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    'lot': ('exchange_lot', 'id', [('unit_id', 'unit'), ('right_id', 'right')]),
    'application': ('registry_application', 'id', [('unit_id', 'unit')]),
    'sale': ('valuation_sale', 'sale_no', [('parcel_id', 'parcel')]),
    'unit': ('registry_property_unit', 'id', [('parcel_id', 'parcel')]),
}


def _related(conn: sa.Connection, wanted: dict[str, set[str]]) -> dict[str, list[str]]:
    """subject → the subjects its record row names, for the given subjects of the related kinds."""
    out: dict[str, list[str]] = {}
    for kind, keys in wanted.items():
        table, key, columns = RELATED[kind]
        typed: list[Any] = [int(k) for k in keys if k.isdigit()] if key == 'id' else sorted(keys)
        if not typed:
            continue
        t = sa.table(table, sa.column(key), *(sa.column(c) for c, _ in columns))
        for row in conn.execute(sa.select(t.c[key], *(t.c[c] for c, _ in columns)).where(t.c[key].in_(typed))):
            out[subjects.subject(kind, row[0])] = [subjects.subject(k, v) for (_, k), v in
                                                   zip(columns, row[1:], strict=True) if v is not None]
    return out


def _expand(conn: sa.Connection, found: list[list[str]]) -> None:
    """Add, in place, what each event's subjects lead to (lot → unit → parcel), until nothing new turns up."""
    known: dict[str, list[str]] = {}
    for _ in range(3):  # lot → unit → parcel is the longest path
        wanted: dict[str, set[str]] = {}
        for items in found:
            for item in items:
                kind, _, key = item.partition(':')
                if kind in RELATED and item not in known:
                    wanted.setdefault(kind, set()).add(key)
        if not wanted:
            return
        fresh = _related(conn, wanted)
        for kind, keys in wanted.items():
            for key in keys:
                known.setdefault(subjects.subject(kind, key), fresh.get(subjects.subject(kind, key), []))
        for items in found:
            i = 0
            while i < len(items):  # items grows as it goes: lot → unit → parcel in one pass where all are known
                items.extend(x for x in known.get(items[i], []) if x not in items)
                i += 1


def _subjects_of(body: str | None, public_subject: str | None) -> list[str]:
    private = {} if body is None else json.loads(body)
    subject = private.get('subject', public_subject)
    if not isinstance(subject, str):
        return []
    payload = private.get('payload')
    refs: Iterable[str] = subjects.payload_references(payload) if isinstance(payload, dict) else ()
    return subjects.index_subjects(subject, refs)


def upgrade() -> None:
    op.create_table(
        'ledger_subject',
        sa.Column('subject_ref', sa.String(length=64), nullable=False),
        sa.Column('seq', SEQ, nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('public_subject', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['seq'], ['ledger_event.seq']),
        sa.PrimaryKeyConstraint('subject_ref', 'seq'),
    )
    conn = op.get_bind()
    ring = keyring()
    refs: dict[str, str] = {}
    last = 0
    while True:
        rows = list(conn.execute(
            sa.select(event_t.c.seq, event_t.c.public_subject, private_t.c.body)
            .select_from(event_t.outerjoin(private_t, private_t.c.seq == event_t.c.seq))
            .where(event_t.c.seq > last).order_by(event_t.c.seq).limit(CHUNK)))
        if not rows:
            return
        found = [_subjects_of(body, public) for _, public, body in rows]
        _expand(conn, found)
        out: list[dict[str, Any]] = []
        for (seq, _, _), items in zip(rows, found, strict=True):
            for item in items:
                ref = refs.get(item)
                if ref is None:
                    ref = refs[item] = subject_reference(item, ring)
                out.append(index_row(seq, item, ref))
        if out:
            conn.execute(sa.insert(subject_t), out)
        if len(refs) > 100_000:
            refs.clear()
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table('ledger_subject')
