"""registry_party: ID numbers and phones encrypted at rest with keyed blind indexes (issue #12 item 4)

Existing rows are converted in chunks under the deployment's privacy keys (``landbridge.privacy``); the plaintext
columns and their unique index go. Downgrade decrypts back (it needs the same keys).

Revision ID: 0021
Revises: 0019
"""
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from landbridge.privacy import blind_indexes, decrypt_many, encrypt_many

revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000
ID_CONTEXT = 'registry.party.id_number'  # = registry.models.ID_NUMBER_CONTEXT (frozen here: migrations do not move)
PHONE_CONTEXT = 'registry.party.phone'


def _chunks(conn: sa.Connection, *columns: str) -> Iterator[Sequence[sa.Row[tuple[object, ...]]]]:
    """Rows of registry_party in id order, CHUNK at a time (keyset paging, never all in memory at once)."""
    party = sa.table('registry_party', sa.column('id'), *(sa.column(c) for c in columns))
    last = 0
    while True:
        rows = conn.execute(sa.select(party.c.id, *(party.c[c] for c in columns)).where(party.c.id > last)
                            .order_by(party.c.id).limit(CHUNK)).all()
        if not rows:
            return
        yield rows
        last = int(rows[-1][0])


@contextmanager
def _recreating_party_table(conn: sa.Connection) -> Iterator[None]:
    """SQLite recreates registry_party to drop columns; other tables' foreign keys point at it, so enforcement is
    off for the swap (SQLite's documented 12-step table change: the pragma only takes effect outside a
    transaction) and ``foreign_key_check`` must come back empty before it commits."""
    if conn.dialect.name != 'sqlite':
        yield
        return
    conn.exec_driver_sql('COMMIT')
    conn.exec_driver_sql('PRAGMA foreign_keys=OFF')
    conn.exec_driver_sql('BEGIN IMMEDIATE')
    try:
        yield
        broken = conn.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'registry_party swap broke foreign keys: {broken[:5]}')
        conn.exec_driver_sql('COMMIT')
    except BaseException:
        conn.exec_driver_sql('ROLLBACK')
        conn.exec_driver_sql('PRAGMA foreign_keys=ON')
        raise
    conn.exec_driver_sql('PRAGMA foreign_keys=ON')
    conn.exec_driver_sql('BEGIN IMMEDIATE')  # the migration run goes on in a transaction, as it began


def upgrade() -> None:
    with op.batch_alter_table('registry_party') as batch:
        batch.add_column(sa.Column('id_number_enc', sa.String(length=160), nullable=True))
        batch.add_column(sa.Column('id_index', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('phone_enc', sa.String(length=160), nullable=True))
        batch.add_column(sa.Column('phone_index', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    update = sa.text('UPDATE registry_party SET id_number_enc = :ie, id_index = :ii, phone_enc = :pe, '
                     'phone_index = :pi WHERE id = :id')
    for rows in _chunks(conn, 'id_number', 'phone'):
        numbers = [r[1] or None for r in rows]
        phones = [r[2] or None for r in rows]
        params = zip(encrypt_many(numbers, context=ID_CONTEXT), blind_indexes(numbers, purpose=ID_CONTEXT),
                     encrypt_many(phones, context=PHONE_CONTEXT), blind_indexes(phones, purpose=PHONE_CONTEXT),
                     rows, strict=True)
        conn.execute(update, [{'ie': ie, 'ii': ii, 'pe': pe, 'pi': pi, 'id': r[0]} for ie, ii, pe, pi, r in params])
    with _recreating_party_table(conn), op.batch_alter_table('registry_party') as batch:
        batch.drop_index('uq_registry_party_id_number')
        batch.drop_constraint(op.f('ck_registry_party_id_pair'), type_='check')
        batch.drop_column('id_number')
        batch.drop_column('phone')
        batch.create_check_constraint(op.f('ck_registry_party_id_pair'), '(id_type IS NULL) = (id_index IS NULL)')
        batch.create_check_constraint(op.f('ck_registry_party_id_sealed'),
                                      '(id_index IS NULL) = (id_number_enc IS NULL)')
        batch.create_check_constraint(op.f('ck_registry_party_phone_sealed'),
                                      '(phone_index IS NULL) = (phone_enc IS NULL)')
        batch.create_index('uq_registry_party_id_index', ['id_type', 'id_index'], unique=True)
        batch.create_index(batch.f('ix_registry_party_phone_index'), ['phone_index'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registry_party') as batch:
        batch.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
        batch.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
    conn = op.get_bind()
    update = sa.text('UPDATE registry_party SET id_number = :n, phone = :p WHERE id = :id')
    for rows in _chunks(conn, 'id_number_enc', 'phone_enc'):
        numbers = decrypt_many([r[1] for r in rows], context=ID_CONTEXT)
        phones = decrypt_many([r[2] for r in rows], context=PHONE_CONTEXT)
        conn.execute(update, [{'n': n, 'p': p, 'id': r[0]} for n, p, r in zip(numbers, phones, rows, strict=True)])
    with _recreating_party_table(conn), op.batch_alter_table('registry_party') as batch:
        batch.drop_index(batch.f('ix_registry_party_phone_index'))
        batch.drop_index('uq_registry_party_id_index')
        batch.drop_constraint(op.f('ck_registry_party_phone_sealed'), type_='check')
        batch.drop_constraint(op.f('ck_registry_party_id_sealed'), type_='check')
        batch.drop_constraint(op.f('ck_registry_party_id_pair'), type_='check')
        for column in ('id_number_enc', 'id_index', 'phone_enc', 'phone_index'):
            batch.drop_column(column)
        batch.create_check_constraint(op.f('ck_registry_party_id_pair'), '(id_type IS NULL) = (id_number IS NULL)')
        batch.create_index('uq_registry_party_id_number', ['id_type', 'id_number'], unique=True)
