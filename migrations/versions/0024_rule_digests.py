"""rule_digest on the records a rule set decided: lot, settlement, motion, registration application, mass run

Each holds the SHA-256 content digest of the resolved rule values (and their version dates) in force when
the record was decided (issue #13 item 2), so the numbers it used can be reproduced and checked.

Revision ID: 0024
Revises: 0022
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('exchange_lot', 'exchange_settlement', 'collective_motion', 'registry_application', 'valuation_mass_run')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('rule_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): no table copy, so rows that other tables reference
    # by foreign key stay where they are.
    for table in reversed(TABLES):
        op.drop_column(table, 'rule_digest')
