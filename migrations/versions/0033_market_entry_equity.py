"""Market entry by contribution as equity (作价入股, issue #15): the case's passed equity_contribution motion and
the collective's equity contribution recorded when the result is confirmed

Revision ID: 0033
Revises: 0032
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('equity_motion_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('equity_contribution_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.drop_column('equity_contribution_id')
        batch_op.drop_column('equity_motion_id')
