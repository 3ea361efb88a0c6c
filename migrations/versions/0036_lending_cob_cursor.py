"""Lending close of business by chunks (issue #17 item 4): the run's committed cursor, the highest loan id closed
in id order, so a resumed run reads on from it instead of rescanning the loans already closed

Revision ID: 0036
Revises: 0035
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lending_cob_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_loan_id', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('lending_cob_run', schema=None) as batch_op:
        batch_op.drop_column('last_loan_id')
