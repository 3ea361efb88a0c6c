"""Notices (issue #20 item 1): users' inboxes, also the delivery outbox

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 15:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0042'
down_revision: str | None = '0041'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('href', sa.String(length=200), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_notice_user_dedupe')
    )
    op.create_index('ix_notice_undelivered', 'notice', ['delivered_at'], unique=False)
    op.create_index('ix_notice_user_read', 'notice', ['user_id', 'read_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notice_user_read', table_name='notice')
    op.drop_index('ix_notice_undelivered', table_name='notice')
    op.drop_table('notice')
