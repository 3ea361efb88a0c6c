"""Market entry in the domains (issue #15): the exchange's entry terms of a collective construction land lot,
and the watermark of valuation's feed of completed lots from the exchange's ledger events

Revision ID: 0027
Revises: 0025
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_entry_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('land_use', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('term_years', sa.Integer(), nullable=False),
    sa.Column('equity_share', sa.String(length=24), nullable=True),
    sa.Column('plan_ref', sa.String(length=120), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['exchange_lot.id'], name=op.f('fk_exchange_entry_terms_lot_id_exchange_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_entry_terms')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_exchange_entry_terms_lot_id'))
    )
    op.create_table('valuation_feed_mark',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sales', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_valuation_feed_mark'))
    )


def downgrade() -> None:
    op.drop_table('valuation_feed_mark')
    op.drop_table('exchange_entry_terms')
