"""demo_truth: Demo world: true values and sale truths, kept apart from the platform's own data

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('demo_true_value',
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('value_per_m2_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('value_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['parcel_id'], ['registry_parcel.id'], name=op.f('fk_demo_true_value_parcel_id_registry_parcel')),
    sa.PrimaryKeyConstraint('parcel_id', 'as_of', name=op.f('pk_demo_true_value'))
    )
    op.create_table('demo_sale_truth',
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('market', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('true_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.ForeignKeyConstraint(['sale_id'], ['valuation_sale.id'], name=op.f('fk_demo_sale_truth_sale_id_valuation_sale')),
    sa.PrimaryKeyConstraint('sale_id', name=op.f('pk_demo_sale_truth'))
    )


def downgrade() -> None:
    op.drop_table('demo_sale_truth')
    op.drop_table('demo_true_value')
