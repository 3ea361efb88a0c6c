"""valuation_mass: Valuation mass appraisal (L1): valuation runs and parcel values

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('valuation_mass_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_no', sa.String(length=24), nullable=False),
    sa.Column('valuation_date', sa.Date(), nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('region_prefix', sa.String(length=12), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('model_json', sa.Text(), nullable=False),
    sa.Column('sale_count', sa.Integer(), nullable=False),
    sa.Column('parcel_count', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_mass_run')),
    sa.UniqueConstraint('run_no', name=op.f('uq_valuation_mass_run_run_no'))
    )
    op.create_index(op.f('ix_valuation_mass_run_status'), 'valuation_mass_run', ['status'], unique=False)
    op.create_table('valuation_mass_value',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('land_use_class', sa.String(length=8), nullable=False),
    sa.Column('value_per_m2_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('value_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('features', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['parcel_id'], ['registry_parcel.id'],
                            name=op.f('fk_valuation_mass_value_parcel_id_registry_parcel')),
    sa.ForeignKeyConstraint(['run_id'], ['valuation_mass_run.id'],
                            name=op.f('fk_valuation_mass_value_run_id_valuation_mass_run')),
    sa.PrimaryKeyConstraint('run_id', 'parcel_id', name=op.f('pk_valuation_mass_value'))
    )
    op.create_index(op.f('ix_valuation_mass_value_parcel_id'), 'valuation_mass_value', ['parcel_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_valuation_mass_value_parcel_id'), table_name='valuation_mass_value')
    op.drop_table('valuation_mass_value')
    op.drop_index(op.f('ix_valuation_mass_run_status'), table_name='valuation_mass_run')
    op.drop_table('valuation_mass_run')
