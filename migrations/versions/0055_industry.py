"""Industry information (issue #19 item 5): places of the industry synergy platform with boundaries, their projects,
funding lines and bundles

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07 21:57:14.723640
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.geo
import landbridge.kernel.money

revision: str = '0055'
down_revision: str | None = '0054'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('industry_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_no', sa.String(length=24), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('operating_project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_bundle')),
    sa.UniqueConstraint('bundle_no', name=op.f('uq_industry_bundle_bundle_no')),
    sa.UniqueConstraint('operating_project_id', name=op.f('uq_industry_bundle_operating_project_id'))
    )
    with op.batch_alter_table('industry_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_industry_bundle_place_id'), ['place_id'], unique=False)
    op.create_table('industry_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_funding'))
    )
    with op.batch_alter_table('industry_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_industry_funding_project_id'), ['project_id'], unique=False)
    op.create_table('industry_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_no', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('geom', landbridge.kernel.geo.GeometryColumn(), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_place')),
    sa.UniqueConstraint('place_no', name=op.f('uq_industry_place_place_no'))
    )
    with op.batch_alter_table('industry_place', schema=None) as batch_op:
        batch_op.create_index('ix_industry_place_bbox', ['minx', 'maxx'], unique=False)
        batch_op.create_index(batch_op.f('ix_industry_place_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_industry_place_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_industry_place_status'), ['status'], unique=False)
    op.create_table('industry_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_no', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nature', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('revenue_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=True),
    sa.Column('quota_allocation_id', sa.Integer(), nullable=True),
    sa.Column('entry_case_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_project')),
    sa.UniqueConstraint('project_no', name=op.f('uq_industry_project_project_no'))
    )
    with op.batch_alter_table('industry_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_industry_project_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_industry_project_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_industry_project_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('industry_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_industry_project_status'))
        batch_op.drop_index(batch_op.f('ix_industry_project_place_id'))
        batch_op.drop_index(batch_op.f('ix_industry_project_bundle_id'))
    op.drop_table('industry_project')
    with op.batch_alter_table('industry_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_industry_place_status'))
        batch_op.drop_index(batch_op.f('ix_industry_place_region_code'))
        batch_op.drop_index(batch_op.f('ix_industry_place_kind'))
        batch_op.drop_index('ix_industry_place_bbox')
    op.drop_table('industry_place')
    with op.batch_alter_table('industry_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_industry_funding_project_id'))
    op.drop_table('industry_funding')
    with op.batch_alter_table('industry_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_industry_bundle_place_id'))
    op.drop_table('industry_bundle')
    # ### end Alembic commands ###
