"""lending: a restructured loan's day (重组, classified at least 次级 from then on) and the loan contract issued at
approval (借款抵押合同: content with its SHA-256, the PDF's SHA-256 and size once rendered) (issue #17)

Revision ID: 0034
Revises: 0033
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lending_loan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restructured_on', sa.Date(), nullable=True))
    op.create_table('lending_contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('render_seq', sa.Integer(), nullable=True),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['loan_id'], ['lending_loan.id'], name=op.f('fk_lending_contract_loan_id_lending_loan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_contract')),
    sa.UniqueConstraint('loan_id', name=op.f('uq_lending_contract_loan_id')),
    sa.UniqueConstraint('number', name=op.f('uq_lending_contract_number'))
    )
    op.create_index(op.f('ix_lending_contract_rendered_at'), 'lending_contract', ['rendered_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lending_contract_rendered_at'), table_name='lending_contract')
    op.drop_table('lending_contract')
    with op.batch_alter_table('lending_loan', schema=None) as batch_op:
        batch_op.drop_column('restructured_on')
