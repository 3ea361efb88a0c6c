"""planning: Planning (L2): territorial-plan zones, permitted uses, planning conditions, one-map layers

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.geo

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPATIAL_TABLES = ('planning_zone', 'planning_feature')


def upgrade() -> None:
    op.create_table('planning_zone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('plan_version', sa.String(length=200), nullable=False),
    sa.Column('zone_kind', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('geom', landbridge.kernel.geo.GeometryColumn(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('permitted_uses', sa.JSON(), nullable=False),
    sa.Column('max_plot_ratio', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('min_plot_ratio', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('max_building_density', sa.Numeric(precision=6, scale=4), nullable=True),
    sa.Column('max_height_m', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('min_green_ratio', sa.Numeric(precision=6, scale=4), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=120), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by', sa.String(length=120), nullable=True),
    sa.Column('supersede_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_zone'))
    )
    with op.batch_alter_table('planning_zone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_zone_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_zone_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_zone_zone_kind'), ['zone_kind'], unique=False)
        batch_op.create_index('ix_planning_zone_version_status', ['plan_version', 'status'], unique=False)
        batch_op.create_index('uq_planning_zone_version_code', ['plan_version', 'code'], unique=True)

    op.create_table('planning_feature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subkind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=True),
    sa.Column('geom', landbridge.kernel.geo.GeometryColumn('GEOMETRY'), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('attrs', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_feature'))
    )
    with op.batch_alter_table('planning_feature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_feature_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_feature_kind'), ['kind'], unique=False)

    # Spatial index: GiST on PostGIS; an R*Tree over the bounding-box columns on SQLite (kernel.spatial).
    bind = op.get_bind()
    for name in SPATIAL_TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(f"CREATE INDEX ix_{name}_geom ON {name} USING gist (geom)")
        else:
            op.execute(f"CREATE VIRTUAL TABLE {name}_rtree USING rtree(id, minx, maxx, miny, maxy)")
            trigger = (f"CREATE TRIGGER {name}_rtree_ins AFTER INSERT ON {name} BEGIN "  # noqa: S608 (constant names)
                       f"INSERT INTO {name}_rtree VALUES (new.id, new.minx, new.maxx, new.miny, new.maxy); END")
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SPATIAL_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_rtree_ins")
            op.execute(f"DROP TABLE IF EXISTS {name}_rtree")
    with op.batch_alter_table('planning_feature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planning_feature_kind'))
        batch_op.drop_index(batch_op.f('ix_planning_feature_code'))

    op.drop_table('planning_feature')
    with op.batch_alter_table('planning_zone', schema=None) as batch_op:
        batch_op.drop_index('uq_planning_zone_version_code')
        batch_op.drop_index('ix_planning_zone_version_status')
        batch_op.drop_index(batch_op.f('ix_planning_zone_zone_kind'))
        batch_op.drop_index(batch_op.f('ix_planning_zone_status'))
        batch_op.drop_index(batch_op.f('ix_planning_zone_region_code'))

    op.drop_table('planning_zone')
