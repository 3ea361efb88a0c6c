"""Assessment (考核评估) and the task board (挂图作战 / 倒排工期), issue #19 scope 4: assessment runs and their
scores, the plan's tasks and their milestones

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 21:57:09.414818
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0052'
down_revision: str | None = '0051'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessment_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('workdays', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_milestone'))
    )
    op.create_index('ix_assessment_milestone_due', 'assessment_milestone', ['done_on', 'due_on'], unique=False)
    op.create_index('uq_assessment_milestone', 'assessment_milestone', ['task_id', 'seq'], unique=True)

    op.create_table('assessment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('set_version', sa.String(length=40), nullable=False),
    sa.Column('set_digest', sa.String(length=64), nullable=False),
    sa.Column('code_version', sa.String(length=60), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=120), nullable=True),
    sa.Column('published_by', sa.String(length=120), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_run'))
    )
    op.create_index(op.f('ix_assessment_run_status'), 'assessment_run', ['status'], unique=False)
    op.create_index('uq_assessment_run', 'assessment_run', ['year', 'subject_kind', 'set_version'], unique=True)

    op.create_table('assessment_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('subject_code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('computed', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('adjusted', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('adjusted_by', sa.String(length=120), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_score'))
    )
    op.create_index(op.f('ix_assessment_score_run_id'), 'assessment_score', ['run_id'], unique=False)
    op.create_index('uq_assessment_score', 'assessment_score', ['run_id', 'subject_code'], unique=True)

    op.create_table('assessment_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_task'))
    )
    op.create_index(op.f('ix_assessment_task_owner_org_id'), 'assessment_task', ['owner_org_id'], unique=False)
    op.create_index(op.f('ix_assessment_task_region_code'), 'assessment_task', ['region_code'], unique=False)
    op.create_index(op.f('ix_assessment_task_status'), 'assessment_task', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_assessment_task_status'), table_name='assessment_task')
    op.drop_index(op.f('ix_assessment_task_region_code'), table_name='assessment_task')
    op.drop_index(op.f('ix_assessment_task_owner_org_id'), table_name='assessment_task')
    op.drop_table('assessment_task')
    op.drop_index('uq_assessment_score', table_name='assessment_score')
    op.drop_index(op.f('ix_assessment_score_run_id'), table_name='assessment_score')
    op.drop_table('assessment_score')
    op.drop_index('uq_assessment_run', table_name='assessment_run')
    op.drop_index(op.f('ix_assessment_run_status'), table_name='assessment_run')
    op.drop_table('assessment_run')
    op.drop_index('uq_assessment_milestone', table_name='assessment_milestone')
    op.drop_index('ix_assessment_milestone_due', table_name='assessment_milestone')
    op.drop_table('assessment_milestone')
