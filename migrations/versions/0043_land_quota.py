"""Land quota (issue #16): reclamation projects, quota ledger entries, balances per county and year, allocations

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 14:13:08.061316
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0043'
down_revision: str | None = '0042'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('land_quota_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('amount_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('consumed_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('consumed_m2 >= 0 AND consumed_m2 <= amount_m2', name=op.f('ck_land_quota_allocation_bounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_allocation')),
    sa.UniqueConstraint('parcel_id', 'year', name='uq_land_quota_allocation_parcel_year')
    )
    with op.batch_alter_table('land_quota_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_allocation_balance_id'), ['balance_id'], unique=False)

    op.create_table('land_quota_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('accepted_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('allocated_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('consumed_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('consumed_m2 >= 0 AND consumed_m2 <= allocated_m2 AND allocated_m2 <= accepted_m2', name=op.f('ck_land_quota_balance_bounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_balance')),
    sa.UniqueConstraint('county_code', 'year', name='uq_land_quota_balance_county_year')
    )
    op.create_table('land_quota_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('buyer_party_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_m2 > 0', name=op.f('ck_land_quota_entry_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_entry'))
    )
    with op.batch_alter_table('land_quota_entry', schema=None) as batch_op:
        batch_op.create_index('ix_land_quota_entry_county_year', ['county_code', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_entry_parcel_id'), ['parcel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_entry_project_id'), ['project_id'], unique=False)

    op.create_table('land_quota_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_no', sa.String(length=24), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('plan_ref', sa.String(length=120), nullable=False),
    sa.Column('planned_area_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('accepted_area_m2', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('quality_grade', sa.Integer(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('credited_year', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_project')),
    sa.UniqueConstraint('project_no', name=op.f('uq_land_quota_project_project_no'))
    )
    with op.batch_alter_table('land_quota_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_project_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_project_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_project_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('land_quota_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_project_status'))
        batch_op.drop_index(batch_op.f('ix_land_quota_project_region_code'))
        batch_op.drop_index(batch_op.f('ix_land_quota_project_collective_id'))

    op.drop_table('land_quota_project')
    with op.batch_alter_table('land_quota_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_entry_project_id'))
        batch_op.drop_index(batch_op.f('ix_land_quota_entry_parcel_id'))
        batch_op.drop_index('ix_land_quota_entry_county_year')

    op.drop_table('land_quota_entry')
    op.drop_table('land_quota_balance')
    with op.batch_alter_table('land_quota_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_allocation_balance_id'))

    op.drop_table('land_quota_allocation')
