"""Maintenance inventory (管护清单, issue #20 item 5): assets with their location and maintainer, inspections, and
defects with a repair deadline

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 19:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.geo

revision: str = '0049'
down_revision: str | None = '0048'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('maintenance_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_no', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('maintainer_kind', sa.String(length=16), nullable=True),
    sa.Column('maintainer_id', sa.Integer(), nullable=True),
    sa.Column('maintainer_name', sa.String(length=200), nullable=True),
    sa.Column('duties', sa.String(length=500), nullable=False),
    sa.Column('standard', sa.String(length=200), nullable=False),
    sa.Column('funding_source', sa.String(length=24), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('geom', landbridge.kernel.geo.GeometryColumn('GEOMETRY'), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_asset')),
    sa.UniqueConstraint('asset_no', name=op.f('uq_maintenance_asset_asset_no'))
    )
    with op.batch_alter_table('maintenance_asset', schema=None) as batch_op:
        batch_op.create_index('ix_maintenance_asset_bbox', ['minx', 'maxx'], unique=False)
        batch_op.create_index('ix_maintenance_asset_maintainer', ['maintainer_kind', 'maintainer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_asset_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_asset_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_asset_status'), ['status'], unique=False)

    op.create_table('maintenance_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.String(length=500), nullable=False),
    sa.Column('defects', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_inspection'))
    )
    with op.batch_alter_table('maintenance_inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_inspection_asset_id'), ['asset_id'], unique=False)

    op.create_table('maintenance_defect',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('repaired_on', sa.Date(), nullable=True),
    sa.Column('repair_note', sa.String(length=500), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_defect'))
    )
    with op.batch_alter_table('maintenance_defect', schema=None) as batch_op:
        batch_op.create_index('ix_maintenance_defect_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_defect_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_defect_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('maintenance_defect')
    op.drop_table('maintenance_inspection')
    op.drop_table('maintenance_asset')
