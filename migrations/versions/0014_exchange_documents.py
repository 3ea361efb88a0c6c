"""exchange_documents: issued award confirmations and contracts with their SHA-256, and every bank credit reported
by the deposit callback, matched or not (issue #6 items 3 and 6)

Revision ID: 0014
Revises: 0013

A document is unique per lot and kind and by number; its printed content is stored so that a regenerated PDF
has the recorded digest. A credit is unique by the bank's reference (the bank may repeat a callback).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('number', sa.String(length=48), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_document_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_document')),
    sa.UniqueConstraint('lot_id', 'kind', name='uq_exchange_document_lot_kind'),
    sa.UniqueConstraint('number', name=op.f('uq_exchange_document_number'))
    )
    op.create_index(op.f('ix_exchange_document_lot_id'), 'exchange_document', ['lot_id'], unique=False)
    op.create_table('exchange_bank_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_ref', sa.String(length=64), nullable=False),
    sa.Column('sub_account', sa.String(length=64), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('deposit_id', sa.Integer(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deposit_id'], ['exchange_deposit.id'],
                            name=op.f('fk_exchange_bank_credit_deposit_id_exchange_deposit')),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_bank_credit_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bank_credit')),
    sa.UniqueConstraint('bank_ref', name=op.f('uq_exchange_bank_credit_bank_ref'))
    )
    op.create_index(op.f('ix_exchange_bank_credit_sub_account'), 'exchange_bank_credit', ['sub_account'], unique=False)
    op.create_index(op.f('ix_exchange_bank_credit_received_at'), 'exchange_bank_credit', ['received_at'], unique=False)
    op.create_index(op.f('ix_exchange_bank_credit_deposit_id'), 'exchange_bank_credit', ['deposit_id'], unique=False)
    op.create_index(op.f('ix_exchange_bank_credit_lot_id'), 'exchange_bank_credit', ['lot_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_bank_credit_lot_id'), table_name='exchange_bank_credit')
    op.drop_index(op.f('ix_exchange_bank_credit_deposit_id'), table_name='exchange_bank_credit')
    op.drop_index(op.f('ix_exchange_bank_credit_received_at'), table_name='exchange_bank_credit')
    op.drop_index(op.f('ix_exchange_bank_credit_sub_account'), table_name='exchange_bank_credit')
    op.drop_table('exchange_bank_credit')
    op.drop_index(op.f('ix_exchange_document_lot_id'), table_name='exchange_document')
    op.drop_table('exchange_document')
