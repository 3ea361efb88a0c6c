"""Ledger subjects in one shape (issue #14 item 7; P2): ``kind:id`` strings built here and nowhere else.

Every module names what an event concerns with these functions: the event's own subject (``subject=``) and the
other records it concerns (``also=``, e.g. a transfer application is also about its unit, parcel, right and
parties). Each of these subjects is written to the subject index (``ledger_subject``) in the append's transaction,
so any record's history is one indexed look-up, whichever module wrote the event.

Old events cannot be rewritten (ADR 0001, 0010): their subjects keep the legacy spelling
(``exchange.lot:7``, ``collective.motion:5``, ``auth.user:3`` ...). ``canonical`` maps a legacy subject to its
uniform form and ``payload_references`` reads the records an old event's payload names; the migration ``0025``
uses both to backfill the index, and look-ups accept either spelling. The mapping is documented in
``docs/ledger-subjects.md``. Pure: no database, no web framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Legacy kind → uniform kind. A kind not listed is already uniform (parcel, party, application, certificate ...).
LEGACY_KINDS: Mapping[str, str] = {
    "exchange.lot": "lot",
    "exchange.bar": "bar",
    "exchange.bank_credit": "bank_credit",
    "collective.motion": "motion",
    "collective.meeting": "meeting",
    "collective.member": "member",
    "collective.seat": "seat",
    "collective.asset": "asset",
    "collective.book": "book",
    "collective.share_account": "share_account",
    "auth.user": "user",
    "auth.organisation": "organisation",
    "auth.token": "token",
    "auth.login_throttle": "login_throttle",
    "registry.party": "party",
}

# Payload keys whose integer value names another record an event concerns (backfill of old events; ADR 0010's
# private part holds the payload). Only top-level keys with integer values count.
PAYLOAD_REFERENCE_KEYS: Mapping[str, str] = {
    "parcel_id": "parcel",
    "unit_id": "unit",
    "right_id": "right",
    "party_id": "party",
    "lot_id": "lot",
    "motion_id": "motion",
    "meeting_id": "meeting",
    "member_id": "member",
    "application_id": "application",
    "restriction_id": "restriction",
    "mortgage_id": "restriction",
    "certificate_id": "certificate",
    "collective_id": "collective",
}

MAX_LENGTH = 200  # ledger_subject.public_subject and the API's ``subject`` parameter


def subject(kind: str, key: int | str) -> str:
    """The subject string of record ``key`` of ``kind``: ``subject("parcel", 7)`` → ``parcel:7``."""
    return f"{kind}:{key}"


def parcel(parcel_id: int) -> str:
    """A parcel (宗地), by its row id."""
    return subject("parcel", parcel_id)


def unit(unit_id: int) -> str:
    """A property unit (不动产单元), by its row id."""
    return subject("unit", unit_id)


def right(right_id: int) -> str:
    """A right (权利), by its row id."""
    return subject("right", right_id)


def party(party_id: int) -> str:
    """A registry party (权利人): a person, an organisation or a group. Personal: never in clear."""
    return subject("party", party_id)


def application(key: int | str) -> str:
    """A registration application, by id (desk) or number (bulk imports)."""
    return subject("application", key)


def restriction(restriction_id: int) -> str:
    """A restriction (mortgage, seizure, objection) on a unit."""
    return subject("restriction", restriction_id)


def certificate(certificate_id: int) -> str:
    """A certificate or registration proof."""
    return subject("certificate", certificate_id)


def lot(lot_id: int) -> str:
    """An exchange lot (交易标的)."""
    return subject("lot", lot_id)


def bar(bar_id: int) -> str:
    """An exchange bar on a party."""
    return subject("bar", bar_id)


def bank_credit(credit_id: int) -> str:
    """A bank credit line reconciled by the exchange."""
    return subject("bank_credit", credit_id)


def collective(collective_id: int) -> str:
    """A rural collective economic organisation (集体经济组织)."""
    return subject("collective", collective_id)


def motion(motion_id: int) -> str:
    """A collective motion (议题)."""
    return subject("motion", motion_id)


def meeting(meeting_id: int) -> str:
    """A collective members' meeting."""
    return subject("meeting", meeting_id)


