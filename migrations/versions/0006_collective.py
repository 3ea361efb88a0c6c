"""collective: Collective economy (C1, C2, L3): organisations, members, shares, meetings, votes, dividends

Revision ID: 0006
Revises: 0005

Shares are BIGINT hundredths of a share (``*_shares``), money BIGINT fen (``*_cny``). Partial unique
indexes keep one active roll entry per person, one active seat per body and member; unique indexes
allow one ballot per voter and motion and one dividend run per period.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('collective_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('village_committee_party_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('company_party_id', sa.Integer(), nullable=True),
    sa.Column('total_shares', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_party_id'], ['registry_party.id'], name=op.f('fk_collective_organisation_company_party_id_registry_party')),
    sa.ForeignKeyConstraint(['organisation_id'], ['auth_organisation.id'], name=op.f('fk_collective_organisation_organisation_id_auth_organisation')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_collective_organisation_party_id_registry_party')),
    sa.ForeignKeyConstraint(['village_committee_party_id'], ['registry_party.id'], name=op.f('fk_collective_organisation_village_committee_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_organisation')),
    sa.UniqueConstraint('party_id', name=op.f('uq_collective_organisation_party_id'))
    )
    with op.batch_alter_table('collective_organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_organisation_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_organisation_region_code'), ['region_code'], unique=False)

    op.create_table('collective_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('value_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('from_fiscal_funds', sa.Boolean(), nullable=False),
    sa.Column('fund_source', sa.String(length=200), nullable=True),
    sa.Column('acquired_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_asset_collective_id_collective_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_asset'))
    )
    with op.batch_alter_table('collective_asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_asset_collective_id'), ['collective_id'], unique=False)

    op.create_table('collective_book',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=24), nullable=False),
    sa.Column('owner_party_id', sa.Integer(), nullable=False),
    sa.Column('balance_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('balance_cny >= 0', name=op.f('ck_collective_book_balance_non_negative')),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_book_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['owner_party_id'], ['registry_party.id'], name=op.f('fk_collective_book_owner_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_book'))
    )
    with op.batch_alter_table('collective_book', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_book_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_book_owner_party_id'), ['owner_party_id'], unique=False)
        batch_op.create_index('uq_collective_book_owner', ['collective_id', 'owner'], unique=True)

    op.create_table('collective_dividend_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('total_shares', sa.BigInteger(), nullable=False),
    sa.Column('account_count', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('resolution_ref', sa.String(length=200), nullable=True),
    sa.Column('rows_sha256', sa.String(length=64), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_dividend_run_collective_id_collective_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_dividend_run'))
    )
    with op.batch_alter_table('collective_dividend_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_dividend_run_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index('uq_collective_dividend_period', ['collective_id', 'period'], unique=True)

    op.create_table('collective_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('minutes_sha256', sa.String(length=64), nullable=True),
    sa.Column('minutes_ledger_seq', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_meeting_collective_id_collective_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_meeting'))
    )
    with op.batch_alter_table('collective_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_meeting_collective_id'), ['collective_id'], unique=False)

    op.create_table('collective_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('household_party_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('farm_since', sa.Date(), nullable=True),
    sa.Column('admitted_on', sa.Date(), nullable=False),
    sa.Column('admission_ground', sa.String(length=24), nullable=False),
    sa.Column('admission_evidence', sa.String(length=300), nullable=True),
    sa.Column('admission_motion_id', sa.Integer(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_ground', sa.String(length=24), nullable=True),
    sa.Column('end_evidence', sa.String(length=300), nullable=True),
    sa.Column('successor_member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_member_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['household_party_id'], ['registry_party.id'], name=op.f('fk_collective_member_household_party_id_registry_party')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_collective_member_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_member'))
    )
    with op.batch_alter_table('collective_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_member_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_member_household_party_id'), ['household_party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_member_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_member_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_member_status'), ['status'], unique=False)
        batch_op.create_index('uq_collective_member_active_party', ['party_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('collective_quantification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('base_date', sa.Date(), nullable=False),
    sa.Column('asset_value_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('fiscal_asset_value_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('total_shares', sa.BigInteger(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('account_count', sa.Integer(), nullable=False),
    sa.Column('rule_version', sa.String(length=10), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('resolution_ref', sa.String(length=200), nullable=True),
    sa.Column('rows_sha256', sa.String(length=64), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_quantification_collective_id_collective_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_quantification')),
    sa.UniqueConstraint('collective_id', name=op.f('uq_collective_quantification_collective_id'))
    )
    op.create_table('collective_share_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('holder_party_id', sa.Integer(), nullable=False),
    sa.Column('balance_shares', sa.BigInteger(), nullable=False),
    sa.Column('pledged_shares', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('balance_shares >= 0', name=op.f('ck_collective_share_account_balance_non_negative')),
    sa.CheckConstraint('pledged_shares >= 0 AND pledged_shares <= balance_shares', name=op.f('ck_collective_share_account_pledged_within_balance')),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_share_account_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['holder_party_id'], ['registry_party.id'], name=op.f('fk_collective_share_account_holder_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_share_account'))
    )
    with op.batch_alter_table('collective_share_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_share_account_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_account_holder_party_id'), ['holder_party_id'], unique=False)
        batch_op.create_index('uq_collective_share_account_holder', ['collective_id', 'holder_party_id'], unique=True)

    op.create_table('collective_book_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('memo', sa.String(length=300), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('dividend_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount_cny > 0', name=op.f('ck_collective_book_entry_amount_positive')),
    sa.ForeignKeyConstraint(['book_id'], ['collective_book.id'], name=op.f('fk_collective_book_entry_book_id_collective_book')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_book_entry'))
    )
    with op.batch_alter_table('collective_book_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_book_entry_book_id'), ['book_id'], unique=False)

    op.create_table('collective_dividend_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('holder_party_id', sa.Integer(), nullable=False),
    sa.Column('shares', sa.BigInteger(), nullable=False),
    sa.Column('pledged_shares', sa.BigInteger(), nullable=False),
    sa.Column('amount_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['collective_share_account.id'], name=op.f('fk_collective_dividend_line_account_id_collective_share_account')),
    sa.ForeignKeyConstraint(['holder_party_id'], ['registry_party.id'], name=op.f('fk_collective_dividend_line_holder_party_id_registry_party')),
    sa.ForeignKeyConstraint(['run_id'], ['collective_dividend_run.id'], name=op.f('fk_collective_dividend_line_run_id_collective_dividend_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_dividend_line'))
    )
    with op.batch_alter_table('collective_dividend_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_dividend_line_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_dividend_line_holder_party_id'), ['holder_party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_dividend_line_run_id'), ['run_id'], unique=False)

    op.create_table('collective_motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('threshold', sa.String(length=32), nullable=False),
    sa.Column('subject_ref', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('roster_size', sa.Integer(), nullable=True),
    sa.Column('roster_sha256', sa.String(length=64), nullable=True),
    sa.Column('yes_count', sa.Integer(), nullable=True),
    sa.Column('no_count', sa.Integer(), nullable=True),
    sa.Column('abstain_count', sa.Integer(), nullable=True),
    sa.Column('quorum_met', sa.Boolean(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('ballots_sha256', sa.String(length=64), nullable=True),
    sa.Column('open_ledger_seq', sa.BigInteger(), nullable=True),
    sa.Column('seal_ledger_seq', sa.BigInteger(), nullable=True),
    sa.Column('rule_version', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_motion_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['meeting_id'], ['collective_meeting.id'], name=op.f('fk_collective_motion_meeting_id_collective_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_motion'))
    )
    with op.batch_alter_table('collective_motion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_motion_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_motion_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_motion_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_motion_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_motion_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_motion_subject_ref'), ['subject_ref'], unique=False)

    op.create_table('collective_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_seat_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['member_id'], ['collective_member.id'], name=op.f('fk_collective_seat_member_id_collective_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_seat'))
    )
    with op.batch_alter_table('collective_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_seat_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_seat_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_seat_status'), ['status'], unique=False)
        batch_op.create_index('uq_collective_seat_active', ['body', 'member_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('collective_share_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('delta_shares', sa.BigInteger(), nullable=False),
    sa.Column('pledged_delta_shares', sa.BigInteger(), nullable=False),
    sa.Column('counterpart_account_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('quantification_id', sa.Integer(), nullable=True),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('ground', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['collective_share_account.id'], name=op.f('fk_collective_share_entry_account_id_collective_share_account')),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_share_entry_collective_id_collective_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_share_entry'))
    )
    with op.batch_alter_table('collective_share_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_share_entry_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_entry_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_entry_quantification_id'), ['quantification_id'], unique=False)

    op.create_table('collective_share_pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('quantity_shares', sa.BigInteger(), nullable=False),
    sa.Column('pledgee_party_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['collective_share_account.id'], name=op.f('fk_collective_share_pledge_account_id_collective_share_account')),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_share_pledge_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['pledgee_party_id'], ['registry_party.id'], name=op.f('fk_collective_share_pledge_pledgee_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_share_pledge'))
    )
    with op.batch_alter_table('collective_share_pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_share_pledge_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_pledge_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_pledge_pledgee_party_id'), ['pledgee_party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_share_pledge_status'), ['status'], unique=False)

    op.create_table('collective_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('receipt', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['collective_member.id'], name=op.f('fk_collective_ballot_member_id_collective_member')),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'], name=op.f('fk_collective_ballot_motion_id_collective_motion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_ballot')),
    sa.UniqueConstraint('receipt', name=op.f('uq_collective_ballot_receipt'))
    )
    with op.batch_alter_table('collective_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_ballot_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_collective_ballot_voter', ['motion_id', 'member_id'], unique=True)

    op.create_table('collective_conversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('company_party_id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('total_shares', sa.BigInteger(), nullable=False),
    sa.Column('holder_count', sa.Integer(), nullable=False),
    sa.Column('cap_table_sha256', sa.String(length=64), nullable=False),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_conversion_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['company_party_id'], ['registry_party.id'], name=op.f('fk_collective_conversion_company_party_id_registry_party')),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'], name=op.f('fk_collective_conversion_motion_id_collective_motion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_conversion')),
    sa.UniqueConstraint('collective_id', name=op.f('uq_collective_conversion_collective_id'))
    )
    op.create_table('collective_equity_contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('project_party_id', sa.Integer(), nullable=False),
    sa.Column('valuation_cny', landbridge.kernel.money.MoneyColumn(), nullable=False),
    sa.Column('equity_num', sa.Integer(), nullable=False),
    sa.Column('equity_den', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('equity_num > 0 AND equity_den > 0 AND equity_num <= equity_den', name=op.f('ck_collective_equity_contribution_equity_fraction')),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_organisation.id'], name=op.f('fk_collective_equity_contribution_collective_id_collective_organisation')),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'], name=op.f('fk_collective_equity_contribution_motion_id_collective_motion')),
    sa.ForeignKeyConstraint(['project_party_id'], ['registry_party.id'], name=op.f('fk_collective_equity_contribution_project_party_id_registry_party')),
    sa.ForeignKeyConstraint(['right_id'], ['registry_right.id'], name=op.f('fk_collective_equity_contribution_right_id_registry_right')),
    sa.ForeignKeyConstraint(['unit_id'], ['registry_property_unit.id'], name=op.f('fk_collective_equity_contribution_unit_id_registry_property_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_equity_contribution'))
    )
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_equity_contribution_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_equity_contribution_unit_id'), ['unit_id'], unique=False)

    op.create_table('collective_roster_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['collective_member.id'], name=op.f('fk_collective_roster_entry_member_id_collective_member')),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'], name=op.f('fk_collective_roster_entry_motion_id_collective_motion')),
    sa.ForeignKeyConstraint(['party_id'], ['registry_party.id'], name=op.f('fk_collective_roster_entry_party_id_registry_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_roster_entry'))
    )
    with op.batch_alter_table('collective_roster_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collective_roster_entry_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collective_roster_entry_party_id'), ['party_id'], unique=False)
        batch_op.create_index('uq_collective_roster_entry', ['motion_id', 'member_id'], unique=True)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('collective_roster_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_roster_entry')
        batch_op.drop_index(batch_op.f('ix_collective_roster_entry_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_roster_entry_member_id'))

    op.drop_table('collective_roster_entry')
    with op.batch_alter_table('collective_equity_contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_equity_contribution_unit_id'))
        batch_op.drop_index(batch_op.f('ix_collective_equity_contribution_collective_id'))

    op.drop_table('collective_equity_contribution')
    op.drop_table('collective_conversion')
    with op.batch_alter_table('collective_ballot', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_ballot_voter')
        batch_op.drop_index(batch_op.f('ix_collective_ballot_member_id'))

    op.drop_table('collective_ballot')
    with op.batch_alter_table('collective_share_pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_share_pledge_status'))
        batch_op.drop_index(batch_op.f('ix_collective_share_pledge_pledgee_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_share_pledge_collective_id'))
        batch_op.drop_index(batch_op.f('ix_collective_share_pledge_account_id'))

    op.drop_table('collective_share_pledge')
    with op.batch_alter_table('collective_share_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_share_entry_quantification_id'))
        batch_op.drop_index(batch_op.f('ix_collective_share_entry_collective_id'))
        batch_op.drop_index(batch_op.f('ix_collective_share_entry_account_id'))

    op.drop_table('collective_share_entry')
    with op.batch_alter_table('collective_seat', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_seat_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_collective_seat_status'))
        batch_op.drop_index(batch_op.f('ix_collective_seat_member_id'))
        batch_op.drop_index(batch_op.f('ix_collective_seat_collective_id'))

    op.drop_table('collective_seat')
    with op.batch_alter_table('collective_motion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_motion_subject_ref'))
        batch_op.drop_index(batch_op.f('ix_collective_motion_status'))
        batch_op.drop_index(batch_op.f('ix_collective_motion_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_collective_motion_kind'))
        batch_op.drop_index(batch_op.f('ix_collective_motion_collective_id'))
        batch_op.drop_index(batch_op.f('ix_collective_motion_closes_at'))

    op.drop_table('collective_motion')
    with op.batch_alter_table('collective_dividend_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_dividend_line_run_id'))
        batch_op.drop_index(batch_op.f('ix_collective_dividend_line_holder_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_dividend_line_account_id'))

    op.drop_table('collective_dividend_line')
    with op.batch_alter_table('collective_book_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_book_entry_book_id'))

    op.drop_table('collective_book_entry')
    with op.batch_alter_table('collective_share_account', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_share_account_holder')
        batch_op.drop_index(batch_op.f('ix_collective_share_account_holder_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_share_account_collective_id'))

    op.drop_table('collective_share_account')
    op.drop_table('collective_quantification')
    with op.batch_alter_table('collective_member', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_member_active_party', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_collective_member_status'))
        batch_op.drop_index(batch_op.f('ix_collective_member_region_code'))
        batch_op.drop_index(batch_op.f('ix_collective_member_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_member_household_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_member_collective_id'))

    op.drop_table('collective_member')
    with op.batch_alter_table('collective_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_meeting_collective_id'))

    op.drop_table('collective_meeting')
    with op.batch_alter_table('collective_dividend_run', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_dividend_period')
        batch_op.drop_index(batch_op.f('ix_collective_dividend_run_collective_id'))

    op.drop_table('collective_dividend_run')
    with op.batch_alter_table('collective_book', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_book_owner')
        batch_op.drop_index(batch_op.f('ix_collective_book_owner_party_id'))
        batch_op.drop_index(batch_op.f('ix_collective_book_collective_id'))

    op.drop_table('collective_book')
    with op.batch_alter_table('collective_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_asset_collective_id'))

    op.drop_table('collective_asset')
    with op.batch_alter_table('collective_organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collective_organisation_region_code'))
        batch_op.drop_index(batch_op.f('ix_collective_organisation_organisation_id'))

    op.drop_table('collective_organisation')
    # ### end Alembic commands ###
