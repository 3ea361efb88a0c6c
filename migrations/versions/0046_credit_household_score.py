"""Credit (issue #18): the household scorecard's score, reason codes and model version on each grade row, the
yearly grading runs, and lending's guarantees (保证担保, refused to a barred guarantor)

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 15:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0046'
down_revision: str | None = '0045'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column('score_reasons', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('score_model', sa.Integer(), nullable=True))

    op.create_table('credit_grading_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=120), nullable=False),
    sa.Column('graded_on', sa.Date(), nullable=False),
    sa.Column('graded', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('score_model', sa.Integer(), nullable=True),
    sa.Column('by_grade', sa.JSON(), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('seconds', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_grading_run'))
    )
    with op.batch_alter_table('credit_grading_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_grading_run_status'), ['status'], unique=False)

    op.create_table('lending_guarantee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('guarantor_party_id', sa.Integer(), nullable=False),
    sa.Column('guarantor_kind', sa.String(length=16), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guarantor_party_id'], ['registry_party.id'],
                            name=op.f('fk_lending_guarantee_guarantor_party_id_registry_party')),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loan.id'], name=op.f('fk_lending_guarantee_loan_id_lending_loan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_guarantee'))
    )
    with op.batch_alter_table('lending_guarantee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lending_guarantee_guarantor_party_id'), ['guarantor_party_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_lending_guarantee_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lending_guarantee_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lending_guarantee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lending_guarantee_status'))
        batch_op.drop_index(batch_op.f('ix_lending_guarantee_loan_id'))
        batch_op.drop_index(batch_op.f('ix_lending_guarantee_guarantor_party_id'))
    op.drop_table('lending_guarantee')
    with op.batch_alter_table('credit_grading_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_grading_run_status'))
    op.drop_table('credit_grading_run')
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.drop_column('score_model')
        batch_op.drop_column('score_reasons')
        batch_op.drop_column('score')
