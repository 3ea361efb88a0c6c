"""ledger privacy model: public envelopes and private parts stored apart, the tree rebuilt over envelopes and
re-signed, and one ledger_reanchored event linking the old tree's final head to the new tree (issue #12 item 1;
ADR 0010)

Existing rows kept their whole body (subject, actor, payload) public. Upgrade streams them in chunks: each body
becomes a private part (fresh random salt; the old leaf hash kept inside it, so a holder can link the old leaf
to the new one), each envelope is built and hashed, the tree is recomputed and every head re-signed, sequence
numbers unchanged (other tables point at them). A final ``ledger_reanchored`` event (module ``ledger``, fully
public) records the old tree's final signed head. Downgrade rebuilds the v1 bodies from envelope + private part,
which recomputes the very same v1 leaves, tree and (deterministic Ed25519) signatures for the events that existed
before the upgrade.

Revision ID: 0018
Revises: 0017
"""
import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from landbridge.kernel.clock import ensure_utc, now
from landbridge.ledger import merkle, rules
from landbridge.ledger.canonical import canonical_json
from landbridge.ledger.keys import key_id, load_signing_key
from landbridge.ledger.service import STATE_ROW_ID, subject_reference, tree_head_bytes

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000
SEQ = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

event_v2 = sa.table('ledger_event', sa.column('seq', SEQ), sa.column('recorded_at', sa.DateTime(timezone=True)),
                    sa.column('module', sa.String), sa.column('event_type', sa.String),
                    sa.column('subject', sa.String), sa.column('actor', sa.String), sa.column('body', sa.Text),
                    sa.column('subject_ref', sa.String), sa.column('public_subject', sa.String),
                    sa.column('private_digest', sa.LargeBinary), sa.column('envelope', sa.Text),
                    sa.column('leaf_hash', sa.LargeBinary), sa.column('tree_root', sa.LargeBinary),
                    sa.column('signature', sa.LargeBinary), sa.column('key_id', sa.String))
private_t = sa.table('ledger_private', sa.column('seq', SEQ), sa.column('salt', sa.LargeBinary),
                     sa.column('body', sa.Text))
staging_t = sa.table('ledger_private_staging', sa.column('seq', SEQ), sa.column('salt', sa.LargeBinary),
                     sa.column('body', sa.Text))
node_t = sa.table('ledger_node', sa.column('level', sa.Integer), sa.column('index', SEQ),
                  sa.column('hash', sa.LargeBinary))
state_t = sa.table('ledger_state', sa.column('id', sa.Integer), sa.column('size', sa.BigInteger),
                   sa.column('frontier', sa.Text))


def _chunks(conn: sa.Connection, columns: list[Any], join_private: bool = False) -> Iterator[list[Any]]:
    last = 0
    while True:
        stmt = sa.select(*columns)
        if join_private:
            stmt = stmt.select_from(event_v2.outerjoin(private_t, private_t.c.seq == event_v2.c.seq))
        rows = list(conn.execute(stmt.where(event_v2.c.seq > last).order_by(event_v2.c.seq).limit(CHUNK)))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _store_tree(conn: sa.Connection, frontier: merkle.Frontier) -> None:
    conn.execute(sa.update(state_t).where(state_t.c.id == STATE_ROW_ID)
                 .values(size=frontier.size, frontier=json.dumps([h.hex() for h in frontier.hashes])))


def _v1_body(seq: int, recorded_at: datetime, module: str, event_type: str, subject: str, actor: str,
             payload: Any) -> str:
    return canonical_json({"seq": seq, "recorded_at": ensure_utc(recorded_at), "module": module,
                           "event_type": event_type, "subject": subject, "actor": actor, "payload": payload})


