"""Self-registration with real-name verification (issue #20 item 2): one-time sign-up codes

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 19:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0047'
down_revision: str | None = '0046'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('registry_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_registry_signup_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_signup'))
    )
    op.create_index(op.f('ix_registry_signup_party_id'), 'registry_signup', ['party_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_registry_signup_party_id'), table_name='registry_signup')
    op.drop_table('registry_signup')
