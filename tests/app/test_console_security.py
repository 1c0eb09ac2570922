"""Operator console security: every route refuses anonymous and wrong-role users, forms
need the CSRF token, wrong passwords are throttled, two claims at once → one, and every
staff action is in the audit log."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from actions.core import record_handoff
from bot.app.console import auth
from bot.app.console.models import StaffAudit
from bot.app.models import HandoffRequest
from bot.app.web.app import create_app
from bot.kernel import db, notify
from bot.kernel.settings import Settings

PASSWORD = "correct horse battery"
USERS = {"op1": ("operator", []), "op2": ("operator", []), "boss": ("supervisor", []),
         "root": ("admin", []), "taxi": ("agency", ["motortaxi"])}
GET_ROUTES = ["/console/", "/console/events", "/console/handoff/1", "/console/cases",
              "/console/supervisor", "/console/supervisor.csv", "/console/supervisor-days.csv",
              "/console/audit", "/console/keys"]
POST_ROUTES = ["/console/logout", "/console/cases/motortaxi_complaints/status",
               "/console/cases/police_warnings/draft"] + [
    f"/console/handoff/1/{a}" for a in ("claim", "reply", "note", "transfer", "resume")] + [
    "/console/keys", "/console/keys/1/revoke"]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return console_settings(tmp_path)


def console_settings(tmp_path) -> Settings:
    """An app database with the users of ``USERS``, and the app's settings over it."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    with db.session_factory(url).begin() as session:
        for name, (role, services) in USERS.items():
            auth.create_user(session, name, PASSWORD, role, f"คุณ{name}", services)
    base = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k",
                              "ENGINE_URL": "http://127.0.0.1:9"})
    return dataclasses.replace(base, database_url=url)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def login(client: TestClient, username: str, password: str = PASSWORD):
    page = await client.get("/console/login")
    token = csrf_of(await page.text())
    return await client.post("/console/login", allow_redirects=False,
                             data={"csrf": token, "username": username, "password": password})


async def page_csrf(client: TestClient, path: str = "/console/") -> str:
    return csrf_of(await (await client.get(path)).text())


def audit_actions(settings: Settings) -> list[tuple[str, str, str]]:
    with db.session_factory(settings.database_url)() as session:
        return [(a.username, a.action, a.target) for a in
                session.scalars(select(StaffAudit).order_by(StaffAudit.id))]


@pytest.mark.asyncio
async def test_every_console_route_refuses_an_anonymous_user(settings):
    record_handoff(settings.database_url, "web:citizen0001", "ขอคุยกับเจ้าหน้าที่", "web")
    async with TestClient(TestServer(create_app(settings))) as client:
        for path in GET_ROUTES:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303, path
            assert response.headers["Location"] == "/console/login"
        for path in POST_ROUTES:
            response = await client.post(path, data={"text": "x"}, allow_redirects=False)
            assert response.status == 403, path
            assert "เข้าสู่ระบบ" in await response.text()
        # a forged cookie is no better
        client.session.cookie_jar.update_cookies({auth.COOKIE: "eyJ1IjoxfQ.forged"})
        assert (await client.get("/console/", allow_redirects=False)).status == 303
    with db.session_factory(settings.database_url)() as session:
        assert session.get(HandoffRequest, 1).claimed_by is None


@pytest.mark.asyncio
@pytest.mark.parametrize("username, refused", [
    # agency staff: only conversations transferred to their agency (none here)
    ("taxi", ["/console/handoff/1", "/console/supervisor", "/console/supervisor.csv",
              "/console/supervisor-days.csv", "/console/audit", "/console/keys"]),
    ("op1", ["/console/cases", "/console/supervisor", "/console/supervisor.csv",
             "/console/audit", "/console/keys"]),
    ("boss", ["/console/keys"]),
])
async def test_wrong_roles_are_refused_in_thai(settings, username, refused):
    record_handoff(settings.database_url, "web:citizen0001", "ขอคุยกับเจ้าหน้าที่", "web")
    async with TestClient(TestServer(create_app(settings))) as client:
        assert (await login(client, username)).status == 303
        for path in refused:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 403, path
            assert "ไม่มีสิทธิ์" in await response.text()
        if username == "taxi":
            assert "H-000001" not in await (await client.get("/console/")).text()
            token = await page_csrf(client, "/console/cases")
            claim = await client.post("/console/handoff/1/claim", data={"csrf": token},
                                      allow_redirects=False)
            assert claim.status == 403


@pytest.mark.asyncio
async def test_agency_staff_see_only_their_services_queues(settings):
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "taxi")
        html = await (await client.get("/console/cases")).text()
        assert "เรื่องร้องเรียนวินมอเตอร์ไซค์" in html
        assert "ภาษีป้าย" not in html and "ไฟป่า" not in html
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "boss")
        html = await (await client.get("/console/cases")).text()
        assert "ภาษีป้าย" in html and "ไฟป่า" in html and "ภัยพิบัติ" in html


