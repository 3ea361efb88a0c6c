"""exchange_settlement: the price settlement (价款结算) of each confirmed award: balance due into a sub-account by
a date, the exchange's fee and the payout to the seller (issue #6 item 6)

Revision ID: 0015
Revises: 0014
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    money = landbridge.kernel.money.MoneyColumn
    op.create_table('exchange_settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('confirmation_no', sa.String(length=40), nullable=False),
    sa.Column('price_cny', money(), nullable=False),
    sa.Column('earnest_cny', money(), nullable=False),
    sa.Column('balance_cny', money(), nullable=False),
    sa.Column('fee_rate', sa.String(length=12), nullable=False),
    sa.Column('fee_cny', money(), nullable=False),
    sa.Column('payout_cny', money(), nullable=False),
    sa.Column('sub_account', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=120), nullable=False),
    sa.Column('bank_ref', sa.String(length=64), nullable=True),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('paid_cny', money(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payout_party_id', sa.Integer(), nullable=True),
    sa.Column('payout_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('defaulted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_settlement_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'],
                            name=op.f('fk_exchange_settlement_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'],
                            name=op.f('fk_exchange_settlement_party_id_registry_party')),
    sa.ForeignKeyConstraint(['payout_party_id'], ['registry_party.id'],
                            name=op.f('fk_exchange_settlement_payout_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_settlement')),
    sa.UniqueConstraint('lot_id', 'bidder_id', name='uq_exchange_settlement_lot_bidder'),
    sa.UniqueConstraint('sub_account', name=op.f('uq_exchange_settlement_sub_account')),
    sa.UniqueConstraint('bank_ref', name=op.f('uq_exchange_settlement_bank_ref'))
    )
    op.create_index(op.f('ix_exchange_settlement_lot_id'), 'exchange_settlement', ['lot_id'], unique=False)
    op.create_index(op.f('ix_exchange_settlement_status'), 'exchange_settlement', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_settlement_status'), table_name='exchange_settlement')
    op.drop_index(op.f('ix_exchange_settlement_lot_id'), table_name='exchange_settlement')
    op.drop_table('exchange_settlement')
