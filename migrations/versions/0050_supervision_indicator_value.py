"""Supervision (issue #19): the indicator time series, one row per indicator, area, period and as-of day with the
indicator version and code version that produced it; the anomaly queue's follow-ups

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0050'
down_revision: str | None = '0049'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=64), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('numerator', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('denominator', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('indicator_version', sa.String(length=20), nullable=False),
    sa.Column('definition_digest', sa.String(length=64), nullable=False),
    sa.Column('code_version', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_indicator_value'))
    )
    with op.batch_alter_table('supervision_indicator_value', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_value_period', ['period', 'as_of'], unique=False)
        batch_op.create_index('uq_supervision_value', ['indicator_code', 'area_code', 'period', 'as_of'], unique=True)

    op.create_table('supervision_anomaly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_key', sa.String(length=160), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('closed_by', sa.String(length=120), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_anomaly'))
    )
    with op.batch_alter_table('supervision_anomaly', schema=None) as batch_op:
        batch_op.create_index('uq_supervision_anomaly_flag', ['flag_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_supervision_anomaly_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_anomaly_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supervision_anomaly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_anomaly_status'))
        batch_op.drop_index(batch_op.f('ix_supervision_anomaly_region_code'))
        batch_op.drop_index('uq_supervision_anomaly_flag')
    op.drop_table('supervision_anomaly')
    with op.batch_alter_table('supervision_indicator_value', schema=None) as batch_op:
        batch_op.drop_index('uq_supervision_value')
        batch_op.drop_index('ix_supervision_value_period')
    op.drop_table('supervision_indicator_value')
