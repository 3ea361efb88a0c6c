"""exchange_methods: sealed tenders with their evaluation panel and scores, and objections to negotiated
transfers (issue #6 item 2)

Revision ID: 0013
Revises: 0012

A tender is AES-GCM ciphertext (base64 of nonce + sealed bytes) written once, with the SHA-256 of the
ciphertext as its receipt; price, plan and documents are stored in clear only at the opening.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table('exchange_tender_evaluator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by', sa.String(length=120), nullable=False),
    sa.Column('designated_at', sa.DateTime(timezone=True), nullable=False),
    _fk('exchange_tender_evaluator', 'lot_id', 'exchange_lot'),
    _fk('exchange_tender_evaluator', 'user_id', 'auth_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tender_evaluator')),
    sa.UniqueConstraint('lot_id', 'user_id', name='uq_exchange_tender_evaluator_lot_user')
    )
    op.create_index(op.f('ix_exchange_tender_evaluator_lot_id'), 'exchange_tender_evaluator', ['lot_id'])
    op.create_table('exchange_tender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('receipt', sa.String(length=64), nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('plan_summary', sa.Text(), nullable=True),
    sa.Column('documents', sa.JSON(), nullable=True),
    sa.Column('total_score', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    _fk('exchange_tender', 'lot_id', 'exchange_lot'),
    _fk('exchange_tender', 'bidder_id', 'exchange_bidder'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tender')),
    sa.UniqueConstraint('lot_id', 'bidder_id', name='uq_exchange_tender_lot_bidder'),
    sa.UniqueConstraint('receipt', name=op.f('uq_exchange_tender_receipt'))
    )
    op.create_index(op.f('ix_exchange_tender_lot_id'), 'exchange_tender', ['lot_id'])
    op.create_table('exchange_tender_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_user_id', sa.Integer(), nullable=False),
    sa.Column('plan_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('credentials_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    _fk('exchange_tender_score', 'lot_id', 'exchange_lot'),
    _fk('exchange_tender_score', 'tender_id', 'exchange_tender'),
    _fk('exchange_tender_score', 'evaluator_user_id', 'auth_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tender_score')),
    sa.UniqueConstraint('tender_id', 'evaluator_user_id', name='uq_exchange_tender_score_evaluator')
    )
    op.create_index(op.f('ix_exchange_tender_score_lot_id'), 'exchange_tender_score', ['lot_id'])
    op.create_index(op.f('ix_exchange_tender_score_tender_id'), 'exchange_tender_score', ['tender_id'])
    op.create_table('exchange_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lodged_by', sa.String(length=120), nullable=False),
    sa.Column('lodged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ruling', sa.String(length=500), nullable=True),
    sa.Column('ruled_by', sa.String(length=120), nullable=True),
    sa.Column('ruled_at', sa.DateTime(timezone=True), nullable=True),
    _fk('exchange_objection', 'lot_id', 'exchange_lot'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_objection'))
    )
    op.create_index(op.f('ix_exchange_objection_lot_id'), 'exchange_objection', ['lot_id'])
    op.create_index(op.f('ix_exchange_objection_status'), 'exchange_objection', ['status'])


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_objection_status'), table_name='exchange_objection')
    op.drop_index(op.f('ix_exchange_objection_lot_id'), table_name='exchange_objection')
    op.drop_table('exchange_objection')
    op.drop_index(op.f('ix_exchange_tender_score_tender_id'), table_name='exchange_tender_score')
    op.drop_index(op.f('ix_exchange_tender_score_lot_id'), table_name='exchange_tender_score')
    op.drop_table('exchange_tender_score')
    op.drop_index(op.f('ix_exchange_tender_lot_id'), table_name='exchange_tender')
    op.drop_table('exchange_tender')
    op.drop_index(op.f('ix_exchange_tender_evaluator_lot_id'), table_name='exchange_tender_evaluator')
    op.drop_table('exchange_tender_evaluator')
