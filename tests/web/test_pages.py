"""Server-rendered pages: login/logout, language, map, parcel page, registrar queue, verification, certificate PDF."""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.ids import mask_id
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.registry import lodge_first_registration
from landbridge.registry.models import Application, Certificate
from landbridge.web.forms import safe_next
from landbridge.web.i18n import catalogue
from tests.web.world import ACTOR, World, resident_id, square

HTML = {"Accept": "text/html"}
SRC = Path(__file__).resolve().parents[2] / "src" / "landbridge"


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(), headers=HTML)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the form has no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str = "demo", next_url: str = "/") -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf": token,
                                       "next": next_url}, follow_redirects=False)


def alert_of(page: str) -> str:
    match = re.search(r'class="(?:alert|notice)"[^>]*>([^<]*)<', page)
    return match.group(1) if match else ""


def app_status(db: Database, application_id: int) -> str:
    with db.transaction(readonly=True) as s:
        return str(s.execute(select(Application.status).where(Application.id == application_id)).scalar_one())


def ledger_size(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.execute(select(func.count()).select_from(LedgerEvent)).scalar_one())


# --- login, logout, language ------------------------------------------------------------------

def test_login_page_is_chinese_by_default_and_english_on_request(client: TestClient, world: World) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text and "用户名" in page.text
    english = client.get("/login?lang=en")
    assert 'lang="en"' in english.text and "Username" in english.text and "用户名" not in english.text
    assert english.cookies.get("lang") == "en"
    # the cookie keeps the choice on later pages
    assert "Public map" in client.get("/").text


def test_wrong_password_shows_chinese_message_and_throttles(client: TestClient, world: World) -> None:
    failed = login(client, "registrar", "wrong")
    assert failed.status_code == 401
    assert alert_of(failed.text) == "用户名或密码错误"
    assert "lb_session" not in failed.cookies or client.get("/api/v1/auth/me").status_code == 401
    limit = get_profile().rules("auth").int("login_max_failures")
    for _ in range(limit - 1):
        login(client, "registrar", "wrong")
    locked = login(client, "registrar", "demo")  # right password, but the account is locked now
    assert locked.status_code == 429
    assert alert_of(locked.text) == "登录失败次数过多，请稍后再试"
    assert client.get("/api/v1/auth/me").status_code == 401


def test_language_switch_keeps_the_query_and_errors_follow_the_language(client: TestClient, world: World) -> None:
    page = client.get("/login?next=/registrar/queue")
    assert 'href="/login?next=%2Fregistrar%2Fqueue&amp;lang=en"' in page.text
    client.get("/login?lang=en")
    failed = login(client, "registrar", "wrong")
    assert failed.status_code == 401 and alert_of(failed.text) == "wrong username or password"


def test_login_logout_round_trip(client: TestClient, world: World) -> None:
    ok = login(client, "registrar", next_url="/registrar/queue")
    assert ok.status_code == 303 and ok.headers["location"] == "/registrar/queue"
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "registrar"
    home = client.get("/")
    assert "登记员 王敏" in home.text
    # a logout without the form's token is refused and leaves the session alone
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 200
    out = client.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/login")
    page = client.post("/login", data={"username": "registrar", "password": "demo", "csrf": "x"})
    assert page.status_code == 403 and "表单已过期" in page.text
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_never_redirects_off_site(client: TestClient, world: World) -> None:
    assert login(client, "registrar", next_url="//evil.example/x").headers["location"] == "/hall"


@given(st.text(max_size=40))
def test_safe_next_is_always_local(target: str) -> None:
    result = safe_next(target)
    assert result.startswith("/") and not result.startswith("//") and "\\" not in result
    assert result in (target, "/")


def test_every_page_text_has_a_chinese_translation() -> None:
    zh = catalogue("zh_CN")
    pattern = re.compile(r"""_\((["'])(.+?)\1[,)]""")
    # the platform catalogue's pages: the layout, the shell's login and rules pages, the registry's pages and map
    files = [*SRC.glob("web/templates/web/*.html"), *SRC.glob("registry/templates/registry/*.html"),
             SRC / "shell" / "templates" / "shell" / "login.html", SRC / "shell" / "templates" / "shell" / "rules.html",
             SRC / "registry" / "map_page.py", SRC / "registry" / "labels.py"]
    ids = {m.group(2) for f in files for m in pattern.finditer(f.read_text(encoding="utf-8"))}
    from landbridge.registry.labels import LAND_USE_LABELS, RIGHT_TYPE_LABELS
    from landbridge.registry.pages import KIND_LABELS, RESTRICTION_LABELS, STATUS_LABELS
    for table in (KIND_LABELS, RESTRICTION_LABELS, STATUS_LABELS, RIGHT_TYPE_LABELS, LAND_USE_LABELS):
        ids |= set(table.values())
    assert len(ids) > 80
    missing = sorted(i for i in ids if not zh.get(i))
    assert missing == []


