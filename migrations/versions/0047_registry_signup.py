"""Self-registration with real-name verification (issue #20 item 2): one-time sign-up codes; organisations' sign-ups

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
    op.create_table('registry_org_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('agent_user_id', sa.Integer(), nullable=False),
    sa.Column('agent_party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('letter_ref', sa.String(length=60), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_party_id'], ['registry_party.id'],
                            name=op.f('fk_registry_org_signup_agent_party_id_registry_party')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'],
                            name=op.f('fk_registry_org_signup_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_org_signup'))
    )
    op.create_index(op.f('ix_registry_org_signup_agent_user_id'), 'registry_org_signup', ['agent_user_id'],
                    unique=False)
    op.create_index(op.f('ix_registry_org_signup_status'), 'registry_org_signup', ['status'], unique=False)
    op.create_index('uq_registry_org_signup_pending', 'registry_org_signup', ['party_id'], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_registry_org_signup_pending', table_name='registry_org_signup')
    op.drop_index(op.f('ix_registry_org_signup_status'), table_name='registry_org_signup')
    op.drop_index(op.f('ix_registry_org_signup_agent_user_id'), table_name='registry_org_signup')
    op.drop_table('registry_org_signup')
    op.drop_index(op.f('ix_registry_signup_party_id'), table_name='registry_signup')
    op.drop_table('registry_signup')
