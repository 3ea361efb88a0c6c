"""Land quota (issue #16): boundaries, the supply plan, lots, holdings, land banking

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 15:45:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.geo

revision: str = '0044'
down_revision: str | None = '0043'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('land_quota_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_plan')),
    sa.UniqueConstraint('county_code', 'year', name='uq_land_quota_plan_county_year')
    )
    with op.batch_alter_table('land_quota_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_plan_status'), ['status'], unique=False)

    op.create_table('land_quota_plan_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('land_use', sa.String(length=24), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('quota_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('parcels', sa.Integer(), nullable=False),
    sa.Column('allocated_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('allocated_parcels', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('quarter >= 1 AND quarter <= 4 AND allocated_m2 >= 0 AND allocated_m2 <= quota_m2 '
                       'AND allocated_parcels >= 0 AND allocated_parcels <= parcels',
                       name=op.f('ck_land_quota_plan_line_bounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_plan_line')),
    sa.UniqueConstraint('plan_id', 'land_use', 'quarter', name='uq_land_quota_plan_line_use_quarter')
    )
    with op.batch_alter_table('land_quota_plan_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_plan_line_plan_id'), ['plan_id'], unique=False)

    op.create_table('land_quota_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('buyer_party_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_m2 > 0', name=op.f('ck_land_quota_lot_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_lot')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_land_quota_lot_lot_id'))
    )
    with op.batch_alter_table('land_quota_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_lot_balance_id'), ['balance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_lot_status'), ['status'], unique=False)

    op.create_table('land_quota_holding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('received_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('allocated_m2', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('allocated_m2 >= 0 AND allocated_m2 <= received_m2', name=op.f('ck_land_quota_holding_bounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_holding')),
    sa.UniqueConstraint('party_id', 'balance_id', name='uq_land_quota_holding_party_balance')
    )
    with op.batch_alter_table('land_quota_holding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_holding_party_id'), ['party_id'], unique=False)

    op.create_table('land_quota_reserve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reserve_no', sa.String(length=24), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('compensation_fen', sa.BigInteger(), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=True),
    sa.Column('supplied_on', sa.Date(), nullable=True),
    sa.Column('plan_line_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('compensation_fen >= 0', name=op.f('ck_land_quota_reserve_compensation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_quota_reserve')),
    sa.UniqueConstraint('reserve_no', name=op.f('uq_land_quota_reserve_reserve_no'))
    )
    with op.batch_alter_table('land_quota_reserve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_quota_reserve_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_reserve_status'), ['status'], unique=False)
        batch_op.create_index('uq_land_quota_reserve_parcel_open', ['parcel_id'], unique=True,
                              sqlite_where=sa.text("status != 'cancelled'"),
                              postgresql_where=sa.text("status != 'cancelled'"))

    with op.batch_alter_table('land_quota_allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('holding_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entry_case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_land_quota_allocation_plan_line_id'), ['plan_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_quota_allocation_holding_id'), ['holding_id'], unique=False)

    with op.batch_alter_table('land_quota_project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('geom', landbridge.kernel.geo.GeometryColumn(), nullable=True))
        batch_op.add_column(sa.Column('boundary_area_m2', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('minx', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('miny', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('maxx', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('maxy', sa.Float(), nullable=True))
        batch_op.create_index('ix_land_quota_project_bbox', ['minx', 'maxx'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('land_quota_project', schema=None) as batch_op:
        batch_op.drop_index('ix_land_quota_project_bbox')
        batch_op.drop_column('maxy')
        batch_op.drop_column('maxx')
        batch_op.drop_column('miny')
        batch_op.drop_column('minx')
        batch_op.drop_column('boundary_area_m2')
        batch_op.drop_column('geom')

    with op.batch_alter_table('land_quota_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_allocation_holding_id'))
        batch_op.drop_index(batch_op.f('ix_land_quota_allocation_plan_line_id'))
        batch_op.drop_column('entry_case_id')
        batch_op.drop_column('holding_id')
        batch_op.drop_column('plan_line_id')

    with op.batch_alter_table('land_quota_reserve', schema=None) as batch_op:
        batch_op.drop_index('uq_land_quota_reserve_parcel_open', sqlite_where=sa.text("status != 'cancelled'"),
                            postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_land_quota_reserve_status'))
        batch_op.drop_index(batch_op.f('ix_land_quota_reserve_region_code'))
    op.drop_table('land_quota_reserve')

    with op.batch_alter_table('land_quota_holding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_holding_party_id'))
    op.drop_table('land_quota_holding')
    with op.batch_alter_table('land_quota_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_lot_status'))
        batch_op.drop_index(batch_op.f('ix_land_quota_lot_balance_id'))
    op.drop_table('land_quota_lot')

    with op.batch_alter_table('land_quota_plan_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_plan_line_plan_id'))
    op.drop_table('land_quota_plan_line')
    with op.batch_alter_table('land_quota_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_quota_plan_status'))
    op.drop_table('land_quota_plan')
