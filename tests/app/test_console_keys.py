"""Agency API keys: an admin issues one on the console page (shown once, only its hash
stored), it opens its own services' staff APIs and no others, revoking it shuts it out, every
issue and revoke is in the audit log; non-admins and forms without the CSRF token are refused;
the command line does the same; the forest and disaster skills' old keys move to the store."""

from __future__ import annotations

import re
import sqlite3

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, inspect, text

from bot.app.console import __main__ as console_cli
from bot.app.web.app import create_app
from bot.kernel import apikeys, db
from tests import servers
from tests.app.test_console_security import (  # noqa: F401  (settings: the fixture)
    audit_actions,
    csrf_of,
    login,
    settings,
)

WARNING = {"district_code": "TH1007", "issued_by": "สน.ลุมพินี",
           "text": "ระวังมิจฉาชีพแอบอ้างเป็นพนักงานส่งพัสดุในพื้นที่ปทุมวัน"}


def _sqlite_text(url: str) -> str:
    """Every value of every table, as text: what someone with a copy of the database sees."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return "\n".join(line for line in conn.iterdump())


async def _issue(client: TestClient, **fields: str):
    token = csrf_of(await (await client.get("/console/keys")).text())
    return await client.post("/console/keys", data={"csrf": token, **fields})


@pytest.mark.asyncio
async def test_an_admin_issues_a_key_that_opens_only_its_services_until_revoked(settings):  # noqa: F811
    async with TestClient(TestServer(create_app(settings))) as client:
        # no key issued: the staff APIs are off
        off = await client.post("/api/police/warnings", json=WARNING)
        assert off.status == 503 and "ยังไม่มีกุญแจ" in (await off.json())["error"]
        assert (await login(client, "root")).status == 303
        page = await _issue(client, agency_code="rtp", agency_name="สำนักงานตำรวจแห่งชาติ",
                            service_police="on", label="ระบบประกาศเตือนภัย")
        html = await page.text()
        assert page.status == 200 and "แสดงกุญแจนี้อีก" in html
        key = re.search(r'id="key-value"[^>]*value="(ak_[^"]+)"', html).group(1)
        # shown once: the list afterwards does not carry it
        listing = await (await client.get("/console/keys")).text()
        assert key not in listing and "สำนักงานตำรวจแห่งชาติ (RTP)" in listing
        assert "ยังไม่เคยใช้" in listing

        auth = {"Authorization": f"Bearer {key}"}
        posted = await client.post("/api/police/warnings", json=WARNING, headers=auth)
        assert posted.status == 201
        other = await client.get("/api/signtax/held-payments", headers=auth)
        assert other.status == 403 and "ไม่ได้รับสิทธิ์" in (await other.json())["error"]
        assert "ยังไม่เคยใช้" not in await (await client.get("/console/keys")).text()

        key_id = int(re.search(r'action="/console/keys/(\d+)/revoke"', listing).group(1))
        token = csrf_of(listing)
        revoked = await client.post(f"/console/keys/{key_id}/revoke", data={"csrf": token},
                                    allow_redirects=False)
        assert revoked.status == 303
        gone = await client.post("/api/police/warnings", json=WARNING, headers=auth)
        assert gone.status == 401 and "ถูกยกเลิก" in (await gone.json())["error"]
        assert "ยกเลิกแล้วเมื่อ" in await (await client.get("/console/keys")).text()
        missing = await client.post("/console/keys/999/revoke", data={"csrf": token})
        assert missing.status == 404 and "ไม่พบกุญแจนี้" in await missing.text()

    dump = _sqlite_text(settings.database_url)
    assert key not in dump and apikeys.digest(key) in dump  # the hash only
    actions = audit_actions(settings)
    assert ("root", "create_key", f"RTP #{key_id}") in actions
    assert ("root", "revoke_key", f"RTP #{key_id}") in actions


@pytest.mark.asyncio
async def test_a_key_is_not_issued_without_an_agency_or_a_service(settings):  # noqa: F811
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "root")
        for fields, reason in (({"agency_code": "DNP", "agency_name": "กรมอุทยาน"},
                                "อย่างน้อยหนึ่งบริการ"),
                               ({"agency_code": "ก", "agency_name": "x", "service_forest": "on"},
                                "รหัสหน่วยงาน"),
                               ({"agency_code": "DNP", "agency_name": " ",
                                 "service_forest": "on"}, "ชื่อหน่วยงาน")):
            page = await _issue(client, **fields)
            html = await page.text()
            assert page.status == 400 and reason in html and 'role="alert"' in html
            assert 'id="key-value"' not in html
    with db.session_factory(settings.database_url)() as session:
        assert apikeys.listing(session) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("username", ["boss", "op1", "taxi"])
async def test_only_admins_reach_the_keys_page(settings, username):  # noqa: F811
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, username)
        page = await client.get("/console/keys", allow_redirects=False)
        assert page.status == 403 and "ไม่มีสิทธิ์" in await page.text()
        token = csrf_of(await (await client.get(
            "/console/cases" if username == "taxi" else "/console/")).text())
        posted = await client.post("/console/keys", data={
            "csrf": token, "agency_code": "EVIL", "agency_name": "x", "service_police": "on"})
        assert posted.status == 403
    with db.session_factory(settings.database_url)() as session:
        assert apikeys.listing(session) == []


@pytest.mark.asyncio
async def test_key_forms_without_the_csrf_token_are_refused(settings):  # noqa: F811
    with db.session_factory(settings.database_url).begin() as session:
        row, key = apikeys.issue(session, "DNP", "กรมอุทยาน", ["forest"])
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "root")
        for path, data in (("/console/keys", {"agency_code": "EVIL", "agency_name": "x",
                                              "service_police": "on"}),
                           (f"/console/keys/{row.id}/revoke", {"csrf": "wrong"})):
            refused = await client.post(path, data=data, allow_redirects=False)
            assert refused.status == 403 and "แบบฟอร์มหมดอายุ" in await refused.text()
    with db.session_factory(settings.database_url)() as session:
        assert [(r.agency_code, r.revoked_at) for r in apikeys.listing(session)] == [("DNP", None)]


def test_the_command_line_issues_lists_and_revokes_keys_and_audits_them(
        settings, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert console_cli.main(["create-key", "--agency", "DLT", "--name", "กรมการขนส่งทางบก",
                             "--services", "motortaxi, police"]) == 0
    key = capsys.readouterr().out.strip()
    assert console_cli.main(["create-key", "--agency", "DLT", "--name", "x",
                             "--services", "lottery"]) == 1
    assert "ไม่รู้จักบริการ lottery" in capsys.readouterr().err
    with db.session_factory(settings.database_url).begin() as session:
        found = apikeys.check(session, f"Bearer {key}", "police")
        assert isinstance(found, apikeys.Caller) and found.agency == "DLT"
        assert apikeys.check(session, f"Bearer {key}", "forest") == apikeys.Refusal("forbidden")
    assert console_cli.main(["list-keys"]) == 0
    listed = capsys.readouterr().out
    assert "DLT\tmotortaxi,police\tactive" in listed and key not in listed
    key_id = listed.split("\t")[0]
    assert console_cli.main(["revoke-key", key_id]) == 0
    assert console_cli.main(["revoke-key", "999"]) == 1
    with db.session_factory(settings.database_url).begin() as session:
        assert apikeys.check(session, f"Bearer {key}", "police") == apikeys.Refusal(
            "unauthorized")
    assert [a for a in audit_actions(settings) if a[1].endswith("_key")] == [
        ("command line", "create_key", f"DLT #{key_id}"),
        ("command line", "revoke_key", f"DLT #{key_id}")]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A new empty database of each kind (PostgreSQL: skipped, saying why, without a server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    try:
        with servers.postgres_admin() as admin, servers.postgres_database(admin) as database:
            yield database["app"]
            db.engine_for(database["app"]).dispose()
    except servers.Unavailable as why:
        pytest.skip(f"no PostgreSQL server: {why}")


def test_old_forest_and_disaster_keys_move_to_the_one_store_and_keep_working(empty_database):
    url = empty_database
    db.upgrade(url, "forest_0001")
    db.upgrade(url, "disaster_0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO forest_agency_keys (agency, key_hash, created_at) "
                          "VALUES ('DNP', :h, '2026-11-01 00:00:00')"),
                     {"h": apikeys.digest("old-forest-key")})
        conn.execute(text("INSERT INTO disaster_organisations (code, name_th, name_en, acronym, "
                          "kind, phone, province_code, source_agency, source_id, "
                          "last_verified_at, created_at, updated_at) VALUES ('DDPM-UBN', "
                          "'สำนักงาน ปภ. อุบลราชธานี', '', '', 'government', '', 'TH34', "
                          "'DDPM-UBN', 'o1', :t, :t, :t)"), {"t": "2026-11-01 00:00:00"})
        for key, revoked in (("dk_old-disaster-key", None), ("dk_old-revoked", "2026-11-02")):
            conn.execute(text("INSERT INTO disaster_agency_keys (org_id, key_hash, label, "
                              "created_at, revoked_at) VALUES (1, :h, 'ห้องปฏิบัติการ', "
                              "'2026-11-01 00:00:00', :r)"),
                         {"h": apikeys.digest(key), "r": revoked})
    db.upgrade(url)
    tables = inspect(engine).get_table_names()
    engine.dispose()
    assert "forest_agency_keys" not in tables and "disaster_agency_keys" not in tables
    with db.session_factory(url).begin() as session:
        forest = apikeys.check(session, "Bearer old-forest-key", "forest")
        disaster = apikeys.check(session, "Bearer dk_old-disaster-key", "disaster")
        assert (forest.agency, forest.agency_name) == ("DNP", "กรมอุทยานแห่งชาติ สัตว์ป่า และพันธุ์พืช")
        assert (disaster.agency, disaster.agency_name) == ("DDPM-UBN", "สำนักงาน ปภ. อุบลราชธานี")
        assert apikeys.check(session, "Bearer dk_old-revoked", "disaster").why == "unauthorized"
        assert apikeys.check(session, "Bearer old-forest-key", "disaster").why == "forbidden"
