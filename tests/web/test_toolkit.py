"""The web toolkit (issue #14 item 4): PageKit's translator, flash and form action, page_caller, and the rule that
``landbridge.web`` imports no domain module, no auth and no page of the shell."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from starlette.middleware.sessions import SessionMiddleware

from landbridge.auth.pages import page_caller
from landbridge.errors import Forbidden, RuleViolation
from landbridge.web.forms import csrf_token
from landbridge.web.pages import PageKit, flash, pop_flash

# what the toolkit may never import: the domains, auth, the ledger, the shell and the app's wiring
ABOVE_THE_TOOLKIT = ("auth", "registry", "planning", "collective", "exchange", "valuation", "ledger", "shell",
                     "main", "cli", "worker", "demo")


@dataclass
class Caller:
    role: str


def _app(kit: PageKit, session: Session) -> FastAPI:
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="toolkit-test")

    @app.get("/t")
    def translate(request: Request) -> Response:
        return JSONResponse({"text": kit.translator(request)("Hello"), "message": pop_flash(request),
                             "csrf": csrf_token(request)})

    @app.post("/flash")
    def flash_now(request: Request) -> Response:
        flash(request, "ok", "已保存", "saved")
        return JSONResponse({})

    @app.post("/act/{outcome}")
    def act(request: Request, outcome: str, csrf: str = Form("")) -> Response:
        def action() -> tuple[str, str]:
            session.execute(text("INSERT INTO thing (name) VALUES (:n)"), {"n": outcome})
            if outcome == "refused":
                raise Forbidden("x.refused", "不允许", "not allowed")
            if outcome == "invalid":
                raise RuleViolation("x.invalid", "无效", "invalid")
            return "已完成", "done"

        return kit.act(request, session, action, "/back", csrf=csrf, refused=lambda exc: exc.code == "x.refused",
                       then=lambda: "/done")

    @app.get("/who/{role}")
    def who(request: Request, role: str) -> Response:
        caller = page_caller(request, None if role == "anonymous" else Caller(role), ("clerk",))
        return caller if isinstance(caller, Response) else JSONResponse({"role": caller.role})

    return app


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT)"))
    return Session(engine)


def _rows(session: Session) -> list[str]:
    return [r for (r,) in session.execute(text("SELECT name FROM thing ORDER BY id"))]


def test_translator_layers_own_words_over_the_platform_catalogue(session: Session) -> None:
    client = TestClient(_app(PageKit(words={"Hello": "你好", "Log in": "进入"}), session))
    assert client.get("/t").json()["text"] == "你好"
    assert client.get("/t?lang=en").json()["text"] == "Hello"
    kit = PageKit(words={"Log in": "进入"})
    assert kit.own_messages("en") == {}
    assert kit.own_messages("zh_CN")["Log in"] == "进入"


def test_module_catalogue_is_read_from_its_locale_dir() -> None:
    exchange = Path(__file__).resolve().parents[2] / "src" / "landbridge" / "exchange" / "locale"
    own = PageKit(locale_dir=exchange).own_messages("zh_CN")
    assert own and all(isinstance(v, str) and v for v in own.values())


def test_flash_is_shown_once_in_the_page_language(session: Session) -> None:
    client = TestClient(_app(PageKit(), session))
    client.post("/flash")
    assert client.get("/t?lang=en").json()["message"] == {"kind": "ok", "text": "saved"}
    assert client.get("/t").json()["message"] is None
    client.post("/flash")
    assert client.get("/t").json()["message"] == {"kind": "ok", "text": "已保存"}


def test_act_runs_flashes_and_redirects(session: Session) -> None:
    client = TestClient(_app(PageKit(), session), follow_redirects=False)
    token = client.get("/t").json()["csrf"]
    r = client.post("/act/done", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/done"
    assert _rows(session) == ["done"]
    assert client.get("/t?lang=en").json()["message"] == {"kind": "ok", "text": "done"}


def test_a_refused_action_keeps_nothing(session: Session) -> None:
    client = TestClient(_app(PageKit(), session), follow_redirects=False)
    token = client.get("/t").json()["csrf"]
    r = client.post("/act/invalid", data={"csrf": token})  # a rule says no: message flashed, back to the form
    assert r.status_code == 303 and r.headers["location"] == "/back"
    assert client.get("/t").json()["message"] == {"kind": "error", "text": "无效"}
    r = client.post("/act/refused", data={"csrf": token})  # refused outright: the error page, nothing flashed
    assert r.status_code == 403 and "x.refused" in r.text
    assert client.get("/t").json()["message"] is None
    assert _rows(session) == []


def test_act_checks_the_form_token_before_running(session: Session) -> None:
    client = TestClient(_app(PageKit(), session), follow_redirects=False)
    client.get("/t")
    r = client.post("/act/done", data={"csrf": "forged"})
    assert r.status_code == 303 and r.headers["location"] == "/back"
    assert client.get("/t?lang=en").json()["message"]["kind"] == "error"
    assert _rows(session) == []


@pytest.mark.parametrize(("role", "status"), [("anonymous", 303), ("member", 403), ("clerk", 200)])
def test_page_caller_admits_by_role(session: Session, role: str, status: int) -> None:
    client = TestClient(_app(PageKit(), session), follow_redirects=False)
    r = client.get(f"/who/{role}")
    assert r.status_code == status
    if status == 303:
        assert r.headers["location"] == f"/login?next=/who/{role}"
    elif status == 403:
        assert "auth.forbidden_role" in r.text
    else:
        assert r.json() == {"role": "clerk"}


def test_the_web_toolkit_imports_no_domain_module_auth_or_shell() -> None:
    graph = grimp.build_graph("landbridge")
    toolkit = {"landbridge.web", *graph.find_descendants("landbridge.web")}
    wrong = sorted((module, imported) for module in toolkit
                   for imported in graph.find_modules_directly_imported_by(module)
                   if imported.split(".")[1:2] and imported.split(".")[1] in ABOVE_THE_TOOLKIT)
    assert wrong == []
