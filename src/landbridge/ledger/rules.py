"""The ledger's privacy model as pure rules (issue #12 item 1; P2; 个人信息保护法 art. 6, 51; ADR 0010).

Each event is a public **envelope** and a **private part** stored apart:

- the envelope (canonical JSON, the Merkle leaf) holds the sequence number, time, module, event type, the opaque
  subject reference (HMAC of the subject under the deployment's index key), the subject in clear only when it names
  a public, non-personal thing (a lot, a certificate, a motion, ...), and ``private_digest``;
- the private part holds the subject, the actor and the payload, with a per-event random salt;
  ``private_digest = SHA-256(salt ‖ canonical private body)``, so the digest reveals nothing about a low-entropy
  value in the body and a holder of the private part proves it matches its envelope.

Who may read a module's private parts is the data below (need to know). No database, no web framework.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from landbridge.ledger.canonical import canonical_json, normalise

SALT_BYTES = 16
SUBJECT_PURPOSE = "ledger.subject"  # the HMAC purpose of subject references (keys differ per purpose)

# Subject kinds (the text before the first ':') of public, non-personal things. Their events name the subject in
# clear in the envelope, so a certificate's QR page, a lot's announcement or a motion's sealing is traceable by
# anyone. Everything not listed is treated as possibly personal: persons, users, members, accounts,
# organisations, applications, restrictions and sales are never in clear (allow-list, default private).
PUBLIC_SUBJECT_KINDS: frozenset[str] = frozenset({
    "certificate", "parcel", "zone", "plan", "layers", "benchmark", "mass_run", "mass_job", "sale_batch",
    "sale_flag_run", "exchange.lot", "collective", "collective.motion", "collective.meeting", "ledger",
    "lot", "motion", "meeting",  # the uniform spellings of the three above (ledger.subjects, issue #14 item 7)
})

# Who may read the private parts of a module's events (need to know). Supervisors and admins read every module.
# A role listed in SCOPED_READERS reads only the events that a module's registered scope check lets through.
ALL_MODULES_READERS: frozenset[str] = frozenset({"supervisor", "admin"})
PRIVATE_READERS: Mapping[str, frozenset[str]] = {
    "registry": frozenset({"registrar"}),
    "exchange": frozenset({"exchange_operator"}),
    "collective": frozenset({"collective_clerk", "township_official"}),
    "valuation": frozenset({"nr_official"}),
    "planning": frozenset({"nr_official"}),
    "market_entry": frozenset({"nr_official"}),
    "land_quota": frozenset({"nr_official"}),  # the county bureau keeps the quota ledger (issue #16)
    "maintenance": frozenset({"township_official"}),  # the township keeps the maintenance inventory (#20)
    "wage_arrears": frozenset({"labour_inspector"}),  # the county labour inspection handles wage arrears (#20)
    "employment": frozenset({"employment_officer"}),  # the public employment service (issue #20 item 4)
    "industry": frozenset({"nr_official"}),  # the bureau keeps the industry places and projects (#19 item 5)
    "auth": frozenset(),
}
SCOPED_READERS: Mapping[str, frozenset[str]] = {
    "collective": frozenset({"collective_clerk", "township_official"}),  # that collective's clerk, its township
}
# Modules whose private parts hold no personal data by construction: anyone reads them (the re-anchoring record).
OPEN_MODULES: frozenset[str] = frozenset({"ledger"})
# Events that record a result the rules publish, with aggregates and digests only: anyone reads their private part,
# so a member checks a sealed tally against the ledger (C1, 村务公开). The actor there is the official acting in
# office. A module adds a type here only when its payload carries no personal data.
PUBLISHED_EVENTS: frozenset[tuple[str, str]] = frozenset({
    ("collective", "vote_opened"), ("collective", "vote_sealed"),
})


def is_published(module: str, event_type: str) -> bool:
    """Whether anyone may read this event's private part (open module, or a published result)."""
    return module in OPEN_MODULES or (module, event_type) in PUBLISHED_EVENTS


def subject_kind(subject: str) -> str:
    """The kind of a subject string: ``exchange.lot:7`` → ``exchange.lot``; ``layers`` → ``layers``."""
    return subject.split(":", 1)[0]


def is_public_subject(subject: str) -> bool:
    """Whether a subject names a public, non-personal thing that may stand in clear in the envelope."""
    return subject_kind(subject) in PUBLIC_SUBJECT_KINDS


def private_body(subject: str, actor: str, payload: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    """The canonical text of an event's private part: who did it, to what, with which facts."""
    body: dict[str, Any] = {"subject": subject, "actor": actor, "payload": normalise(dict(payload))}
    if extra:
        body.update(extra)
    return canonical_json(body)


def private_digest(salt: bytes, body: str) -> bytes:
    """SHA-256(salt ‖ canonical private body): what the envelope commits to."""
    return hashlib.sha256(salt + body.encode("utf-8")).digest()


def envelope(*, seq: int, recorded_at: str, module: str, event_type: str, subject_ref: str,
             public_subject: str | None, digest: bytes) -> str:
    """The canonical text of an event's public envelope: the Merkle leaf's entry."""
    return canonical_json({"seq": seq, "recorded_at": recorded_at, "module": module, "event_type": event_type,
                           "subject_ref": subject_ref, "subject": public_subject, "private_digest": digest.hex()})


def may_read_private(module: str, role: str | None, event_type: str | None = None) -> bool:
    """Whether a role may read a module's private parts at all (before any per-record scope check)."""
    if module in OPEN_MODULES or (event_type is not None and (module, event_type) in PUBLISHED_EVENTS):
        return True
    if role is None:
        return False
    return role in ALL_MODULES_READERS or role in PRIVATE_READERS.get(module, frozenset())


def needs_scope_check(module: str, role: str | None, event_type: str | None = None) -> bool:
    """Whether a reader of this role sees only some of the module's events (e.g. a clerk, their collective's)."""
    if event_type is not None and is_published(module, event_type):
        return False
    return role is not None and role in SCOPED_READERS.get(module, frozenset())
