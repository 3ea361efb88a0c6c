"""Pure rules of the ledger's privacy model (issue #12 item 1): digests, envelopes, public subjects, readers."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from landbridge.ledger import rules

texts = st.text(min_size=1, max_size=40)


@given(salt=st.binary(min_size=16, max_size=16), other=st.binary(min_size=16, max_size=16), subject=texts,
       actor=texts, value=st.integers())
def test_digest_commits_to_salt_and_every_field(salt: bytes, other: bytes, subject: str, actor: str,
                                                value: int) -> None:
    body = rules.private_body(subject, actor, {"v": value})
    digest = rules.private_digest(salt, body)
    assert digest == rules.private_digest(salt, body)
    assert rules.private_digest(salt, rules.private_body(subject, actor, {"v": value + 1})) != digest
    assert rules.private_digest(salt, rules.private_body(subject + "x", actor, {"v": value})) != digest
    if other != salt:
        assert rules.private_digest(other, body) != digest  # the same body under another salt is unlinkable


@given(kind=st.from_regex(r"[a-z_.]{1,20}", fullmatch=True), rest=st.text(max_size=20))
def test_only_listed_kinds_are_public(kind: str, rest: str) -> None:
    subject = f"{kind}:{rest}"
    assert rules.is_public_subject(subject) == (kind in rules.PUBLIC_SUBJECT_KINDS)
    for personal in ("party", "registry.party", "auth.user", "auth.organisation", "collective.member",
                     "collective.share_account", "exchange.bank_credit", "sale", "application", "restriction"):
        assert not rules.is_public_subject(f"{personal}:{rest}")


def test_envelope_has_the_public_fields_only() -> None:
    entry = rules.envelope(seq=3, recorded_at="2026-01-01T00:00:00+00:00", module="registry", event_type="e",
                           subject_ref="ab" * 32, public_subject=None, digest=b"\x01" * 32)
    assert set(json.loads(entry)) == {"seq", "recorded_at", "module", "event_type", "subject_ref", "subject",
                                      "private_digest"}


def test_readers_table() -> None:
    assert not rules.may_read_private("registry", None)
    assert not rules.may_read_private("registry", "exchange_operator")
    assert rules.may_read_private("registry", "registrar") and rules.may_read_private("exchange", "supervisor")
    assert not rules.may_read_private("auth", "registrar") and rules.may_read_private("auth", "admin")
    assert rules.may_read_private("ledger", None)
    assert rules.may_read_private("collective", None, "vote_sealed")
    assert not rules.may_read_private("collective", None, "ballot_cast")
    assert rules.needs_scope_check("collective", "collective_clerk", "ballot_cast")
    assert not rules.needs_scope_check("collective", "collective_clerk", "vote_sealed")
    assert not rules.needs_scope_check("collective", "supervisor", "ballot_cast")
