"""Demands and feedback (群众诉求 / 评价反馈, issue #20 item 3): the demand_ticket table

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 18:49:50.055190
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0048'
down_revision: str | None = '0047'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('demand_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('demand_type', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('resident_user_id', sa.Integer(), nullable=True),
    sa.Column('contact_name_enc', sa.String(length=400), nullable=True),
    sa.Column('contact_phone_enc', sa.String(length=400), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accept_due', sa.Date(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer', sa.String(length=2000), nullable=True),
    sa.Column('revisit_due', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('escalation', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=300), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revisit_note', sa.String(length=300), nullable=True),
    sa.Column('revisited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('escalation >= 0 AND escalation <= 2', name=op.f('ck_demand_ticket_escalation')),
    sa.CheckConstraint('satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 10)', name=op.f('ck_demand_ticket_satisfaction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_ticket')),
    sa.UniqueConstraint('number', name=op.f('uq_demand_ticket_number'))
    )
    with op.batch_alter_table('demand_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_demand_ticket_department_status', ['department_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_ticket_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_ticket_resident_user_id'), ['resident_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_ticket_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('demand_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_demand_ticket_resident_user_id'))
        batch_op.drop_index(batch_op.f('ix_demand_ticket_region_code'))
        batch_op.drop_index('ix_demand_ticket_department_status')

    op.drop_table('demand_ticket')
