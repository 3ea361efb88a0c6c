"""Register extracts for officials (issue #21): a unit's rights, holders and restrictions with ID numbers masked,
each person named recorded as read, read back from XLSX and CSV with BOM."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from landbridge.auth import create_demo_accounts
from landbridge.cli import app
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.kernel.ids import mask_id
from landbridge.main import create_app
from landbridge.privacy import Reader, mask_name
from landbridge.privacy.models import PersonalRead
from landbridge.registry import approve_application, get_party, get_unit, lodge_mortgage
from landbridge.registry.extracts import EXTRACT_COLUMNS, export_register_extract, register_extract_rows
from tests.registry.conftest import ACTOR, People, register, square
from tests.registry.test_api import auth

runner = CliRunner()
READER = Reader(actor="user:9:registrar", role="registrar", organisation_id=None)


def _unit(db: Database, people: People) -> tuple[int, int]:
    with db.transaction() as s:
        unit_id = register(s, square(3), [(people.a, "1/2"), (people.b, "1/2")])
        app_ = lodge_mortgage(s, actor=ACTOR, unit_id=unit_id, mortgagee_party_id=people.bank,
                              secured_amount="250000.00", document_no="鹰抵字 2026-7")
        approve_application(s, application_id=app_.id, actor=ACTOR)
        return unit_id, get_unit(s, unit_id).parcel_id


def test_unit_extract_masks_ids_and_records_each_person_read(db: Database, people: People, tmp_path: Path) -> None:
    unit_id, parcel_id = _unit(db, people)
    with db.transaction() as s:
        assert export_register_extract(s, tmp_path / "u.xlsx", reader=READER, unit_id=unit_id) == 3
        a, b, bank = get_party(s, people.a), get_party(s, people.b), get_party(s, people.bank)
        ids = {p.id: (p.name, p.id_number) for p in (a, b, bank)}
    titles = [c.title for c in EXTRACT_COLUMNS]
    ws = load_workbook(tmp_path / "u.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2" and [c.value for c in ws[1]] == titles
    rows = [dict(zip(titles, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["登记事项"], r["权利人/限制权利人"], r["份额"]) for r in rows] == [
        ("权利", ids[people.a][0], "1/2"), ("权利", ids[people.b][0], "1/2"), ("限制", ids[people.bank][0], None)]
    for r, pid in zip(rows, (people.a, people.b, people.bank), strict=True):
        number = ids[pid][1]
        assert number and r["证件号码（脱敏）"] == mask_id(number) != number
    assert rows[2]["权利/限制类型"] == "抵押" and rows[2]["被担保债权数额（元）"] == 250000
    assert rows[0]["权利/限制类型"] == "土地承包经营权"  # in Chinese, as the headers (not the English label)
    assert rows[2]["文号"] == "鹰抵字 2026-7"
    with db.transaction(readonly=True) as s:
        reads = s.scalars(select(PersonalRead).order_by(PersonalRead.id)).all()
        # the two persons are recorded as read; the bank (an organisation) is not personal data
        assert [(r.record, r.party_id, r.reader, r.purpose) for r in reads] == [
            (f"party:{people.a}", people.a, READER.actor, "register_extract"),
            (f"party:{people.b}", people.b, READER.actor, "register_extract")]
    with db.transaction() as s:
        assert export_register_extract(s, tmp_path / "p.csv", reader=READER, parcel_id=parcel_id) == 3
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "p.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for _name, number in ids.values():
        assert number and number not in text
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))
    assert back[0] == titles and Decimal(back[3][titles.index("被担保债权数额（元）")]) == Decimal("250000.00")


def test_unknown_parcel_is_refused_and_nothing_written(db: Database, people: People, tmp_path: Path) -> None:
    with db.transaction() as s, pytest.raises(DomainError) as caught:
        export_register_extract(s, tmp_path / "x.xlsx", reader=READER, parcel_id=999)
    assert caught.value.code == "registry.parcel_not_found" and not (tmp_path / "x.xlsx").exists()


def test_cli_register_extract(db: Database, people: People, tmp_path: Path) -> None:
    unit_id, _parcel = _unit(db, people)
    ok = runner.invoke(app, ["export", "register", str(tmp_path / "u.csv"), "--unit", str(unit_id),
                             "--reader", "user:9:registrar"])
    assert ok.exit_code == 0, ok.output
    assert "exported 3 register rows" in ok.output
    with db.transaction(readonly=True) as s:
        assert len(s.scalars(select(PersonalRead)).all()) == 2  # the CLI's reads are committed
    both = runner.invoke(app, ["export", "register", str(tmp_path / "u.csv"), "--unit", "1", "--parcel", "1",
                               "--reader", "x"])
    assert both.exit_code == 2
    missing = runner.invoke(app, ["export", "register", str(tmp_path / "m.csv"), "--parcel", "999",
                                  "--reader", "user:9:registrar"])
    assert missing.exit_code == 1 and "registry.parcel_not_found" in missing.output


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("bank", 403), ("clerk", 403), ("township", 200),
                                               ("registrar", 200), ("supervisor", 200)])
def test_api_extract_for_the_officials_of_the_area(db: Database, clock: Clock, people: People, tmp_path: Path,
                                                   user: str | None, status: int) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    _unit_id, parcel_id = _unit(db, people)
    with TestClient(create_app()) as client:
        headers = auth(client, user)
        r = client.get(f"/api/v1/parcels/{parcel_id}/extract.xlsx", headers=headers)
        assert r.status_code == status, r.text
        with db.transaction(readonly=True) as s:
            reads = [(x.record, x.purpose, x.reader_role)
                     for x in s.scalars(select(PersonalRead).order_by(PersonalRead.id)).all()]
            a_name, b_name, a_id = (get_party(s, people.a).name, get_party(s, people.b).name,
                                    get_party(s, people.a).id_number)
        if status != 200:
            assert reads == []
            return
        (tmp_path / "r.xlsx").write_bytes(r.content)
        assert r.headers["content-disposition"] == f'attachment; filename="parcel-{parcel_id}-extract.xlsx"'
        ws = load_workbook(tmp_path / "r.xlsx").active
        assert ws is not None
        names = [row[7] for row in ws.iter_rows(min_row=2, values_only=True)]
        assert names[:2] == [a_name, b_name]  # holders of a parcel in the reader's area, shown whole
        role = {"township": "township_official"}.get(str(user), user)
        assert reads == [
            (f"party:{people.a}", "register_extract", role), (f"party:{people.b}", "register_extract", role)]
        csv_r = client.get(f"/api/v1/parcels/{parcel_id}/extract.csv", headers=headers)
        assert csv_r.status_code == 200 and csv_r.content.startswith(b"\xef\xbb\xbf")
        assert a_id and a_id not in csv_r.content.decode("utf-8-sig")
        assert client.get(f"/api/v1/parcels/{parcel_id}/extract.pdf", headers=headers).status_code == 422
        missing = client.get("/api/v1/parcels/99999/extract.csv", headers=headers)
        assert missing.status_code == 404 and missing.json()["code"] == "registry.parcel_not_found"


def test_persons_outside_the_scope_are_masked_and_not_recorded(db: Database, people: People, tmp_path: Path) -> None:
    unit_id, _parcel = _unit(db, people)
    with db.transaction() as s:
        rows = register_extract_rows(s, reader=READER, unit_id=unit_id, scope=lambda ids: {people.b} & ids)
        a_name, b_name, bank = (get_party(s, people.a).name, get_party(s, people.b).name,
                                get_party(s, people.bank).name)
    assert [r[7] for r in rows] == [mask_name(a_name), b_name, bank]  # an organisation is never masked
    with db.transaction(readonly=True) as s:
        assert [r.party_id for r in s.scalars(select(PersonalRead)).all()] == [people.b]
