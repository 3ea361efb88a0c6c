"""Key rotation of the registry's encrypted personal data (issue #12 item 4; MLPS 2.0 level 3 key management).

A rotation re-encrypts every party's ID number and phone under the deployment's newest data key, a chunk of
rows per transaction (the job commits between chunks, so a city's million parties never sit in one transaction
and a stopped run resumes where it left off: rows already under the newest key are skipped). The blind indexes
do not change (the index key is not rotated here: a new index key would need a re-index of the unique column).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from landbridge.ledger import append_event, subjects
from landbridge.privacy import decrypt_many, encrypt_many, keyring, token_key_id
from landbridge.registry.models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Party

ROTATE_CHUNK = 5000
_PARTY: Table = Party.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class RotationStep:
    """One chunk of a rotation: the last party id looked at, rows scanned and rows re-encrypted."""

    last_id: int
    scanned: int
    rotated: int


def count_sealed_parties(session: Session) -> int:
    """How many parties hold an encrypted ID number or phone (the rotation's progress total)."""
    return int(session.execute(select(func.count()).select_from(Party).where(
        Party.id_number_enc.is_not(None) | Party.phone_enc.is_not(None))).scalar_one())


def _stale(token: str | None, current: str) -> bool:
    return token is not None and token_key_id(token) != current


def rotate_party_keys_chunk(session: Session, *, after_id: int = 0, chunk: int = ROTATE_CHUNK) -> RotationStep:
    """Re-encrypt under the newest data key the next ``chunk`` encrypted parties after ``after_id`` (the caller
    commits between chunks); rows already under the newest key are left as they are (idempotent, resumable)."""
    current = keyring().current[0]
    rows = session.execute(
        select(Party.id, Party.id_number_enc, Party.phone_enc)
        .where(Party.id > after_id, Party.id_number_enc.is_not(None) | Party.phone_enc.is_not(None))
        .order_by(Party.id).limit(chunk)).all()
    if not rows:
        return RotationStep(last_id=after_id, scanned=0, rotated=0)
    stale = [r for r in rows if _stale(r[1], current) or _stale(r[2], current)]
    if stale:
        ids_clear = decrypt_many([r[1] for r in stale], context=ID_NUMBER_CONTEXT)
        phones_clear = decrypt_many([r[2] for r in stale], context=PHONE_CONTEXT)
        ids_sealed = encrypt_many(ids_clear, context=ID_NUMBER_CONTEXT)
        phones_sealed = encrypt_many(phones_clear, context=PHONE_CONTEXT)
        stmt = (update(_PARTY).where(_PARTY.c.id == bindparam("pid"))
                .values(id_number_enc=bindparam("ie"), phone_enc=bindparam("pe")))
        session.connection().execute(stmt, [{"pid": r[0], "ie": ie, "pe": pe}
                                            for r, ie, pe in zip(stale, ids_sealed, phones_sealed, strict=True)])
        session.expire_all()
        append_event(session, module="registry", event_type="party_keys_rotated", subject=subjects.party(stale[0][0]),
                     actor="system:key-rotation",
                     payload={"key_id": current, "rows": len(stale), "first_party_id": stale[0][0],
                              "last_party_id": stale[-1][0]})
    return RotationStep(last_id=int(rows[-1][0]), scanned=len(rows), rotated=len(stale))
