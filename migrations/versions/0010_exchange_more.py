"""exchange_more: sealed reserve prices, supervision flags, and the address and device of each bid (issue #6)

Revision ID: 0010
Revises: 0009

The reserve price is AES-GCM ciphertext (base64 of nonce + sealed bytes), written once; the amount is
stored in clear only when revealed at close. A flag is unique per lot, kind and key.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('exchange_bid', sa.Column('client_ip', sa.String(length=45), nullable=True))
    op.add_column('exchange_bid', sa.Column('device_id', sa.String(length=64), nullable=True))
    op.create_table('exchange_reserve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('officer_user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by', sa.String(length=120), nullable=False),
    sa.Column('designated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=True),
    sa.Column('key_id', sa.String(length=16), nullable=True),
    sa.Column('sealed_by', sa.String(length=120), nullable=True),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_reserve_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['officer_user_id'], ['auth_user.id'],
                            name=op.f('fk_exchange_reserve_officer_user_id_auth_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_reserve')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_exchange_reserve_lot_id'))
    )
    op.create_table('exchange_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_flag_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_flag')),
    sa.UniqueConstraint('lot_id', 'kind', 'key', name='uq_exchange_flag_lot_kind_key')
    )
    op.create_index(op.f('ix_exchange_flag_lot_id'), 'exchange_flag', ['lot_id'], unique=False)
    op.create_index(op.f('ix_exchange_flag_kind'), 'exchange_flag', ['kind'], unique=False)
    op.create_index(op.f('ix_exchange_flag_raised_at'), 'exchange_flag', ['raised_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_flag_raised_at'), table_name='exchange_flag')
    op.drop_index(op.f('ix_exchange_flag_kind'), table_name='exchange_flag')
    op.drop_index(op.f('ix_exchange_flag_lot_id'), table_name='exchange_flag')
    op.drop_table('exchange_flag')
    op.drop_table('exchange_reserve')
    with op.batch_alter_table('exchange_bid') as batch:
        batch.drop_column('device_id')
        batch.drop_column('client_ip')