@pytest.mark.asyncio
async def test_a_form_without_the_csrf_token_is_refused(settings):
    record_handoff(settings.database_url, "web:citizen0001", "ขอคุยกับเจ้าหน้าที่", "web")
    async with TestClient(TestServer(create_app(settings))) as client:
        # the sign-in form itself
        page = await client.get("/console/login")
        assert page.status == 200
        bad = await client.post("/console/login", data={"username": "op1",
                                                        "password": PASSWORD})
        assert bad.status == 403 and "แบบฟอร์มหมดอายุ" in await bad.text()
        await login(client, "op1")
        for data in ({}, {"csrf": "wrong"}):
            response = await client.post("/console/handoff/1/claim", data=data,
                                         allow_redirects=False)
            assert response.status == 403
            assert "แบบฟอร์มหมดอายุ" in await response.text()
    with db.session_factory(settings.database_url)() as session:
        assert session.get(HandoffRequest, 1).claimed_by is None


@pytest.mark.asyncio
async def test_wrong_passwords_are_throttled_even_before_the_right_one(settings):
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(auth.MAX_FAILURES_PER_USER):
            wrong = await login(client, "op1", "not the password")
            assert wrong.status == 401 and "ไม่ถูกต้อง" in await wrong.text()
        right = await login(client, "op1")
        assert right.status == 429 and "รอ 15 นาที" in await right.text()
        assert (await client.get("/console/", allow_redirects=False)).status == 303
        # another user from the same address is not locked out by op1's failures
        assert (await login(client, "op2")).status == 303
    actions = [a for _, a, _ in audit_actions(settings)]
    assert actions.count("login_failed") == auth.MAX_FAILURES_PER_USER
    assert "login_throttled" in actions


@pytest.mark.asyncio
async def test_two_operators_claiming_at_once_one_gets_it(settings):
    record_handoff(settings.database_url, "web:citizen0001", "ขอคุยกับเจ้าหน้าที่", "web")
    app = create_app(settings)
    async with TestClient(TestServer(app)) as one, TestClient(TestServer(app)) as two:
        await login(one, "op1")
        await login(two, "op2")
        tokens = [await page_csrf(one), await page_csrf(two)]
        results = await asyncio.gather(*[
            client.post("/console/handoff/1/claim", data={"csrf": token},
                        allow_redirects=False)
            for client, token in zip((one, two), tokens, strict=True)])
        statuses = sorted(r.status for r in results)
        assert statuses == [303, 409]
        loser = next(r for r in results if r.status == 409)
        assert "รับเรื่องนี้ไปแล้ว" in await loser.text()
    claims = [a for a in audit_actions(settings) if a[1] == "claim"]
    assert len(claims) == 1 and claims[0][2] == "H-000001"
    with db.session_factory(settings.database_url)() as session:
        told = [n.text for n in notify.pending(session, "web:citizen0001")]
    assert len([t for t in told if "รับเรื่องแล้ว" in t]) == 1


@pytest.mark.asyncio
async def test_every_staff_action_is_audited_and_the_reply_reaches_the_outbox(settings):
    record_handoff(settings.database_url, "web:citizen0001", "ขอคุยกับเจ้าหน้าที่", "web")
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "op1")
        token = await page_csrf(client)
        for action, data in (("claim", {}), ("reply", {"text": "สวัสดีครับ ยินดีช่วย"}),
                             ("note", {"text": "ผู้ร้องดูรีบ"}),
                             ("reply", {"canned": "1"}), ("resume", {})):
            response = await client.post(f"/console/handoff/1/{action}",
                                         data={"csrf": token, **data}, allow_redirects=False)
            assert response.status == 303, action
        case_page = await (await client.get("/console/handoff/1")).text()
        assert "ผู้ร้องดูรีบ" in case_page and "ส่งคืนให้ระบบตอบแล้ว" in case_page
        await client.post("/console/logout", data={"csrf": token}, allow_redirects=False)
        assert (await client.get("/console/", allow_redirects=False)).status == 303
    actions = [a for u, a, _ in audit_actions(settings) if u == "op1"]
    assert actions == ["login", "claim", "reply", "note", "reply", "resume", "logout"]
    with db.session_factory(settings.database_url)() as session:
        told = [n.text for n in notify.pending(session, "web:citizen0001")]
        case = session.get(HandoffRequest, 1)
    assert "เจ้าหน้าที่: สวัสดีครับ ยินดีช่วย" in told
    assert not any("ผู้ร้องดูรีบ" in t for t in told)  # internal notes stay internal
    assert any("ส่งการสนทนากลับให้ระบบ" in t for t in told)
    assert case.status == "closed" and case.first_reply_at is not None


@pytest.mark.asyncio
async def test_session_cookie_is_httponly_strict_and_secure_over_https(settings):
    secure = dataclasses.replace(settings, public_base_url="https://gov.example")
    async with TestClient(TestServer(create_app(secure))) as client:
        page = await client.get("/console/login")
        nonce = re.search(r"console_login=([^;]+)", page.headers["Set-Cookie"]).group(1)
        # the client keeps Secure cookies away from plain http: send it by hand
        response = await client.post(
            "/console/login", allow_redirects=False, headers={"Cookie": f"console_login={nonce}"},
            data={"csrf": csrf_of(await page.text()), "username": "op1", "password": PASSWORD})
        assert response.status == 303
        session = next(h for h in response.headers.getall("Set-Cookie")
                       if h.startswith(auth.COOKIE))
        for attribute in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/console"):
            assert attribute in session
