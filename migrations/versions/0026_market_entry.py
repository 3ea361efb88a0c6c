"""market_entry: entry cases, their documents and the township desks' authorisations (issue #15); planning's
issued planning conditions (planning_issued_conditions).

Revision ID: 0026
Revises: 0025
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import landbridge.kernel.money

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('market_entry_authorisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('desk_organisation_id', sa.Integer(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_entry_authorisation'))
    )
    with op.batch_alter_table('market_entry_authorisation', schema=None) as batch_op:
        batch_op.create_index('ix_market_entry_authorisation_pair', ['collective_id', 'desk_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_entry_authorisation_status'), ['status'], unique=False)

    op.create_table('planning_issued_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('land_use', sa.String(length=8), nullable=False),
    sa.Column('max_plot_ratio', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('min_plot_ratio', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('max_building_density', sa.Numeric(precision=6, scale=4), nullable=True),
    sa.Column('max_height_m', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('min_green_ratio', sa.Numeric(precision=6, scale=4), nullable=True),
    sa.Column('industry_requirements', sa.Text(), nullable=False),
    sa.Column('environment_requirements', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_issued_conditions')),
    sa.UniqueConstraint('number', name=op.f('uq_planning_issued_conditions_number'))
    )
    with op.batch_alter_table('planning_issued_conditions', schema=None) as batch_op:
        batch_op.create_index('ix_planning_issued_conditions_parcel', ['parcel_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_issued_conditions_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_issued_conditions_status'), ['status'], unique=False)

    op.create_table('market_entry_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=False),
    sa.Column('collective_party_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('conditions_id', sa.Integer(), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=True),
    sa.Column('plan', sa.JSON(), nullable=True),
    sa.Column('council_meeting_id', sa.Integer(), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('objection_closes_on', sa.Date(), nullable=True),
    sa.Column('transaction_on', sa.Date(), nullable=True),
    sa.Column('objection', sa.Text(), nullable=True),
    sa.Column('objection_status', sa.String(length=16), nullable=True),
    sa.Column('appraised_value_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('appraisal_ref', sa.String(length=120), nullable=True),
    sa.Column('floor_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('start_price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('price_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('buyer_party_id', sa.Integer(), nullable=True),
    sa.Column('contract_no', sa.String(length=40), nullable=True),
    sa.Column('contract_sha256', sa.String(length=64), nullable=True),
    sa.Column('fee_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('adjustment_fee_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('proceeds_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('retained_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('members_cny', landbridge.kernel.money.MoneyColumn(), nullable=True),
    sa.Column('dividend_run_id', sa.Integer(), nullable=True),
    sa.Column('fees_settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registry_application_id', sa.Integer(), nullable=True),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawals', sa.Integer(), nullable=False),
    sa.Column('reminded_for', sa.String(length=40), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['collective_party_id'], ['registry_party.id'], name=op.f('fk_market_entry_case_collective_party_id_registry_party')),
    sa.ForeignKeyConstraint(['parcel_id'], ['registry_parcel.id'], name=op.f('fk_market_entry_case_parcel_id_registry_parcel')),
    sa.ForeignKeyConstraint(['right_id'], ['registry_right.id'], name=op.f('fk_market_entry_case_right_id_registry_right')),
    sa.ForeignKeyConstraint(['unit_id'], ['registry_property_unit.id'], name=op.f('fk_market_entry_case_unit_id_registry_property_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_entry_case')),
    sa.UniqueConstraint('number', name=op.f('uq_market_entry_case_number'))
    )
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_entry_case_collective_id'), ['collective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_entry_case_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_entry_case_parcel_id'), ['parcel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_entry_case_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_entry_case_status'), ['status'], unique=False)
        batch_op.create_index('ix_market_entry_case_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('market_entry_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('acknowledgement', sa.Text(), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['market_entry_case.id'], name=op.f('fk_market_entry_document_case_id_market_entry_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_entry_document'))
    )
    with op.batch_alter_table('market_entry_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_entry_document_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('market_entry_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_entry_document_case_id'))

    op.drop_table('market_entry_document')
    with op.batch_alter_table('market_entry_case', schema=None) as batch_op:
        batch_op.drop_index('ix_market_entry_case_unit_status')
        batch_op.drop_index(batch_op.f('ix_market_entry_case_status'))
        batch_op.drop_index(batch_op.f('ix_market_entry_case_region_code'))
        batch_op.drop_index(batch_op.f('ix_market_entry_case_parcel_id'))
        batch_op.drop_index(batch_op.f('ix_market_entry_case_lot_id'))
        batch_op.drop_index(batch_op.f('ix_market_entry_case_collective_id'))

    op.drop_table('market_entry_case')
    with op.batch_alter_table('planning_issued_conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planning_issued_conditions_status'))
        batch_op.drop_index(batch_op.f('ix_planning_issued_conditions_region_code'))
        batch_op.drop_index('ix_planning_issued_conditions_parcel')

    op.drop_table('planning_issued_conditions')
    with op.batch_alter_table('market_entry_authorisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_entry_authorisation_status'))
        batch_op.drop_index('ix_market_entry_authorisation_pair')

    op.drop_table('market_entry_authorisation')