# --- public map -------------------------------------------------------------------------------

def test_map_page_has_leaflet_config_and_legend(client: TestClient, world: World) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '/static/vendor/leaflet/leaflet.js' in page.text and "/static/js/map.js" in page.text
    assert "宅基地使用权" in page.text and "未登记权利" in page.text  # the legend in Chinese
    center = get_profile().map_center
    assert f'"center": [{center[0]}, {center[1]}]' in page.text
    assert client.get("/static/js/map.js").status_code == 200
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


# --- parcel page ------------------------------------------------------------------------------

def test_parcel_page_public_masks_ids_and_shows_rights_restrictions_history(client: TestClient,
                                                                            world: World) -> None:
    page = client.get(f"/parcels/{world.homestead_parcel}")
    assert page.status_code == 200
    text = page.text
    assert "周*国" in text and "李*英" in text and "周建国" not in text  # names masked for the public (#12)
    assert resident_id(1) not in text and mask_id(resident_id(1)) in text
    assert "宅基地使用权" in text and "1/2" in text and "0702 农村宅基地" in text
    assert "抵押权" in text and "¥200,000.00" in text and "余农商抵字2026第001号" in text
    assert world.certificate_number in text
    assert "SQ" in text and "登记历史" in text
    assert f"/certificates/{world.certificate_id}.pdf" not in text  # PDF link only for the registrar


def test_parcel_page_shows_full_ids_to_the_registrar(client: TestClient, world: World) -> None:
    login(client, "registrar")
    text = client.get(f"/parcels/{world.homestead_parcel}").text
    assert resident_id(1) in text and f"/certificates/{world.certificate_id}.pdf" in text
    assert "周建国" in text and "李秀英" in text


def test_lodged_parcel_shows_pending_version(client: TestClient, world: World) -> None:
    assert client.get(f"/parcels/{world.lodged_parcel}").status_code == 404  # not public before approval
    login(client, "registrar")
    text = client.get(f"/parcels/{world.lodged_parcel}").text
    assert "待登簿" in text and world.lodged_application_number in text


def test_unknown_parcel_is_a_404_page(client: TestClient, world: World) -> None:
    page = client.get("/parcels/999999")
    assert page.status_code == 404 and "记录不存在" in page.text


# --- registrar queue --------------------------------------------------------------------------

