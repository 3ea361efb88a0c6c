"""The credit scorecard's model registry (issue #18 scope 3)

Revision ID: 0039
Revises: 0038
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'credit_scorecard_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('data_sha256', sa.String(length=64), nullable=False),
        sa.Column('n_rows', sa.Integer(), nullable=False),
        sa.Column('table_sha256', sa.String(length=64), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('points_table', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('ledger_seq', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_scorecard_model')),
        sa.UniqueConstraint('version', name=op.f('uq_credit_scorecard_model_version')),
    )


def downgrade() -> None:
    op.drop_table('credit_scorecard_model')
