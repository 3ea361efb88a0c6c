"""Web hardening (issue #12 item 6): cross-site state changes with the session cookie are refused, security
headers are on every response, and the API docs load from this site only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landbridge.config import Settings
from landbridge.db import Database
from landbridge.main import create_app
from landbridge.web.security import OriginGuard
from tests.web.test_pages import HTML, app_status, csrf_of, ledger_size, login
from tests.web.world import World

SRC = Path(__file__).resolve().parents[2] / "src" / "landbridge"
EVIL = "https://evil.example"


@pytest.fixture
def registrar(db: Database, world: World) -> tuple[TestClient, str]:
    """A registrar logged in through the login page (session cookie), and the session's anti-forgery token."""
    client = TestClient(create_app(), headers=HTML)
    assert login(client, "registrar").status_code == 303
    return client, csrf_of(client.get("/registrar/queue").text)


def _approve(client: TestClient, application_id: int, **headers: str) -> tuple[int, dict[str, object]]:
    r = client.post(f"/api/v1/applications/{application_id}/approve", content=b"{}",
                    headers={"Accept": "application/json", "Content-Type": "text/plain", **headers})
    return r.status_code, r.json()


def test_a_cross_origin_cookie_post_to_the_json_api_is_refused_and_changes_nothing(
        db: Database, world: World, registrar: tuple[TestClient, str]) -> None:
    """The attack of the issue: a page on another site posts text/plain to an approval with the registrar's
    cookie. Refused 403 ``web.cross_origin``; the application stays lodged and the ledger does not grow."""
    client, _ = registrar
    before = ledger_size(db)
    for headers in ({"Origin": EVIL}, {"Referer": EVIL + "/page"}, {"Origin": "null"},
                    {"Origin": "http://testserver.evil.example"}, {"Origin": EVIL, "Referer": "http://testserver/"}):
        status, body = _approve(client, world.lodged_application, **headers)
        assert status == 403, headers
        assert body["code"] == "web.cross_origin" and body["message"] and body["message_en"]
    assert app_status(db, world.lodged_application) == "lodged"
    assert ledger_size(db) == before


def test_a_same_origin_cookie_post_goes_through(db: Database, world: World,
                                                registrar: tuple[TestClient, str]) -> None:
    """The site's own page (Origin or Referer of this host) may approve with the cookie."""
    client, _ = registrar
    status, body = _approve(client, world.lodged_application, Origin="http://testserver")
    assert status == 200 and body["status"] == "approved"
    assert app_status(db, world.lodged_application) == "approved"


def test_a_same_origin_referer_is_enough_where_no_origin_is_sent(db: Database, world: World,
                                                                 registrar: tuple[TestClient, str]) -> None:
    client, _ = registrar
    status, _body = _approve(client, world.lodged_application, Referer="http://testserver/registrar/queue")
    assert status == 200 and app_status(db, world.lodged_application) == "approved"


def test_without_origin_or_referer_the_api_needs_the_session_token(db: Database, world: World,
                                                                   registrar: tuple[TestClient, str]) -> None:
    """A client that sends neither header (no browser does on a cross-site POST) must show the session's
    anti-forgery token in X-CSRF-Token: a wrong one is refused, the right one passes."""
    client, token = registrar
    status, body = _approve(client, world.lodged_application)
    assert status == 403 and body["code"] == "web.csrf_failed"
    status, body = _approve(client, world.lodged_application, **{"X-CSRF-Token": token + "x"})
    assert status == 403 and body["code"] == "web.csrf_failed"
    assert app_status(db, world.lodged_application) == "lodged"
    status, body = _approve(client, world.lodged_application, **{"X-CSRF-Token": token})
    assert status == 200 and app_status(db, world.lodged_application) == "approved"


def test_bearer_token_requests_are_not_affected(db: Database, world: World) -> None:
    """A bearer token is no ambient credential: an API client may send any Origin (or none)."""
    client = TestClient(create_app())
    token = client.post("/api/v1/auth/token", json={"username": "registrar", "password": "demo"}).json()
    r = client.post(f"/api/v1/applications/{world.lodged_application}/approve",
                    headers={"Authorization": f"Bearer {token['access_token']}", "Origin": EVIL})
    assert r.status_code == 200 and app_status(db, world.lodged_application) == "approved"


def test_an_anonymous_cross_origin_post_is_answered_as_before(db: Database, world: World) -> None:
    """No session cookie, no authority to borrow: the route answers (here 401), not the guard."""
    client = TestClient(create_app())
    status, body = _approve(client, world.lodged_application, Origin=EVIL)
    assert status == 401 and body["code"] == "auth.login_required"


