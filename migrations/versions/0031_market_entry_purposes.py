"""Market entry purposes (L8): an urban-village phased redevelopment case's programme and phase, and the passed
conversion motion (撤村改制) a not-yet-converted collective relied on; the purpose column exists since 0026

Revision ID: 0031
Revises: 0030
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_ref', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('phase', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conversion_motion_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_market_entry_case_programme', ['collective_id', 'programme_ref', 'phase'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.drop_index('ix_market_entry_case_programme')
        batch_op.drop_column('conversion_motion_id')
        batch_op.drop_column('phase')
        batch_op.drop_column('programme_ref')
