"""Wage arrears (欠薪, issue #20 item 4): the wage_arrears_case and wage_arrears_payment tables

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-07 22:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0053'
down_revision: str | None = '0052'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('wage_arrears_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('worker_party_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_user_id', sa.Integer(), nullable=False),
    sa.Column('employer_uscc', sa.String(length=18), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.String(length=2000), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('decide_due', sa.Date(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('pay_due', sa.Date(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('escalation >= 0 AND escalation <= 9', name=op.f('ck_wage_arrears_case_escalation')),
    sa.CheckConstraint('owed_fen > 0', name=op.f('ck_wage_arrears_case_owed_positive')),
    sa.CheckConstraint('paid_fen >= 0 AND paid_fen <= owed_fen', name=op.f('ck_wage_arrears_case_paid_bounded')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 10)', name=op.f('ck_wage_arrears_case_rating')),
    sa.CheckConstraint('workers >= 1', name=op.f('ck_wage_arrears_case_workers_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wage_arrears_case')),
    sa.UniqueConstraint('number', name=op.f('uq_wage_arrears_case_number'))
    )
    with op.batch_alter_table('wage_arrears_case', schema=None) as batch_op:
        batch_op.create_index('ix_wage_arrears_case_employer_status', ['employer_uscc', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_wage_arrears_case_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_wage_arrears_case_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_wage_arrears_case_worker_party_id'), ['worker_party_id'], unique=False)

    op.create_table('wage_arrears_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('by_employer', sa.Boolean(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_wage_arrears_payment_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wage_arrears_payment'))
    )
    with op.batch_alter_table('wage_arrears_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wage_arrears_payment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wage_arrears_payment_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('wage_arrears_payment')
    op.drop_table('wage_arrears_case')
