"""valuation_learned: learned benchmark coefficient tables (issue #4 item 5, L1): learning runs and learned cells

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('valuation_learn_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('system_code', sa.String(length=40), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('sale_count', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['system_id'], ['valuation_benchmark_system.id'],
                            name=op.f('fk_valuation_learn_run_system_id_valuation_benchmark_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_learn_run'))
    )
    op.create_index(op.f('ix_valuation_learn_run_system_id'), 'valuation_learn_run', ['system_id'], unique=False)
    op.create_table('valuation_learned_base',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('zone_code', sa.String(length=40), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('official_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('learned_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('ci_low_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('ci_high_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('diff_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('diff_pct', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('too_few', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['valuation_learn_run.id'],
                            name=op.f('fk_valuation_learned_base_run_id_valuation_learn_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_learned_base'))
    )
    op.create_index('ix_valuation_learned_base_run', 'valuation_learned_base', ['run_id', 'id'], unique=False)
    op.create_table('valuation_learned_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('zone_grade', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('grade_label', sa.String(length=60), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('official', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('learned', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('diff', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('diff_pct', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('anchor', sa.Boolean(), nullable=False),
    sa.Column('identified', sa.Boolean(), nullable=False),
    sa.Column('too_few', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['valuation_learn_run.id'],
                            name=op.f('fk_valuation_learned_factor_run_id_valuation_learn_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_learned_factor'))
    )
    op.create_index('ix_valuation_learned_factor_run', 'valuation_learned_factor', ['run_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_valuation_learned_factor_run', table_name='valuation_learned_factor')
    op.drop_table('valuation_learned_factor')
    op.drop_index('ix_valuation_learned_base_run', table_name='valuation_learned_base')
    op.drop_table('valuation_learned_base')
    op.drop_index(op.f('ix_valuation_learn_run_system_id'), table_name='valuation_learn_run')
    op.drop_table('valuation_learn_run')
