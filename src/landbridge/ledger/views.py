"""Ledger API: signed tree head, its keys, events, inclusion and consistency proofs (P2; issue #12 item 1, ADR 0010).

Anyone reads the public layer: heads, proofs and every event's envelope. An event's private part (subject, actor,
payload and the salt that opens its digest) goes only to roles with a need to know (``rules.PRIVATE_READERS``,
scoped per record where a module says so), and each such read is recorded (``privacy.record_read``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.errors import DomainError
from landbridge.ledger import access, rules, service
from landbridge.ledger.errors import LedgerError
from landbridge.ledger.keys import public_key_bytes, verification_keys
from landbridge.privacy import Reader, record_read
from landbridge.web.transaction import AuditedReadRoute, TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"], route_class=TransactionalRoute)
audited = APIRouter(route_class=AuditedReadRoute)  # included below, under the router's prefix

MAX_SEQ = 2**63 - 1
PAGE_MAX = 200
READ_PURPOSE = "ledger.private_part"
PERSON_KINDS = ("party", "registry.party")  # subjects that name a party: its reads show on its "who read me" page


@router.get("/head")
def head(session: Session = Depends(get_session)) -> dict[str, Any]:
    """The latest signed tree head."""
    current = service.get_head(session)
    if current is None:
        raise LedgerError.EMPTY.error()
    return current.as_dict()


@router.get("/keys")
def keys() -> list[dict[str, str]]:
    """The public keys whose signatures this ledger's tree heads carry, oldest first: the retired ones (earlier
    heads) and the current one; an auditor verifies each head with the key its ``key_id`` names."""
    ring = verification_keys()
    last = next(reversed(ring))
    return [{"key_id": kid, "public_key": public_key_bytes(pub).hex(), "status": "current" if kid == last else
             "retired"} for kid, pub in ring.items()]


def envelope_of(event: service.Event) -> dict[str, Any]:
    """The public layer of an event: what anyone may read and verify (the envelope is the hashed leaf entry)."""
    return {"seq": event.seq, "recorded_at": event.recorded_at.isoformat(), "module": event.module,
            "event_type": event.event_type, "subject_ref": event.subject_ref, "subject": event.public_subject,
            "private_digest": event.private_digest.hex(), "envelope": event.envelope,
            "leaf_hash": event.leaf_hash.hex(), "tree_root": event.tree_root.hex(),
            "signature": event.signature.hex(), "key_id": event.key_id}


def _party_of(subject: str | None) -> int | None:
    if subject is None:
        return None
    kind, _, rest = subject.partition(":")
    return int(rest) if kind in PERSON_KINDS and rest.isdigit() else None


def _with_private(session: Session, principal: Principal | None, event: service.Event) -> dict[str, Any]:
    out = envelope_of(event)
    role = None if principal is None else principal.role.value
    if event.private_body is None or event.salt is None or not access.may_read_private(session, principal, role,
                                                                                        event):
        out["private"] = None
        return out
    if not rules.is_published(event.module, event.event_type):
        assert principal is not None  # only open modules and published results are readable anonymously
        record_read(session, reader=Reader(principal.actor, principal.role.value, principal.organisation_id),
                    record=f"ledger.private:{event.seq}", purpose=READ_PURPOSE, party_id=_party_of(event.subject))
    out["private"] = {"salt": event.salt.hex(), "body": event.private_body, **json.loads(event.private_body)}
    return out


@audited.get("/events/{seq}")
def event(seq: int = Path(ge=1, le=MAX_SEQ), principal: Principal | None = Depends(optional_principal),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """One event: its envelope for anyone; its private part (salt and body) for a reader with a need to know."""
    return _with_private(session, principal, service.get_event(session, seq))


def _subject_search_forbidden() -> DomainError:
    return LedgerError.SUBJECT_SEARCH_FORBIDDEN.error()


@audited.get("/events")
def events(subject: str | None = Query(default=None, min_length=1, max_length=200),
           subject_ref: str | None = Query(default=None, pattern="^[0-9a-f]{64}$"),
           module: str | None = Query(default=None, min_length=1, max_length=40),
           after: int = Query(default=0, ge=0, le=MAX_SEQ), limit: int = Query(default=50, ge=1, le=PAGE_MAX),
           proofs: bool = Query(default=False),
           principal: Principal | None = Depends(optional_principal),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """A page of events in sequence order, by subject (or its public reference) and module, after a sequence number,
    each with the address of its inclusion proof (and the proof itself with ``proofs=true``).

    A subject is looked up in the subject index (issue #14 item 7): every event that concerns it, whichever module
    wrote it, in the uniform spelling (``lot:7``) or a legacy one (``exchange.lot:7``).

    Anyone finds a public subject's history or a subject reference's; looking up a personal subject by name
    (``party:7``) is itself a disclosure and needs a role that may read that module's private parts (all modules
    for supervisors and admins).
    """
    if subject is not None and not rules.is_public_subject(subject):
        role = None if principal is None else principal.role.value
        allowed = role in rules.ALL_MODULES_READERS or (module is not None and rules.may_read_private(module, role)
                                                         and not rules.needs_scope_check(module, role))
        if not allowed:
            raise _subject_search_forbidden()
    found = service.list_events(session, module=module, subject=subject, subject_ref=subject_ref, after=after,
                                limit=limit)
    size = service.current_size(session)
    out = []
    for e in found:
        item = _with_private(session, principal, e)
        item["inclusion_proof_url"] = f"{router.prefix}/proofs/inclusion/{e.seq}?tree_size={size}"
        if proofs:  # the audit path against the current signed head, as /proofs/inclusion/{seq} serves it
            item["inclusion_proof"] = service.inclusion_proof(session, e.seq, size)
        out.append(item)
    return {"events": out, "tree_size": size, "next_after": found[-1].seq if len(found) == limit else None}


@router.get("/proofs/inclusion/{seq}")
def inclusion(seq: int = Path(ge=1, le=MAX_SEQ), tree_size: int | None = Query(default=None, ge=1, le=MAX_SEQ),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """Audit path of an event in the tree of ``tree_size`` events (default: the latest)."""
    size = tree_size or service.current_size(session)
    return service.inclusion_proof(session, seq, size)


@router.get("/proofs/consistency")
def consistency(first: int = Query(ge=1, le=MAX_SEQ), second: int = Query(ge=1, le=MAX_SEQ),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """Proof that an older tree is a prefix of a newer one."""
    return service.consistency_proof(session, first, second)


router.include_router(audited)
