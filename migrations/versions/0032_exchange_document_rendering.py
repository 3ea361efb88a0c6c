"""Exchange documents rendered after the award's commit: the content's SHA-256 is recorded at issue, the PDF's
SHA-256, size and ledger event when the worker has rendered it (``rendered_at``). Documents issued before this
revision were rendered at issue: their content digest is computed here and ``rendered_at`` is their issue time.

Revision ID: 0032
Revises: 0031
"""
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _digest(content: object) -> str:
    # the canonical form of landbridge.exchange.documents.content_digest, frozen here as this revision wrote it
    if isinstance(content, str):
        content = json.loads(content)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('exchange_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('render_seq', sa.Integer(), nullable=True))
        batch_op.alter_column('sha256', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('size_bytes', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_exchange_document_rendered_at', ['rendered_at'], unique=False)
    bind = op.get_bind()
    table = sa.table('exchange_document', sa.column('id', sa.Integer), sa.column('content', sa.JSON),
                     sa.column('content_sha256', sa.String), sa.column('issued_at', sa.DateTime(timezone=True)),
                     sa.column('rendered_at', sa.DateTime(timezone=True)), sa.column('ledger_seq', sa.Integer),
                     sa.column('render_seq', sa.Integer))
    for row in bind.execute(sa.select(table.c.id, table.c.content, table.c.issued_at, table.c.ledger_seq)).all():
        bind.execute(table.update().where(table.c.id == row.id).values(
            content_sha256=_digest(row.content), rendered_at=row.issued_at, render_seq=row.ledger_seq))
    with op.batch_alter_table('exchange_document', schema=None) as batch_op:
        batch_op.alter_column('content_sha256', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM exchange_document WHERE sha256 IS NULL"))
    with op.batch_alter_table('exchange_document', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_document_rendered_at')
        batch_op.alter_column('size_bytes', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('sha256', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('render_seq')
        batch_op.drop_column('rendered_at')
        batch_op.drop_column('content_sha256')
