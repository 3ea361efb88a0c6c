"""exchange_settlement_instalment and settlement fees: the price paid by instalments (分期付款) per the rule set,
the land value-increment adjustment fee (调节金) with its rule's basis, and the distribution of a collateral lot's
proceeds among mortgagees and the owner (issue #6 item 6; L6, L7, F6)

Revision ID: 0016
Revises: 0015
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    money = landbridge.kernel.money.MoneyColumn
    # the settlement table first: SQLite rebuilds it, which it may not do under a table that references it
    with op.batch_alter_table('exchange_settlement') as batch:
        batch.add_column(sa.Column('schedule_source', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('adjustment_land_use', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('adjustment_base_type', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('adjustment_rate', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('adjustment_base_cny', money(), nullable=True))
        batch.add_column(sa.Column('adjustment_fee_cny', money(), nullable=True))
        batch.add_column(sa.Column('adjustment_source', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('distribution', sa.JSON(), nullable=True))
    op.create_table('exchange_settlement_instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount_cny', money(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('bank_ref', sa.String(length=64), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['settlement_id'], ['exchange_settlement.id'],
                            name=op.f('fk_exchange_settlement_instalment_settlement_id_exchange_settlement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_settlement_instalment')),
    sa.UniqueConstraint('settlement_id', 'seq', name='uq_exchange_settlement_instalment_seq')
    )
    op.create_index(op.f('ix_exchange_settlement_instalment_settlement_id'), 'exchange_settlement_instalment',
                    ['settlement_id'], unique=False)
    op.create_index(op.f('ix_exchange_settlement_instalment_bank_ref'), 'exchange_settlement_instalment',
                    ['bank_ref'], unique=False)
    # a settlement opened before instalments existed is one instalment of the whole balance
    op.execute("INSERT INTO exchange_settlement_instalment (settlement_id, seq, amount_cny, due_on, status, bank_ref, "
               "paid_at) SELECT id, 1, balance_cny, due_on, CASE WHEN status = 'paid' THEN 'paid' ELSE 'due' END, "
               "bank_ref, paid_at FROM exchange_settlement")


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_settlement_instalment_bank_ref'), table_name='exchange_settlement_instalment')
    op.drop_index(op.f('ix_exchange_settlement_instalment_settlement_id'),
                  table_name='exchange_settlement_instalment')
    op.drop_table('exchange_settlement_instalment')
    with op.batch_alter_table('exchange_settlement') as batch:
        for name in ('distribution', 'adjustment_source', 'adjustment_fee_cny', 'adjustment_base_cny',
                     'adjustment_rate', 'adjustment_base_type', 'adjustment_land_use', 'schedule_source'):
            batch.drop_column(name)
