"""Demands (issue #20 item 3): the 12345 practice's urgent demands (紧急), deadline extensions (延期), reopening (重办)
and merged duplicates (并单)

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-07 22:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0056'
down_revision: str | None = '0055'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('demand_ticket') as batch:
        batch.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('extension_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('extension_reason', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('extensions', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('reopens', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_demand_ticket_merged_into_id'), ['merged_into_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('demand_ticket') as batch:
        batch.drop_index(batch.f('ix_demand_ticket_merged_into_id'))
        for column in ('merged_into_id', 'reopens', 'extensions', 'extension_reason', 'extension_days', 'urgent'):
            batch.drop_column(column)
