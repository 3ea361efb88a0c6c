"""privacy_personal_read: the audit trail of reads of unmasked personal records (issue #12 item 4)

Revision ID: 0017
Revises: 0016
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('privacy_personal_read',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reader', sa.String(length=120), nullable=False),
    sa.Column('reader_role', sa.String(length=40), nullable=False),
    sa.Column('reader_organisation_id', sa.Integer(), nullable=True),
    sa.Column('record', sa.String(length=200), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_personal_read')))
    with op.batch_alter_table('privacy_personal_read') as batch:
        batch.create_index(batch.f('ix_privacy_personal_read_read_at'), ['read_at'], unique=False)
        batch.create_index(batch.f('ix_privacy_personal_read_reader'), ['reader'], unique=False)
        batch.create_index(batch.f('ix_privacy_personal_read_record'), ['record'], unique=False)
        batch.create_index(batch.f('ix_privacy_personal_read_party_id'), ['party_id'], unique=False)


def downgrade() -> None:
    op.drop_table('privacy_personal_read')
