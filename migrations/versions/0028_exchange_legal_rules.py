"""exchange_preemption, exchange_consortium_member, exchange_default_disposal, exchange_result_objection: the
exchange's remaining legal rules (issue #24): pre-emption claims, joint bidders' shares, a defaulting winner's paid
price and objections to a published result

Revision ID: 0028
Revises: 0025
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_result_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=120), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ruling', sa.String(length=500), nullable=True),
    sa.Column('ruled_by', sa.String(length=120), nullable=True),
    sa.Column('ruled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_lot_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_result_objection_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_exchange_result_objection_party_id_registry_party')),
    sa.ForeignKeyConstraint(['reopened_lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_result_objection_reopened_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_result_objection'))
    )
    with op.batch_alter_table('exchange_result_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_result_objection_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_result_objection_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_result_objection_status'), ['status'], unique=False)

    op.create_table('exchange_consortium_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('share_num', sa.Integer(), nullable=False),
    sa.Column('share_den', sa.Integer(), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_consortium_member_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_exchange_consortium_member_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_consortium_member')),
    sa.UniqueConstraint('bidder_id', 'party_id', name='uq_exchange_consortium_bidder_party')
    )
    with op.batch_alter_table('exchange_consortium_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_consortium_member_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_consortium_member_party_id'), ['party_id'], unique=False)

    op.create_table('exchange_preemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('ground', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.String(length=300), nullable=True),
    sa.Column('rule_digest', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=120), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('matched_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_preemption_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_preemption_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_preemption')),
    sa.UniqueConstraint('bidder_id', name=op.f('uq_exchange_preemption_bidder_id'))
    )
    with op.batch_alter_table('exchange_preemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_preemption_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_preemption_status'), ['status'], unique=False)

    op.create_table('exchange_default_disposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('treatment', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('price_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('earnest_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('paid_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('forfeited_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('held_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('set_off_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('refund_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('resale_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('rule_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refund_due_on', sa.Date(), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['exchange_bidder.id'], name=op.f('fk_exchange_default_disposal_bidder_id_exchange_bidder')),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_default_disposal_lot_id_exchange_lot')),
    sa.ForeignKeyConstraint(['settlement_id'], ['exchange_settlement.id'], name=op.f('fk_exchange_default_disposal_settlement_id_exchange_settlement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_default_disposal')),
    sa.UniqueConstraint('settlement_id', name=op.f('uq_exchange_default_disposal_settlement_id'))
    )
    with op.batch_alter_table('exchange_default_disposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_default_disposal_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_default_disposal_status'), ['status'], unique=False)


def downgrade() -> None:
    for table in ('exchange_default_disposal', 'exchange_preemption', 'exchange_consortium_member',
                  'exchange_result_objection'):
        op.drop_table(table)
