"""valuation_sales: Valuation (L1, F1): the sales record

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('valuation_counter',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_valuation_counter'))
    )
    op.create_table('valuation_sale_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('sale_count', sa.Integer(), nullable=False),
    sa.Column('rows_sha256', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_sale_batch')),
    sa.UniqueConstraint('batch_no', name=op.f('uq_valuation_sale_batch_batch_no'))
    )
    op.create_table('valuation_sale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_no', sa.String(length=20), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('unit_code', sa.String(length=28), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('land_use_class', sa.String(length=8), nullable=False),
    sa.Column('right_type', sa.String(length=48), nullable=False),
    sa.Column('sale_date', sa.Date(), nullable=False),
    sa.Column('price_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('term_years', sa.Integer(), nullable=True),
    sa.Column('plot_ratio', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('buyer_party_id', sa.Integer(), nullable=True),
    sa.Column('seller_party_id', sa.Integer(), nullable=True),
    sa.Column('related_parties', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('price_cny > 0', name=op.f('ck_valuation_sale_price_positive')),
    sa.CheckConstraint('area_m2 > 0', name=op.f('ck_valuation_sale_area_positive')),
    sa.ForeignKeyConstraint(['parcel_id'], ['registry_parcel.id'], name=op.f('fk_valuation_sale_parcel_id_registry_parcel')),
    sa.ForeignKeyConstraint(['buyer_party_id'], ['registry_party.id'], name=op.f('fk_valuation_sale_buyer_party_id_registry_party')),
    sa.ForeignKeyConstraint(['seller_party_id'], ['registry_party.id'], name=op.f('fk_valuation_sale_seller_party_id_registry_party')),
    sa.ForeignKeyConstraint(['batch_id'], ['valuation_sale_batch.id'], name=op.f('fk_valuation_sale_batch_id_valuation_sale_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_sale')),
    sa.UniqueConstraint('sale_no', name=op.f('uq_valuation_sale_sale_no'))
    )
    with op.batch_alter_table('valuation_sale', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_sale_parcel_id'), ['parcel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_sale_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_sale_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_valuation_sale_use_date', ['land_use_class', 'sale_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('valuation_sale', schema=None) as batch_op:
        batch_op.drop_index('ix_valuation_sale_use_date')
        batch_op.drop_index(batch_op.f('ix_valuation_sale_batch_id'))
        batch_op.drop_index(batch_op.f('ix_valuation_sale_region_code'))
        batch_op.drop_index(batch_op.f('ix_valuation_sale_parcel_id'))
    op.drop_table('valuation_sale')
    op.drop_table('valuation_sale_batch')
    op.drop_table('valuation_counter')
