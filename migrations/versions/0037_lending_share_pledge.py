"""Lending against pledged collective asset shares (股权质押, issue #17): a loan's collateral is a registry right
or a share pledge, exactly one (right/unit/parcel nullable; the collective, share account, pledged shares and the
pledge recorded in the collective's share register)

Revision ID: 0037
Revises: 0036
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0037'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = ("(right_id IS NOT NULL AND unit_id IS NOT NULL AND parcel_id IS NOT NULL AND collective_id IS NULL"
         " AND share_account_id IS NULL AND pledged_shares IS NULL)"
         " OR (right_id IS NULL AND unit_id IS NULL AND parcel_id IS NULL AND collective_id IS NOT NULL"
         " AND share_account_id IS NOT NULL AND pledged_shares IS NOT NULL)")


def upgrade() -> None:
    with op.batch_alter_table('lending_loan', schema=None) as batch_op:
        batch_op.alter_column('right_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('parcel_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('collective_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('share_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pledged_shares', sa.Numeric(16, 2), nullable=True))
        batch_op.add_column(sa.Column('share_pledge_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_lending_loan_collective_id'), ['collective_id'], unique=False)
        batch_op.create_check_constraint(op.f('ck_lending_loan_one_collateral_kind'), CHECK)


def downgrade() -> None:
    with op.batch_alter_table('lending_loan', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lending_loan_one_collateral_kind'), type_='check')
        batch_op.drop_index(batch_op.f('ix_lending_loan_collective_id'))
        batch_op.drop_column('share_pledge_id')
        batch_op.drop_column('pledged_shares')
        batch_op.drop_column('share_account_id')
        batch_op.drop_column('collective_id')
        batch_op.alter_column('parcel_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('right_id', existing_type=sa.Integer(), nullable=False)