def test_queue_requires_login_then_registrar_role(client: TestClient, world: World, db: Database) -> None:
    anonymous = client.get("/registrar/queue", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/registrar/queue"
    login(client, "member")
    denied = client.get("/registrar/queue")
    assert denied.status_code == 403 and "您的角色无权执行此操作" in denied.text
    token = csrf_of(client.get("/").text)
    post = client.post(f"/registrar/applications/{world.lodged_application}/approve", data={"csrf": token})
    assert post.status_code == 403
    assert app_status(db, world.lodged_application) == "lodged"


def test_queue_is_paged_oldest_first(client: TestClient, world: World, db: Database,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from landbridge.registry import lodge_transfer
    from landbridge.registry import pages as registry_pages

    with db.transaction() as s:  # a second lodged application, younger than the world's
        later = lodge_transfer(s, actor="test", unit_id=world.homestead_unit, holders=[(world.holder_a, 1)],
                               reason="家庭内部转移", mortgagee_consent=True)
    monkeypatch.setattr(registry_pages, "QUEUE_PAGE_SIZE", 1)
    login(client, "registrar")
    first = client.get("/registrar/queue")
    assert world.lodged_application_number in first.text and later.number not in first.text
    assert "第 1 / 2 页，共 2 件申请" in first.text and 'href="?page=2"' in first.text
    second = client.get("/registrar/queue?page=2")
    assert later.number in second.text and 'href="?page=1"' in second.text
    beyond = client.get("/registrar/queue?page=99")  # clamped to the last page
    assert later.number in beyond.text
    assert client.get("/registrar/queue?page=0").status_code == 422


def test_registrar_approves_from_queue(client: TestClient, world: World, db: Database) -> None:
    login(client, "registrar")
    queue = client.get("/registrar/queue")
    assert queue.status_code == 200 and world.lodged_application_number in queue.text
    assert "SQ" in queue.text and queue.text.count('action="/registrar/applications/') == 2
    before = ledger_size(db)
    forged = client.post(f"/registrar/applications/{world.lodged_application}/approve", data={"csrf": "nope"})
    assert forged.status_code == 403
    assert app_status(db, world.lodged_application) == "lodged" and ledger_size(db) == before
    done = client.post(f"/registrar/applications/{world.lodged_application}/approve",
                       data={"csrf": csrf_of(queue.text)})
    assert done.status_code == 200 and alert_of(done.text) == f"申请 {world.lodged_application_number} 已登簿"
    assert app_status(db, world.lodged_application) == "approved" and ledger_size(db) > before
    with db.transaction(readonly=True) as s:
        assert s.execute(select(Certificate).where(Certificate.application_id == world.lodged_application)).first()
    assert f"/registrar/applications/{world.lodged_application}/approve" not in done.text  # gone from the queue
    # approving twice reports the service's Chinese error and changes nothing
    size = ledger_size(db)
    again = client.post(f"/registrar/applications/{world.lodged_application}/approve",
                        data={"csrf": csrf_of(queue.text)})
    assert again.status_code == 200 and re.search(r'class="alert"', again.text)
    assert ledger_size(db) == size


def test_reject_needs_a_reason_and_shows_the_chinese_error(client: TestClient, world: World, db: Database) -> None:
    login(client, "registrar")
    token = csrf_of(client.get("/registrar/queue").text)
    url = f"/registrar/applications/{world.lodged_application}/reject"
    empty = client.post(url, data={"csrf": token, "reason": "  "})
    assert alert_of(empty.text) == "不予登记须说明理由"
    assert app_status(db, world.lodged_application) == "lodged"
    done = client.post(url, data={"csrf": token, "reason": "界址不清"})
    assert alert_of(done.text) == f"申请 {world.lodged_application_number} 已不予登记"
    assert app_status(db, world.lodged_application) == "rejected"


def test_registrar_of_another_county_cannot_decide(client: TestClient, world: World, db: Database) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="贵溪市不动产登记中心", kind=OrgKind.registration_centre,
                                  region_code="360681000000")
        create_user(s, username="guixi", password="demo-pass", display_name="贵溪登记员", role=Role.registrar,
                    organisation_id=org.id)
    login(client, "guixi", "demo-pass")
    queue = client.get("/registrar/queue")
    assert world.lodged_application_number not in queue.text and "暂无待审核的申请" in queue.text
    page = client.post(f"/registrar/applications/{world.lodged_application}/approve",
                       data={"csrf": csrf_of(queue.text)})
    assert alert_of(page.text) == "该对象不在您所在机构的管辖范围内"
    assert app_status(db, world.lodged_application) == "lodged"


# --- verification and certificate PDF ---------------------------------------------------------

def test_verify_page_shows_certificate_with_masked_holders(client: TestClient, world: World, db: Database) -> None:
    page = client.get(f"/verify/{world.verify_token}")
    assert page.status_code == 200
    text = page.text
    assert world.certificate_number in text and "现行有效" in text
    assert "360603101001JC00001W00000000" in text or "W00000000" in text
    assert "宅基地使用权" in text and "周*国" in text and "周建国" not in text
    assert resident_id(1) not in text and mask_id(resident_id(1)) in text
    with db.transaction(readonly=True) as s:
        seq = s.execute(select(Certificate.ledger_seq).where(Certificate.id == world.certificate_id)).scalar_one()
    assert seq and f"/api/v1/ledger/proofs/inclusion/{seq}" in text
    assert client.get(f"/api/v1/ledger/proofs/inclusion/{seq}").status_code == 200
    # the page's ledger links show the public envelope only: the certificate by name, no holder (issue #12 item 1)
    history = f"/api/v1/ledger/events?subject=certificate:{world.certificate_id}"
    assert history in text
    for link in (f"/api/v1/ledger/events/{seq}", history):
        shown = client.get(link)
        assert shown.status_code == 200 and "周建国" not in shown.text and resident_id(1) not in shown.text
    event = client.get(f"/api/v1/ledger/events/{seq}").json()
    assert event["subject"] == f"certificate:{world.certificate_id}" and event["private"] is None
    assert seq in [e["seq"] for e in client.get(history).json()["events"]]


def test_unknown_verify_token_is_a_404_page(client: TestClient, world: World) -> None:
    page = client.get("/verify/not-a-token")
    assert page.status_code == 404 and "证书不存在或核验码无效" in page.text
    assert 'lang="zh-CN"' in page.text


def pdf_strings(pdf: bytes) -> bytes:
    """The PDF's bytes plus every Flate stream decompressed (metadata lives in an object stream)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:  # a decompressor object stops at the stream's end: the EOL before "endstream" is left over, and
            # stripping it instead would sometimes cut the compressed data's own last byte (0x0a/0x0d: a flaky test)
            parts.append(zlib.decompressobj().decompress(pdf[match.end():end]))
        except zlib.error:
            continue
    return b"\n".join(parts).lower()


def test_certificate_pdf_for_the_registrar(client: TestClient, world: World) -> None:
    login(client, "registrar")
    response = client.get(f"/certificates/{world.certificate_id}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000
    # the title (= certificate number) is stored as UTF-16BE in the document information
    assert world.certificate_number.encode("utf-16-be").hex().encode() in pdf_strings(pdf)


def test_certificate_pdf_is_not_public(client: TestClient, world: World) -> None:
    anonymous = client.get(f"/certificates/{world.certificate_id}.pdf", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, "member")  # a member who holds nothing on this certificate
    assert client.get(f"/certificates/{world.certificate_id}.pdf").status_code == 403


def test_certificate_pdf_renderer_plain_data() -> None:
    from landbridge.registry.certificate_pdf import CertificateData, CertificateHolder, render_certificate_pdf
    number = get_profile().certificate_number(2026, 42)
    pdf = render_certificate_pdf(CertificateData(
        number=number, title="不动产权证书", status="void", holders=[CertificateHolder("周建国", None, "1")],
        unit_code="360603101001JC00001W00000000", location="锦江村", area_m2="100.00", right_type="宅基地使用权",
        land_use="0702", term="长期", issued_on=date(2026, 3, 2), issuer="鹰潭市不动产登记中心",
        verify_url="http://testserver/verify/abc"))
    assert pdf.startswith(b"%PDF-") and number == "赣(2026)鹰潭市不动产权第0000042号"
    assert number.encode("utf-16-be").hex().encode() in pdf_strings(pdf)


def test_lodging_more_keeps_queue_in_order(client: TestClient, world: World, db: Database) -> None:
    with db.transaction() as s:
        extra = lodge_first_registration(s, actor=ACTOR, region_code="360603101001", geometry=square(3),
                                         land_use_class="0101", location="锦江村三组",
                                         right_type="land_contract_right", holders=[(world.holder_a, 1)])
        number = extra.number
    login(client, "registrar")
    text = client.get("/registrar/queue").text
    assert text.index(world.lodged_application_number) < text.index(number)


def test_transfer_history_void_certificate_and_objection_expiry(client: TestClient, world: World,
                                                                db: Database) -> None:
    from landbridge.registry import approve_application, lodge_objection, lodge_transfer

    with db.transaction() as s:
        transfer = lodge_transfer(s, actor=ACTOR, unit_id=world.homestead_unit, holders=[(world.holder_b, 1)],
                                  reason="家庭内部转移", mortgagee_consent=True)
        approve_application(s, application_id=transfer.id, actor=ACTOR)
        objection = lodge_objection(s, actor=ACTOR, unit_id=world.homestead_unit, objector_party_id=world.holder_a,
                                    reason="份额有争议")
        approve_application(s, application_id=objection.id, actor=ACTOR)
        numbers = (transfer.number, objection.number)
    text = client.get(f"/parcels/{world.homestead_parcel}").text
    history = text[text.index("登记历史"):]
    assert history.count("宅基地使用权") == 2 and "历史" in history  # the old right is historic, not deleted
    assert all(n in text for n in numbers) and "转移登记" in text
    current = text[text.index("现势权利"):text.index("权利限制</h2>")]
    assert "李*英" in current and "周*国" not in current  # only the new holder is current (names masked)
    days = get_profile().rules("registry").int("objection_lapse_days")
    lapses = (date(2026, 3, 2) + timedelta(days=days)).isoformat()
    assert "异议登记" in text and lapses in text  # the objection shows when it lapses
    old = client.get(f"/verify/{world.verify_token}").text
    assert "已失效" in old and "已作废" in old


def test_a_holder_may_download_their_own_certificate(client: TestClient, world: World, db: Database) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="锦江村村民", kind=OrgKind.individual, region_code="360603101001")
        create_user(s, username="zhou", password="zhou-pass", display_name="周建国", role=Role.member,
                    organisation_id=org.id, party_id=world.holder_a)
    login(client, "zhou", "zhou-pass")
    pdf = client.get(f"/certificates/{world.certificate_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
