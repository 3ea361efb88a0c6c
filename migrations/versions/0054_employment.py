"""Employment register (issue #20 item 4, requirements E1, E2): jobs, job seekers with consent, applications

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-07 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0054'
down_revision: str | None = '0053'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('employment_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_application')),
    sa.UniqueConstraint('job_id', 'seeker_id', name='uq_employment_application_job_seeker')
    )
    with op.batch_alter_table('employment_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_application_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index('ix_employment_application_job', ['job_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_application_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_application_status'), ['status'], unique=False)

    op.create_table('employment_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('wage_min_fen', sa.Integer(), nullable=False),
    sa.Column('wage_max_fen', sa.Integer(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('reviewed_by', sa.String(length=80), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('headcount >= 1', name=op.f('ck_employment_job_headcount')),
    sa.CheckConstraint('wage_min_fen >= 0 AND wage_min_fen <= wage_max_fen', name=op.f('ck_employment_job_wage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_job'))
    )
    with op.batch_alter_table('employment_job', schema=None) as batch_op:
        batch_op.create_index('ix_employment_job_employer', ['employer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_job_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_job_status'), ['status'], unique=False)

    op.create_table('employment_job_seeker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('wage_expect_fen', sa.Integer(), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_job_seeker')),
    sa.UniqueConstraint('user_id', name=op.f('uq_employment_job_seeker_user_id'))
    )
    with op.batch_alter_table('employment_job_seeker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_job_seeker_consent'), ['consent'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_job_seeker_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_job_seeker_region_code'), ['region_code'], unique=False)


    op.create_table('employment_training_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('enrolled', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('enrolled >= 0 AND enrolled <= capacity', name=op.f('ck_employment_training_course_capacity')),
    sa.CheckConstraint('sessions >= 1', name=op.f('ck_employment_training_course_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_training_course'))
    )
    with op.batch_alter_table('employment_training_course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_training_course_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_training_course_status'), ['status'], unique=False)

    op.create_table('employment_training_enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('certificate_no', sa.String(length=32), nullable=True),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_training_enrolment')),
    sa.UniqueConstraint('certificate_no', name=op.f('uq_employment_training_enrolment_certificate_no')),
    sa.UniqueConstraint('course_id', 'user_id', name='uq_employment_training_enrolment_course_user')
    )
    with op.batch_alter_table('employment_training_enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_training_enrolment_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_training_enrolment_user_id'), ['user_id'], unique=False)

    op.create_table('employment_training_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('session_no', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_training_attendance')),
    sa.UniqueConstraint('enrolment_id', 'session_no', name='uq_employment_training_attendance_session')
    )
    with op.batch_alter_table('employment_training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_training_attendance_enrolment_id'), ['enrolment_id'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('employment_training_attendance')
    op.drop_table('employment_training_enrolment')
    op.drop_table('employment_training_course')
    with op.batch_alter_table('employment_job_seeker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_job_seeker_region_code'))
        batch_op.drop_index(batch_op.f('ix_employment_job_seeker_party_id'))
        batch_op.drop_index(batch_op.f('ix_employment_job_seeker_consent'))

    op.drop_table('employment_job_seeker')
    with op.batch_alter_table('employment_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_job_status'))
        batch_op.drop_index(batch_op.f('ix_employment_job_region_code'))
        batch_op.drop_index('ix_employment_job_employer')

    op.drop_table('employment_job')
    with op.batch_alter_table('employment_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_application_status'))
        batch_op.drop_index(batch_op.f('ix_employment_application_seeker_id'))
        batch_op.drop_index('ix_employment_application_job')
        batch_op.drop_index(batch_op.f('ix_employment_application_employer_id'))

    op.drop_table('employment_application')