def upgrade() -> None:
    conn = op.get_bind()
    # private parts are staged apart and moved under their foreign key once ledger_event is rebuilt (SQLite
    # recreates a table to drop columns, which it may not do while another table references it)
    op.create_table('ledger_private_staging',
    sa.Column('seq', SEQ, nullable=False),
    sa.Column('salt', sa.LargeBinary(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False))
    with op.batch_alter_table('ledger_event') as batch:
        batch.add_column(sa.Column('subject_ref', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('public_subject', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('private_digest', sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column('envelope', sa.Text(), nullable=True))

    key = load_signing_key()
    kid = key_id(key)
    old_head = conn.execute(sa.select(event_v2.c.seq, event_v2.c.tree_root, event_v2.c.signature,
                                      event_v2.c.key_id, event_v2.c.recorded_at)
                            .order_by(event_v2.c.seq.desc()).limit(1)).first()
    conn.execute(sa.delete(node_t))
    frontier = merkle.Frontier()
    cols = [event_v2.c.seq, event_v2.c.recorded_at, event_v2.c.module, event_v2.c.event_type, event_v2.c.subject,
            event_v2.c.actor, event_v2.c.body, event_v2.c.leaf_hash]

    def convert(seq: int, recorded_at: datetime, module: str, event_type: str, subject: str, actor: str,
                payload: Any, extra: dict[str, Any] | None,
                nodes: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
        body = rules.private_body(subject, actor, payload, extra)
        salt = os.urandom(rules.SALT_BYTES)
        digest = rules.private_digest(salt, body)
        ref = subject_reference(subject)
        public_subject = subject if rules.is_public_subject(subject) else None
        at = ensure_utc(recorded_at)
        entry = rules.envelope(seq=seq, recorded_at=at.isoformat(), module=module, event_type=event_type,
                               subject_ref=ref, public_subject=public_subject, digest=digest)
        leaf = merkle.leaf_hash(entry.encode('utf-8'))
        nodes.extend({'level': lv, 'index': ix, 'hash': h} for lv, ix, h in frontier.append(leaf))
        root = frontier.root()
        return ({'b_seq': seq, 'subject_ref': ref, 'public_subject': public_subject, 'private_digest': digest,
                 'envelope': entry, 'leaf_hash': leaf, 'tree_root': root,
                 'signature': key.sign(tree_head_bytes(seq, at, root)), 'key_id': kid},
                {'seq': seq, 'salt': salt, 'body': body})

    update = (sa.update(event_v2).where(event_v2.c.seq == sa.bindparam('b_seq'))
              .values({c: sa.bindparam(c) for c in ('subject_ref', 'public_subject', 'private_digest', 'envelope',
                                                    'leaf_hash', 'tree_root', 'signature', 'key_id')}))
    for rows in _chunks(conn, cols):
        nodes: list[dict[str, Any]] = []
        updates, privates = [], []
        for seq, recorded_at, module, event_type, subject, actor, body_text, old_leaf in rows:
            payload = json.loads(body_text)['payload']
            up, pr = convert(seq, recorded_at, module, event_type, subject, actor, payload,
                             {'v1_leaf_hash': old_leaf.hex()}, nodes)
            updates.append(up)
            privates.append(pr)
        conn.execute(update, updates)
        conn.execute(sa.insert(staging_t), privates)
        if nodes:
            conn.execute(sa.insert(node_t), nodes)

    if old_head is not None:  # the re-anchoring record: the old tree's final signed head, public in full
        seq = frontier.size + 1
        at = now()
        payload = {'reason': 'issue #12: envelopes and private parts; tree rebuilt over envelopes',
                   'v1_tree_size': old_head[0], 'v1_root_hash': old_head[1].hex(), 'v1_signature': old_head[2].hex(),
                   'v1_key_id': old_head[3], 'v1_signed_at': ensure_utc(old_head[4]).isoformat(),
                   'v1_leaf': 'SHA-256(0x00 ‖ canonical body); each event\'s v1 leaf is in its private part'}
        nodes: list[dict[str, Any]] = []
        conn.execute(sa.insert(event_v2).values(seq=seq, recorded_at=at, module='ledger',
                                                event_type='ledger_reanchored', subject='ledger:reanchor-0018',
                                                actor='migration:0018', body='{}', subject_ref='',
                                                private_digest=b'', envelope='', leaf_hash=b'', tree_root=b'',
                                                signature=b'', key_id=kid))
        up, pr = convert(seq, at, 'ledger', 'ledger_reanchored', 'ledger:reanchor-0018', 'migration:0018',
                         payload, None, nodes)
        conn.execute(update, [up])
        conn.execute(sa.insert(staging_t), [pr])
        if nodes:
            conn.execute(sa.insert(node_t), nodes)
    _store_tree(conn, frontier)

    with op.batch_alter_table('ledger_event') as batch:
        batch.drop_index('ix_ledger_event_subject')
        batch.drop_column('subject')
        batch.drop_column('actor')
        batch.drop_column('body')
        batch.alter_column('subject_ref', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('private_digest', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch.alter_column('envelope', existing_type=sa.Text(), nullable=False)
        batch.create_index(batch.f('ix_ledger_event_subject_ref'), ['subject_ref'], unique=False)
        batch.create_index(batch.f('ix_ledger_event_public_subject'), ['public_subject'], unique=False)
    op.create_table('ledger_private',
    sa.Column('seq', SEQ, nullable=False),
    sa.Column('salt', sa.LargeBinary(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['seq'], ['ledger_event.seq'], name=op.f('fk_ledger_private_seq_ledger_event')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_private')))
    conn.execute(sa.text('INSERT INTO ledger_private (seq, salt, body) '
                         'SELECT seq, salt, body FROM ledger_private_staging'))
    op.drop_table('ledger_private_staging')


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('ledger_event') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('actor', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('body', sa.Text(), nullable=True))
    key = load_signing_key()
    kid = key_id(key)
    conn.execute(sa.delete(node_t))
    frontier = merkle.Frontier()
    cols = [event_v2.c.seq, event_v2.c.recorded_at, event_v2.c.module, event_v2.c.event_type, private_t.c.body]
    update = (sa.update(event_v2).where(event_v2.c.seq == sa.bindparam('b_seq'))
              .values({c: sa.bindparam(c) for c in ('subject', 'actor', 'body', 'leaf_hash', 'tree_root',
                                                    'signature', 'key_id')}))
    for rows in _chunks(conn, cols, join_private=True):
        nodes: list[dict[str, Any]] = []
        updates = []
        for seq, recorded_at, module, event_type, private_text in rows:
            if private_text is None:
                raise RuntimeError(f'ledger event {seq} has no private part: its v1 body cannot be rebuilt')
            private = json.loads(private_text)
            body = _v1_body(seq, recorded_at, module, event_type, private['subject'], private['actor'],
                            private['payload'])
            leaf = merkle.leaf_hash(body.encode('utf-8'))
            nodes.extend({'level': lv, 'index': ix, 'hash': h} for lv, ix, h in frontier.append(leaf))
            root = frontier.root()
            updates.append({'b_seq': seq, 'subject': private['subject'], 'actor': private['actor'], 'body': body,
                            'leaf_hash': leaf, 'tree_root': root, 'key_id': kid,
                            'signature': key.sign(tree_head_bytes(seq, ensure_utc(recorded_at), root))})
        conn.execute(update, updates)
        if nodes:
            conn.execute(sa.insert(node_t), nodes)
    _store_tree(conn, frontier)
    op.drop_table('ledger_private')
    with op.batch_alter_table('ledger_event') as batch:
        batch.drop_index('ix_ledger_event_subject_ref')
        batch.drop_index('ix_ledger_event_public_subject')
        batch.drop_column('subject_ref')
        batch.drop_column('public_subject')
        batch.drop_column('private_digest')
        batch.drop_column('envelope')
        batch.alter_column('subject', existing_type=sa.String(length=200), nullable=False)
        batch.alter_column('actor', existing_type=sa.String(length=120), nullable=False)
        batch.alter_column('body', existing_type=sa.Text(), nullable=False)
        batch.create_index(batch.f('ix_ledger_event_subject'), ['subject'], unique=False)
