"""A judicial or collateral sale's transfer discharges the mortgages and seizures it names (法释〔2004〕16号 art. 28;
issue #17): they do not block it, and at approval they end (their certificates void) instead of following the
right; a restriction it does not name still follows or blocks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.ledger import list_events
from landbridge.registry import (
    approve_application,
    current_restrictions,
    current_rights,
    holders_of,
    lodge_mortgage,
    lodge_seizure,
    lodge_transfer,
)
from landbridge.registry.models import Certificate
from tests.registry.conftest import ACTOR, People, register, square


def test_the_named_liens_and_seizure_end_with_the_transfer_an_unnamed_mortgage_follows(db: Database,
                                                                                       people: People) -> None:
    with db.transaction() as s:
        unit = register(s, square(0), [(people.a, "1")])
        ids = []
        for bank, amount in ((people.bank, "100000.00"), (people.bank2, "30000.00")):
            app = lodge_mortgage(s, actor=ACTOR, unit_id=unit, mortgagee_party_id=bank,
                                 secured_amount=Decimal(amount), no_transfer_agreement=True)
            approve_application(s, application_id=app.id, actor=ACTOR)
            ids.append(app.payload["restriction_ids"][0])
        seizure = lodge_seizure(s, actor=ACTOR, unit_id=unit, document_no="(2026)赣0602执1号")
        approve_application(s, application_id=seizure.id, actor=ACTOR)
        seized = seizure.payload["restriction_ids"][0]
    with db.transaction() as s, pytest.raises(DomainError) as info:  # not named: the seizure still blocks
        lodge_transfer(s, actor=ACTOR, unit_id=unit, holders=[(people.b, "1")], reason="拍卖", discharge=[ids[0]])
    assert info.value.code == "registry.transfer_blocked"
    with db.transaction() as s, pytest.raises(DomainError) as info:  # the junior's no-transfer clause still blocks
        lodge_transfer(s, actor=ACTOR, unit_id=unit, holders=[(people.b, "1")], reason="拍卖",
                       discharge=[seized, ids[0]])
    assert info.value.code == "registry.transfer_blocked" and info.value.details["restriction_id"] == ids[1]
    with db.transaction() as s, pytest.raises(DomainError) as info:  # only current mortgages or seizures of the unit
        lodge_transfer(s, actor=ACTOR, unit_id=unit, holders=[(people.b, "1")], reason="拍卖",
                       discharge=[seized + 99])
    assert info.value.code == "registry.restriction_not_current"
    with db.transaction() as s:
        app = lodge_transfer(s, actor=ACTOR, unit_id=unit, holders=[(people.b, "1")], reason="抵押物拍卖成交",
                             discharge=[seized, *ids, ids[0]])
        assert app.payload["discharged_restriction_ids"] == sorted([seized, *ids])  # each once
    with db.transaction() as s:
        approve_application(s, application_id=app.id, actor=ACTOR)
    with db.transaction() as s:
        assert current_restrictions(s, unit) == []
        notified = [e for e in list_events(s, module="registry", limit=1000) if e.event_type == "mortgagee_notified"]
        assert notified == []  # nothing followed the right


def test_a_sale_free_of_every_named_restriction(db: Database, people: People) -> None:
    with db.transaction() as s:
        unit = register(s, square(0), [(people.a, "1")])
        senior = lodge_mortgage(s, actor=ACTOR, unit_id=unit, mortgagee_party_id=people.bank,
                                secured_amount=Decimal("100000.00"))
        approve_application(s, application_id=senior.id, actor=ACTOR)
        junior = lodge_mortgage(s, actor=ACTOR, unit_id=unit, mortgagee_party_id=people.bank2,
                                secured_amount=Decimal("30000.00"))
        approve_application(s, application_id=junior.id, actor=ACTOR)
        seizure = lodge_seizure(s, actor=ACTOR, unit_id=unit, document_no="(2026)赣0602执2号")
        approve_application(s, application_id=seizure.id, actor=ACTOR)
        sid, jid, zid = (a.payload["restriction_ids"][0] for a in (senior, junior, seizure))
        app = lodge_transfer(s, actor=ACTOR, unit_id=unit, holders=[(people.b, "1")], reason="抵押物拍卖成交",
                             discharge=[sid, zid])
    with db.transaction() as s:
        approve_application(s, application_id=app.id, actor=ACTOR)
    with db.transaction() as s:
        (right,) = current_rights(s, unit)
        assert [p for p, _ in holders_of(s, right.id)] == [people.b]
        (left,) = current_restrictions(s, unit)  # the junior mortgage was not named: it follows the right
        assert left.supersedes_id == jid and left.right_id == right.id
        certs = s.execute(select(Certificate).where(Certificate.restriction_id.in_([sid, zid]))).scalars().all()
        assert certs and all(c.status == "void" for c in certs)
        discharged = [e for e in list_events(s, module="registry", limit=1000)
                      if e.event_type == "restriction_discharged"]
        assert sorted(int(e.subject.split(":")[1]) for e in discharged) == sorted([sid, zid])
