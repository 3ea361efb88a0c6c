"""auth: server-side web sessions, login throttle per scope, token revocation time (issue #12 item 5)

Revision ID: 0022
Revises: 0021
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('auth_web_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['auth_user.id'], name=op.f('fk_auth_web_session_user_id_auth_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_web_session')),
    sa.UniqueConstraint('sid_hash', name=op.f('uq_auth_web_session_sid_hash')))
    with op.batch_alter_table('auth_web_session') as batch:
        batch.create_index(batch.f('ix_auth_web_session_user_id'), ['user_id'], unique=False)
    op.create_table('auth_login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_login_throttle')),
    sa.UniqueConstraint('scope', 'key_digest', name='uq_auth_login_throttle_scope_key'))
    with op.batch_alter_table('auth_api_token') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('auth_api_token') as batch:
        batch.drop_column('revoked_at')
    op.drop_table('auth_login_throttle')
    op.drop_table('auth_web_session')
