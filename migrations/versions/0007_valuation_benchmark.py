"""valuation_benchmark: Valuation benchmark price system (L1, F1): price zones, coefficient tables, versions

Also the sale flags of sales validation (非正常交易标记).

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.geo
import landbridge.kernel.money

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPATIAL_TABLES = ('valuation_price_zone',)
TABLES = ('valuation_sale_flag', 'valuation_price_zone', 'valuation_plot_ratio_point', 'valuation_date_index',
          'valuation_benchmark_factor', 'valuation_benchmark_system')


def upgrade() -> None:
    op.create_table('valuation_benchmark_system',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('base_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=120), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_benchmark_system')),
    sa.UniqueConstraint('code', name=op.f('uq_valuation_benchmark_system_code'))
    )
    with op.batch_alter_table('valuation_benchmark_system', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_benchmark_system_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_benchmark_system_status'), ['status'], unique=False)

    op.create_table('valuation_benchmark_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('attribute', sa.String(length=60), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('grade_values', sa.JSON(), nullable=False),
    sa.Column('default_grade', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['valuation_benchmark_system.id'], name=op.f('fk_valuation_benchmark_factor_system_id_valuation_benchmark_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_benchmark_factor'))
    )
    with op.batch_alter_table('valuation_benchmark_factor', schema=None) as batch_op:
        batch_op.create_index('ix_valuation_benchmark_factor_system_use', ['system_id', 'use'], unique=False)

    op.create_table('valuation_date_index',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('index_value', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['valuation_benchmark_system.id'], name=op.f('fk_valuation_date_index_system_id_valuation_benchmark_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_date_index'))
    )
    with op.batch_alter_table('valuation_date_index', schema=None) as batch_op:
        batch_op.create_index('uq_valuation_date_index', ['system_id', 'use', 'period'], unique=True)

    op.create_table('valuation_plot_ratio_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('plot_ratio', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['valuation_benchmark_system.id'], name=op.f('fk_valuation_plot_ratio_point_system_id_valuation_benchmark_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_plot_ratio_point'))
    )
    with op.batch_alter_table('valuation_plot_ratio_point', schema=None) as batch_op:
        batch_op.create_index('uq_valuation_plot_ratio_point', ['system_id', 'use', 'grade', 'plot_ratio'], unique=True)

    op.create_table('valuation_price_zone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('use', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('term_years', sa.Integer(), nullable=False),
    sa.Column('plot_ratio', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.Column('development_level', sa.String(length=40), nullable=False),
    sa.Column('geom', landbridge.kernel.geo.GeometryColumn(), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['valuation_benchmark_system.id'], name=op.f('fk_valuation_price_zone_system_id_valuation_benchmark_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_price_zone'))
    )
    with op.batch_alter_table('valuation_price_zone', schema=None) as batch_op:
        batch_op.create_index('ix_valuation_price_zone_system_use', ['system_id', 'use'], unique=False)
        batch_op.create_index('uq_valuation_price_zone_system_code', ['system_id', 'code'], unique=True)

    op.create_table('valuation_sale_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('run_no', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=120), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sale_id'], ['valuation_sale.id'], name=op.f('fk_valuation_sale_flag_sale_id_valuation_sale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_sale_flag'))
    )
    with op.batch_alter_table('valuation_sale_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_sale_flag_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_sale_flag_sale_id'), ['sale_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_sale_flag_status'), ['status'], unique=False)
        batch_op.create_index('uq_valuation_sale_flag_sale_reason', ['sale_id', 'reason'], unique=True)

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
    for name in TABLES:
        op.drop_table(name)
