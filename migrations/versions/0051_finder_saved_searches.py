"""Land finder (issue #23): saved searches, the watermark of the job that matches published lots against them, and a
covering index of current parcels by area code for the finder's candidates

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 19:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0051'
down_revision: str | None = '0050'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('finder_saved_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finder_saved_search'))
    )
    op.create_index('ix_finder_saved_search_user', 'finder_saved_search', ['user_id'], unique=False)
    op.create_table('finder_lot_watermark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finder_lot_watermark'))
    )
    op.create_index('ix_registry_parcel_finder', 'registry_parcel',
                    ['status', 'region_code', 'id', 'area_m2', 'minx', 'miny', 'maxx', 'maxy', 'parcel_code'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_registry_parcel_finder', table_name='registry_parcel')
    op.drop_table('finder_lot_watermark')
    op.drop_index('ix_finder_saved_search_user', table_name='finder_saved_search')
    op.drop_table('finder_saved_search')
