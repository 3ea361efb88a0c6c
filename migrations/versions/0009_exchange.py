"""exchange: Rural property-rights exchange (F3, F4, L6, L7): lots, rule sets, applications, deposits, bids, results

Revision ID: 0009
Revises: 0008

Money is BIGINT fen (``*_cny``). A lot carries the snapshot of its rule set (JSON). A partial unique index
allows one accepted bid per price and lot; a unique index makes (lot, bidder, idempotency key) idempotent.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_barred_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('listed_until', sa.Date(), nullable=True),
    sa.Column('listed_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_exchange_barred_party_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_barred_party'))
    )
    op.create_index(op.f('ix_exchange_barred_party_party_id'), 'exchange_barred_party', ['party_id'], unique=False)
    op.create_table('exchange_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('right_id', sa.Integer(), nullable=True),
    sa.Column('seller_party_id', sa.Integer(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('appraised_value_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('rule_version', sa.String(length=10), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('previous_lot_id', sa.Integer(), nullable=True),
    sa.Column('excluded_party_ids', sa.JSON(), nullable=False),
    sa.Column('phase', sa.String(length=24), nullable=False),
    sa.Column('start_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('increment_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('deposit_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('price_cap_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('current_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('leader_bidder_id', sa.Integer(), nullable=True),
    sa.Column('accepted_bids', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('application_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('freeze_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('countdown_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['previous_lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_lot_previous_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['right_id'], ['registry_right.id'], name=op.f('fk_exchange_lot_right_id_registry_right')),
    sa.ForeignKeyConstraint(['seller_party_id'], ['registry_party.id'], name=op.f('fk_exchange_lot_seller_party_id_registry_party')),
    sa.ForeignKeyConstraint(['unit_id'], ['registry_property_unit.id'], name=op.f('fk_exchange_lot_unit_id_registry_property_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_lot')),
    sa.UniqueConstraint('number', name=op.f('uq_exchange_lot_number'))
    )
    op.create_index(op.f('ix_exchange_lot_kind'), 'exchange_lot', ['kind'], unique=False)
    op.create_index(op.f('ix_exchange_lot_next_due_at'), 'exchange_lot', ['next_due_at'], unique=False)
    op.create_index(op.f('ix_exchange_lot_phase'), 'exchange_lot', ['phase'], unique=False)
    op.create_index(op.f('ix_exchange_lot_region_code'), 'exchange_lot', ['region_code'], unique=False)
    op.create_index(op.f('ix_exchange_lot_unit_id'), 'exchange_lot', ['unit_id'], unique=False)
    op.create_table('exchange_bidder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('bidder_code', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_bidder_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_exchange_bidder_party_id_registry_party')),
    sa.ForeignKeyConstraint(['user_id'], ['auth_user.id'], name=op.f('fk_exchange_bidder_user_id_auth_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bidder')),
    sa.UniqueConstraint('lot_id', 'bidder_code', name='uq_exchange_bidder_lot_code'),
    sa.UniqueConstraint('lot_id', 'party_id', name='uq_exchange_bidder_lot_party')
    )
    op.create_index(op.f('ix_exchange_bidder_lot_id'), 'exchange_bidder', ['lot_id'], unique=False)
    op.create_index(op.f('ix_exchange_bidder_party_id'), 'exchange_bidder', ['party_id'], unique=False)
    op.create_table('exchange_bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reject_code', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('phase', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('evidence', sa.String(length=300), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_bid_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_bid_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bid')),
    sa.UniqueConstraint('lot_id', 'bidder_id', 'idempotency_key', name='uq_exchange_bid_idempotency')
    )
    op.create_index(op.f('ix_exchange_bid_bidder_id'), 'exchange_bid', ['bidder_id'], unique=False)
    op.create_index('ix_exchange_bid_lot_id_id', 'exchange_bid', ['lot_id', 'id'], unique=False)
    op.create_index('uq_exchange_bid_accepted_price', 'exchange_bid', ['lot_id', 'amount_cny'], unique=True, sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
    op.create_table('exchange_deposit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('sub_account', sa.String(length=32), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('bank_ref', sa.String(length=64), nullable=True),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refund_due_on', sa.Date(), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_deposit_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_deposit_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_deposit')),
    sa.UniqueConstraint('bank_ref', name=op.f('uq_exchange_deposit_bank_ref')),
    sa.UniqueConstraint('bidder_id', name=op.f('uq_exchange_deposit_bidder_id')),
    sa.UniqueConstraint('sub_account', name=op.f('uq_exchange_deposit_sub_account'))
    )
    op.create_index(op.f('ix_exchange_deposit_lot_id'), 'exchange_deposit', ['lot_id'], unique=False)
    op.create_index(op.f('ix_exchange_deposit_status'), 'exchange_deposit', ['status'], unique=False)
    op.create_table('exchange_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('winner_bidder_id', sa.Integer(), nullable=True),
    sa.Column('winner_party_id', sa.Integer(), nullable=True),
    sa.Column('price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publish_by', sa.Date(), nullable=True),
    sa.Column('defaulted_bidder_ids', sa.JSON(), nullable=False),
    sa.Column('confirmation_no', sa.String(length=40), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=120), nullable=True),
    sa.Column('registry_application_id', sa.Integer(), nullable=True),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_result_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['registry_application_id'], ['registry_application.id'], name=op.f('fk_exchange_result_registry_application_id_registry_application')),
    sa.ForeignKeyConstraint(['winner_bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_result_winner_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['winner_party_id'], ['registry_party.id'], name=op.f('fk_exchange_result_winner_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_result')),
    sa.UniqueConstraint('confirmation_no', name=op.f('uq_exchange_result_confirmation_no')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_exchange_result_lot_id'))
    )


def downgrade() -> None:
    op.drop_table('exchange_result')
    op.drop_index(op.f('ix_exchange_deposit_status'), table_name='exchange_deposit')
    op.drop_index(op.f('ix_exchange_deposit_lot_id'), table_name='exchange_deposit')
    op.drop_table('exchange_deposit')
    op.drop_index('uq_exchange_bid_accepted_price', table_name='exchange_bid', sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
    op.drop_index('ix_exchange_bid_lot_id_id', table_name='exchange_bid')
    op.drop_index(op.f('ix_exchange_bid_bidder_id'), table_name='exchange_bid')
    op.drop_table('exchange_bid')
    op.drop_index(op.f('ix_exchange_bidder_party_id'), table_name='exchange_bidder')
    op.drop_index(op.f('ix_exchange_bidder_lot_id'), table_name='exchange_bidder')
    op.drop_table('exchange_bidder')
    op.drop_index(op.f('ix_exchange_lot_unit_id'), table_name='exchange_lot')
    op.drop_index(op.f('ix_exchange_lot_region_code'), table_name='exchange_lot')
    op.drop_index(op.f('ix_exchange_lot_phase'), table_name='exchange_lot')
    op.drop_index(op.f('ix_exchange_lot_next_due_at'), table_name='exchange_lot')
    op.drop_index(op.f('ix_exchange_lot_kind'), table_name='exchange_lot')
    op.drop_table('exchange_lot')
    op.drop_index(op.f('ix_exchange_barred_party_party_id'), table_name='exchange_barred_party')
    op.drop_table('exchange_barred_party')
