"""valuation_jobs: mass-appraisal jobs with progress and a lease, and each run's held-out sales (issue #4)

Revision ID: 0011
Revises: 0010

A job is queued by the bureau and run by the worker: claimed by a conditional update, its progress
written in short transactions, its lease renewed by each write so a dead worker's job is taken over.
The held-out sales of a run's ratio study are kept so the ratio-study report can plot them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('valuation_mass_holdout',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('land_use_class', sa.String(length=8), nullable=False),
    sa.Column('sale_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('appraised_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['valuation_mass_run.id'],
                            name=op.f('fk_valuation_mass_holdout_run_id_valuation_mass_run')),
    sa.PrimaryKeyConstraint('run_id', 'row', name=op.f('pk_valuation_mass_holdout'))
    )
    op.create_table('valuation_mass_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valuation_date', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('holdout', sa.Float(), nullable=False),
    sa.Column('region_prefix', sa.String(length=12), nullable=True),
    sa.Column('threads', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=80), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['valuation_mass_run.id'],
                            name=op.f('fk_valuation_mass_job_run_id_valuation_mass_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_mass_job'))
    )
    op.create_index(op.f('ix_valuation_mass_job_status'), 'valuation_mass_job', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_valuation_mass_job_status'), table_name='valuation_mass_job')
    op.drop_table('valuation_mass_job')
    op.drop_table('valuation_mass_holdout')
