"""Ledger API: signed tree head, events, inclusion and consistency proofs (public, P2)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge.errors import NotFound
from landbridge.kernel.clock import ensure_utc
from landbridge.ledger import service
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"], route_class=TransactionalRoute)


@router.get("/head")
def head(session: Session = Depends(get_session)) -> dict[str, Any]:
    """The latest signed tree head."""
    current = service.get_head(session)
    if current is None:
        raise NotFound("ledger.empty", "账本为空", "the ledger is empty")
    return current.as_dict()


@router.get("/events/{seq}")
def event(seq: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """One event with its leaf hash (the body is what was hashed)."""
    ev = service.get_event(session, seq)
    return {"seq": ev.seq, "recorded_at": ensure_utc(ev.recorded_at).isoformat(), "module": ev.module,
            "event_type": ev.event_type, "subject": ev.subject, "body": ev.body, "leaf_hash": ev.leaf_hash.hex(),
            "tree_root": ev.tree_root.hex(), "signature": ev.signature.hex(), "key_id": ev.key_id,
            "payload": json.loads(ev.body)["payload"]}


@router.get("/proofs/inclusion/{seq}")
def inclusion(seq: int, tree_size: int | None = Query(default=None, ge=1),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """Audit path of an event in the tree of ``tree_size`` events (default: the latest)."""
    size = tree_size or service.current_size(session)
    return service.inclusion_proof(session, seq, size)


@router.get("/proofs/consistency")
def consistency(first: int = Query(ge=1), second: int = Query(ge=1),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """Proof that an older tree is a prefix of a newer one."""
    return service.consistency_proof(session, first, second)
