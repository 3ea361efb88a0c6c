"""Secret ballots that can still be checked (issue #12 item 2): participation on the roster, an unlinked ballot box

Revision ID: 0019
Revises: 0017

- ``collective_roster_entry`` gains ``channel`` (how the voter took part, null until they do) and ``named_choice``
  (only for motions voted by name); ``collective_motion`` gains ``secrecy`` ('secret' for every existing motion).
- ``collective_ballot_box`` holds the choices with random ids and no voter, channel or time.
- The old ``collective_ballot`` rows (member next to choice) are split: participation is marked on the voter's
  roster row, the choice goes into the box under the old receipt (``legacy``), so sealed motions still recount to
  the ``ballots_sha256`` of their ``vote_sealed`` events and old receipts still check. A sealed motion's ballots
  are written in a cryptographically shuffled order with their position; an open motion's choices are sealed
  under the deployment's data key as new ones are. Then ``collective_ballot`` is dropped.
- The ledger is not rewritten: old ``ballot_cast`` events still hold receipt and choice, and their actor is the
  voter's user (see ADR 0005 addendum; the ledger's privacy model moves payload and actor to the private part).

Downgrade restores the schema but cannot restore which member cast which ballot: that link is what this
migration removes. It refuses while any ballot is in the box (restore a backup taken before the upgrade).
"""
import random
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from landbridge import privacy
from landbridge.collective.rules import box_context

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('collective_roster_entry') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('named_choice', sa.String(length=8), nullable=True))
    with op.batch_alter_table('collective_motion') as batch:
        batch.add_column(sa.Column('secrecy', sa.String(length=8), server_default='secret', nullable=False))
    op.create_table('collective_ballot_box',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('receipt_digest', sa.String(length=64), nullable=False),
    sa.Column('sealed_choice', sa.Text(), nullable=True),
    sa.Column('choice', sa.String(length=8), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('legacy', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'],
                            name=op.f('fk_collective_ballot_box_motion_id_collective_motion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_ballot_box')),
    sa.UniqueConstraint('receipt_digest', name=op.f('uq_collective_ballot_box_receipt_digest')))
    with op.batch_alter_table('collective_ballot_box') as batch:
        batch.create_index(batch.f('ix_collective_ballot_box_motion_id'), ['motion_id'], unique=False)
        batch.create_index('uq_collective_ballot_box_position', ['motion_id', 'position'], unique=True)
    _split_ballots()
    with op.batch_alter_table('collective_ballot') as batch:
        batch.drop_index('uq_collective_ballot_voter')
        batch.drop_index(batch.f('ix_collective_ballot_member_id'))
    op.drop_table('collective_ballot')


def _split_ballots() -> None:
    """Move each old ballot: participation to the roster row, the choice to the box, unlinked."""
    conn = op.get_bind()
    ballot = sa.table('collective_ballot', sa.column('motion_id', sa.Integer), sa.column('member_id', sa.Integer),
                      sa.column('choice', sa.String), sa.column('channel', sa.String), sa.column('receipt', sa.String))
    motion = sa.table('collective_motion', sa.column('id', sa.Integer), sa.column('status', sa.String))
    roster = sa.table('collective_roster_entry', sa.column('motion_id', sa.Integer),
                      sa.column('member_id', sa.Integer), sa.column('channel', sa.String))
    box = sa.table('collective_ballot_box', sa.column('id', sa.String), sa.column('motion_id', sa.Integer),
                   sa.column('receipt_digest', sa.String), sa.column('sealed_choice', sa.Text),
                   sa.column('choice', sa.String), sa.column('position', sa.Integer), sa.column('legacy', sa.Boolean))
    status = {int(i): str(st) for i, st in conn.execute(sa.select(motion.c.id, motion.c.status))}
    by_motion: dict[int, list[tuple[str, str]]] = {}
    for motion_id, member_id, choice, channel, receipt in conn.execute(
            sa.select(ballot.c.motion_id, ballot.c.member_id, ballot.c.choice, ballot.c.channel, ballot.c.receipt)):
        conn.execute(sa.update(roster).where(roster.c.motion_id == motion_id, roster.c.member_id == member_id)
                     .values(channel=channel))
        by_motion.setdefault(int(motion_id), []).append((str(receipt), str(choice)))
    shuffle = random.SystemRandom().shuffle
    for motion_id, ballots in by_motion.items():
        shuffle(ballots)  # neither rows' order nor positions keep the old (cast) order
        sealed = status.get(motion_id) == 'sealed'
        rows = []
        for position, (receipt, choice) in enumerate(ballots):
            entry_id = secrets.token_hex(16)
            rows.append({'id': entry_id, 'motion_id': motion_id, 'receipt_digest': receipt, 'legacy': True,
                         'choice': choice if sealed else None, 'position': position if sealed else None,
                         'sealed_choice': None if sealed else privacy.encrypt(
                             choice, context=box_context(motion_id, entry_id))})
        conn.execute(sa.insert(box), rows)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text('SELECT count(*) FROM collective_ballot_box')).scalar_one():
        raise RuntimeError('0019 cannot be downgraded with ballots in the box: which member cast which ballot is '
                           'no longer stored anywhere; restore the backup taken before the upgrade')
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
    sa.ForeignKeyConstraint(['member_id'], ['collective_member.id'],
                            name=op.f('fk_collective_ballot_member_id_collective_member')),
    sa.ForeignKeyConstraint(['motion_id'], ['collective_motion.id'],
                            name=op.f('fk_collective_ballot_motion_id_collective_motion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_ballot')),
    sa.UniqueConstraint('receipt', name=op.f('uq_collective_ballot_receipt')))
    with op.batch_alter_table('collective_ballot') as batch:
        batch.create_index(batch.f('ix_collective_ballot_member_id'), ['member_id'], unique=False)
        batch.create_index('uq_collective_ballot_voter', ['motion_id', 'member_id'], unique=True)
    with op.batch_alter_table('collective_ballot_box') as batch:
        batch.drop_index('uq_collective_ballot_box_position')
        batch.drop_index(batch.f('ix_collective_ballot_box_motion_id'))
    op.drop_table('collective_ballot_box')
    # plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch copy of collective_motion would drop a table
    # other tables reference
    op.execute('ALTER TABLE collective_motion DROP COLUMN secrecy')
    op.execute('ALTER TABLE collective_roster_entry DROP COLUMN named_choice')
    op.execute('ALTER TABLE collective_roster_entry DROP COLUMN channel')