def member(member_id: int) -> str:
    """A collective member. Personal."""
    return subject("member", member_id)


def seat(seat_id: int) -> str:
    """A collective committee seat."""
    return subject("seat", seat_id)


def asset(asset_id: int) -> str:
    """A collective asset."""
    return subject("asset", asset_id)


def book(book_id: int) -> str:
    """A collective's account book."""
    return subject("book", book_id)


def share_account(account_id: int) -> str:
    """A member household's share account. Personal."""
    return subject("share_account", account_id)


def user(user_id: int) -> str:
    """A platform user account. Personal."""
    return subject("user", user_id)


def organisation(organisation_id: int) -> str:
    """A platform organisation."""
    return subject("organisation", organisation_id)


def token(token_id: int) -> str:
    """An API token."""
    return subject("token", token_id)


def login_throttle(throttle_id: int) -> str:
    """A login throttle row (an address or a typed name locked out)."""
    return subject("login_throttle", throttle_id)


def sale(sale_no: str) -> str:
    """A recorded land sale, by its sale number."""
    return subject("sale", sale_no)


def sale_batch(batch_no: str) -> str:
    """A batch of recorded sales."""
    return subject("sale_batch", batch_no)


def sale_flag(flag_id: int) -> str:
    """A screening flag on a sale."""
    return subject("sale_flag", flag_id)


def sale_flag_run(run_no: str) -> str:
    """A screening run over the sales."""
    return subject("sale_flag_run", run_no)


def mass_run(run_no: str) -> str:
    """A mass appraisal run."""
    return subject("mass_run", run_no)


def mass_job(job_id: int) -> str:
    """A mass appraisal background job."""
    return subject("mass_job", job_id)


def benchmark(code: str) -> str:
    """A benchmark land price table set (基准地价)."""
    return subject("benchmark", code)


def zone(zone_id: int) -> str:
    """A planning zone."""
    return subject("zone", zone_id)


def plan(version: str) -> str:
    """A planning version."""
    return subject("plan", version)


def loan(loan_id: int) -> str:
    """A loan against a rural right (lending, issue #17)."""
    return subject("loan", loan_id)


LAYERS = "layers"  # the spatial reference layers as a whole (no id)


def entry_case(case_id: int) -> str:
    """A market entry case (入市案件, issue #15)."""
    return subject("entry_case", case_id)


def issued_conditions(conditions_id: int) -> str:
    """Planning conditions issued for a parcel (规划条件, issue #15)."""
    return subject("issued_conditions", conditions_id)


def kind_of(text: str) -> str:
    """The kind of a subject: ``parcel:7`` → ``parcel``; ``layers`` → ``layers``."""
    return text.split(":", 1)[0]


def canonical(text: str) -> str:
    """The uniform spelling of a subject, legacy or not: ``exchange.lot:7`` → ``lot:7``; ``parcel:7`` unchanged."""
    kind, sep, rest = text.partition(":")
    uniform = LEGACY_KINDS.get(kind)
    return text if uniform is None else f"{uniform}{sep}{rest}"


def payload_references(payload: Mapping[str, Any]) -> list[str]:
    """The records an event's payload names by id (``unit_id: 4`` → ``unit:4``), in key order, without repeats."""
    out: list[str] = []
    for key in sorted(payload):
        kind = PAYLOAD_REFERENCE_KEYS.get(key)
        value = payload[key]
        if kind is None or isinstance(value, bool) or not isinstance(value, int):
            continue
        found = subject(kind, value)
        if found not in out:
            out.append(found)
    return out


def index_subjects(primary: str, also: Iterable[str] = ()) -> list[str]:
    """Every subject an event is indexed under: its own (as written and, if legacy, uniform), then the others.

    Order is kept and repeats dropped, so an append site may name a subject twice without harm.
    """
    out: list[str] = []
    for item in (primary, canonical(primary), *(canonical(a) for a in also)):
        if item not in out:
            out.append(item)
    return out
