"""Homestead withdrawal (issue #16 part 5): the withdrawal case and the yearly over-standard fee

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 15:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0045'
down_revision: str | None = '0044'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('land_quota_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('household_party_id', sa.Integer(), nullable=False),
    sa.Column('applicant_party_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('council_meeting_id', sa.Integer(), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=300), nullable=True),
    sa.Column('house_structure', sa.String(length=24), nullable=True),
    sa.Column('house_floor_m2', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('land_fen', sa.BigInteger(), nullable=True),
    sa.Column('house_fen', sa.BigInteger(), nullable=True),
    sa.Column('total_fen', sa.BigInteger(), nullable=True),
    sa.Column('payment_ref', sa.String(length=120), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('cancellation_application_ids', sa.JSON(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('land_fen IS NULL OR (land_fen >= 0 AND house_fen >= 0 AND total_fen = land_fen + house_fen)',
                       name=op.f('ck_land_quota_withdrawal_compensation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_withdrawal')),
    sa.UniqueConstraint('number', name=op.f('uq_land_quota_withdrawal_number'))
    )
    with op.batch_alter_table('land_quota_withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_withdrawal_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_withdrawal_household_party_id'), ['household_party_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_withdrawal_right_id'), ['right_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_withdrawal_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_withdrawal_status'), ['status'], unique=False)

    op.create_table('land_quota_homestead_fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('household_party_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('standard_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('excess_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('fee_fen', sa.BigInteger(), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('payment_ref', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('fee_fen > 0 AND excess_m2 > 0', name=op.f('ck_land_quota_homestead_fee_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_homestead_fee')),
    sa.UniqueConstraint('right_id', 'year', name='uq_land_quota_homestead_fee_right_year')
    )
    with op.batch_alter_table('land_quota_homestead_fee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_homestead_fee_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_homestead_fee_household_party_id'), ['household_party_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_homestead_fee_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_homestead_fee_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('land_quota_homestead_fee')
    op.drop_table('land_quota_withdrawal')