def test_a_cross_origin_page_form_is_refused_with_an_error_page(db: Database, world: World,
                                                                registrar: tuple[TestClient, str]) -> None:
    """A forged form post (here: log out) from another site gets the error page and the session survives."""
    client, token = registrar
    r = client.post("/logout", data={"csrf": token}, headers={"Origin": EVIL}, follow_redirects=False)
    assert r.status_code == 403 and "web.cross_origin" in r.text and "<html" in r.text.lower()
    assert client.get("/registrar/queue", follow_redirects=False).status_code == 200  # still logged in
    r = client.post("/logout", data={"csrf": token}, headers={"Origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_trusted_origins_from_the_settings_are_accepted() -> None:
    """A deployment behind a proxy names its public address (LANDBRIDGE_TRUSTED_ORIGINS)."""
    guard = OriginGuard(app=lambda *a: None, session_cookie="lb_session",  # type: ignore[arg-type,return-value]
                        trusted_origins=["https://land.example.gov.cn/"])
    scope = {"type": "http", "method": "POST", "path": "/api/v1/x", "scheme": "http", "session": {},
             "headers": [(b"host", b"10.0.0.5:8000"), (b"cookie", b"lb_session=abc"),
                         (b"origin", b"https://land.example.gov.cn")]}
    assert guard.refusal(scope) is None
    scope["headers"][2] = (b"origin", b"https://other.example.gov.cn")
    refusal = guard.refusal(scope)
    assert refusal is not None and refusal.code == "web.cross_origin"
    scope["headers"][1] = (b"cookie", b"lang=en")  # no session cookie: nothing to forge
    assert guard.refusal(scope) is None


CSP_DIRECTIVES = ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'")


def _assert_security_headers(headers: object, *, hsts: bool) -> None:
    h = headers  # httpx.Headers
    csp = h["content-security-policy"]  # type: ignore[index]
    assert all(d in csp for d in CSP_DIRECTIVES), csp
    assert "unsafe-eval" not in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split(
        "script-src")[1].split(";")[0]
    assert h["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert h["x-frame-options"] == "DENY"  # type: ignore[index]
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"  # type: ignore[index]
    assert ("strict-transport-security" in h) is hsts  # type: ignore[operator]


def test_security_headers_on_pages_api_errors_and_static_files(db: Database, world: World) -> None:
    client = TestClient(create_app())
    for path, accept in (("/", "text/html"), ("/api/v1/health", "application/json"),
                         ("/api/v1/ledger/events/999999", "application/json"), ("/no/such/page", "text/html"),
                         ("/static/css/app.css", "*/*"), ("/api/v1/openapi.json", "application/json")):
        r = client.get(path, headers={"Accept": accept})
        _assert_security_headers(r.headers, hsts=False)
    r = client.post("/api/v1/auth/token", json={"username": "registrar", "password": "wrong"})
    assert r.status_code == 401
    _assert_security_headers(r.headers, hsts=False)


def test_hsts_over_tls_and_in_production_mode(db: Database, world: World, settings: Settings) -> None:
    """HSTS is sent when the request came over TLS, and always where the deployment says it is served over
    TLS (LANDBRIDGE_HSTS, implied by production mode)."""
    r = TestClient(create_app(), base_url="https://testserver").get("/api/v1/health")
    _assert_security_headers(r.headers, hsts=True)
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")
    r = TestClient(create_app(settings.model_copy(update={"hsts": True}))).get("/api/v1/health")
    _assert_security_headers(r.headers, hsts=True)


def test_inline_scripts_run_only_with_the_requests_nonce(db: Database, world: World) -> None:
    """Every inline script in a template carries the request's nonce, and the page's CSP names that nonce (a
    fresh one per response), so an injected script without it does not run."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>")
    for template in SRC.glob("*/templates/**/*.html"):
        for attrs in inline.findall(template.read_text()):
            assert 'nonce="{{ csp_nonce }}"' in attrs, template
    client = TestClient(create_app(), headers=HTML)
    nonces = []
    for _ in range(2):
        r = client.get("/login")
        match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", r.headers["content-security-policy"])
        assert match
        nonces.append(match.group(1))
    assert nonces[0] != nonces[1]


def test_the_api_docs_load_from_this_site_only(db: Database) -> None:
    """Swagger UI at /api/v1/docs: no URL of another host, no inline script, and every asset it names is
    served here."""
    client = TestClient(create_app())
    for path, bundle in (("/api/v1/docs", "swagger-ui-bundle.js"),):
        page = client.get(path)
        assert page.status_code == 200 and bundle in page.text
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.text, re.I), page.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
        _assert_security_headers(page.headers, hsts=False)
        assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
        assert len(assets) >= 2
        for asset in assets:
            r = client.get(asset)
            assert r.status_code == 200 and len(r.content) > 100, asset
    js = client.get("/static/vendor/apidocs/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in js and client.get("/api/v1/openapi.json").status_code == 200


def test_a_session_with_no_one_logged_in_lends_no_authority_but_still_no_cross_site_post(db: Database,
                                                                                     world: World) -> None:
    """A client that only opened a page (a session cookie with its form token, no user) may ask for a bearer
    token without Origin; from another site it may not (no login CSRF)."""
    client = TestClient(create_app())
    client.get("/login", headers=HTML)
    assert "lb_session" in client.cookies
    body = {"username": "registrar", "password": "demo"}
    assert client.post("/api/v1/auth/token", json=body).status_code == 200
    r = client.post("/api/v1/auth/token", json=body, headers={"Origin": EVIL})
    assert r.status_code == 403 and r.json()["code"] == "web.cross_origin"
