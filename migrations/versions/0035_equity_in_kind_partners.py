"""Market entry by contribution as equity (作价入股, issue #15): a contribution won by a consortium names every
member with its share (collective_equity_contribution.partners); a contribution whose result is annulled is
reversed (reversed_at, reversed_by, reversal_reason). The in-kind settlement itself needs no column:
its statuses (in_kind_due, in_kind) fit exchange_settlement.status.

Revision ID: 0035
Revises: 0034
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partners', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.drop_column('reversal_reason')
        batch_op.drop_column('reversed_by')
        batch_op.drop_column('reversed_at')
        batch_op.drop_column('partners')
