"""Market entry by contribution as equity (作价入股, issue #15): a contribution won by a consortium names every
member with its share (collective_equity_contribution.partners). The in-kind settlement itself needs no column:
its statuses (in_kind_due, in_kind) fit exchange_settlement.status.

Revision ID: 0034
Revises: 0033
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partners', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.drop_column('partners')
