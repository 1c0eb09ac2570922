"""The console's pages under ``/console/`` (server-rendered, Jinja2, Thai).

Every page needs a signed-in staff user of the right role (``ALLOWED``); every POST needs the
session's CSRF token; every staff action is written to the audit log in the same
transaction as the action. Anonymous page requests go to the sign-in page; anonymous POSTs
and wrong roles get 403 with a Thai reason. ``/console/events`` is a server-sent event stream
that tells open pages to refresh their live region.
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.console import auth, handoff, keys, queues
from bot.app.console.models import (
    ADMIN,
    AGENCY,
    OPERATOR,
    ROLE_NAMES,
    SUPERVISOR,
    HandoffMessage,
    StaffAudit,
    StaffUser,
)
from bot.app.models import HandoffRequest
from bot.kernel import registry
from bot.kernel.cases import case_number
from bot.kernel.db import engine_for, session_factory, utcnow
from bot.kernel.ratelimit import client_key
from bot.kernel.settings import Settings
from bot.kernel.text import normalize

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOGIN_COOKIE = "console_login"
# Agency staff work the conversations transferred to their services' agencies only.
HANDOFF_ROLES = (OPERATOR, SUPERVISOR, ADMIN, AGENCY)
CASE_ROLES = (AGENCY, SUPERVISOR, ADMIN)
BOSS_ROLES = (SUPERVISOR, ADMIN)
ONLINE_MINUTES = 5
EVENTS_SECONDS = 60.0

REASONS = {
    "forbidden": "บัญชีนี้ไม่มีสิทธิ์ใช้หน้านี้",
    "signin": "กรุณาเข้าสู่ระบบก่อน",
    "csrf": "แบบฟอร์มหมดอายุหรือไม่ได้มาจากหน้านี้ กรุณาเปิดหน้าใหม่แล้วลองอีกครั้ง",
    "form": "อ่านข้อมูลแบบฟอร์มไม่ได้",
    "wrong": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง",
    "throttled": "ใส่รหัสผ่านผิดหลายครั้งเกินไป กรุณารอ 15 นาทีแล้วลองใหม่",
    "not_found": "ไม่พบเรื่องนี้",
    "taken": "มีเจ้าหน้าที่คนอื่นรับเรื่องนี้ไปแล้ว",
    "not_yours": "ต้องรับเรื่องก่อนจึงจะตอบหรือส่งคืนได้",
    "closed": "เรื่องนี้ปิดแล้ว",
    "empty": "ยังไม่ได้พิมพ์ข้อความ",
    "long": f"ข้อความยาวเกิน {handoff.MAX_REPLY:,} ตัวอักษร",
    "no_user": "ไม่พบเจ้าหน้าที่ที่จะโอนให้",
    "no_agency": "ไม่พบหน่วยงานที่จะโอนให้",
    "field_long": "ข้อความในแบบฟอร์มยาวเกินที่กำหนด",
}


class Refused(Exception):
    """A request refused: ``key`` names the Thai reason in ``REASONS``, or ``text`` is it."""

    def __init__(self, status: int, key: str, text: str = "") -> None:
        super().__init__(key)
        self.status, self.key, self.text = status, key, text


class Console:
    """The console's routes over the app database and the handoffs of the channels."""

    def __init__(self, settings: Settings, handoffs: handoff.Handoffs) -> None:
        self.settings = settings
        self.factory: sessionmaker[Session] = session_factory(settings.database_url)
        self.engine = engine_for(settings.database_url)
        self.handoffs = handoffs
        self.signer = auth.Signer(settings.secret_key)
        self.secure = settings.public_base_url.startswith("https://")
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["bkk"] = _bangkok
        self.env.globals["ROLE_NAMES"] = ROLE_NAMES
        self.env.globals["SERVICES"] = {m.id: m.name_th for m in registry.discover()}

    def setup(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/console/login", self.login_page)
        r.add_post("/console/login", self.login)
        r.add_post("/console/logout", self.guard(self.logout, None, post=True))
        r.add_get("/console/", self.guard(self.queue_page, HANDOFF_ROLES))
        r.add_get("/console/events", self.guard(self.events, None))
        r.add_get(r"/console/handoff/{case_id:\d{1,9}}",
                  self.guard(self.case_page, HANDOFF_ROLES))
        for action in ("claim", "reply", "note", "transfer", "resume"):
            r.add_post(rf"/console/handoff/{{case_id:\d{{1,9}}}}/{action}",
                       self.guard(getattr(self, action), HANDOFF_ROLES, post=True))
        r.add_get("/console/cases", self.guard(self.cases_page, CASE_ROLES))
        r.add_post(r"/console/cases/{table:[a-z0-9_]{1,64}}/{action:[a-z_]{1,32}}",
                   self.guard(self.case_action, CASE_ROLES, post=True))
        r.add_get("/console/supervisor", self.guard(self.supervisor_page, BOSS_ROLES))
        r.add_get("/console/supervisor.csv", self.guard(self.supervisor_csv, BOSS_ROLES))
        r.add_get("/console/supervisor-days.csv", self.guard(self.days_csv, BOSS_ROLES))
        r.add_get("/console/audit", self.guard(self.audit_page, BOSS_ROLES))
        keys.Pages(self).setup(app)

    # --- plumbing -----------------------------------------------------------------------

    def address(self, request: web.Request) -> str:
        return client_key(request.remote, request.headers.get("X-Forwarded-For"),
                          self.settings.trust_proxy)

    def page(self, template: str, status: int = 200, **values) -> web.Response:
        html = self.env.get_template(template).render(**values)
        return web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers={"Cache-Control": "no-store"})

    def refusal(self, status: int, key: str, user: StaffUser | None = None,
                csrf: str = "", text: str = "") -> web.Response:
        return self.page("message.html", status=status, title="ทำรายการไม่ได้",
                         reason=text or REASONS[key], user=user, csrf=csrf)

    def guard(self, handler: Callable[..., Awaitable[web.StreamResponse]],
              roles: tuple[str, ...] | None, post: bool = False):
        """``handler(request, user, csrf)`` for a signed-in user of ``roles`` (None: any);
        POSTs need the CSRF token (form field ``csrf``)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            found = self.signer.read(request.cookies.get(auth.COOKIE))
            user = None
            if found is not None:
                user = await asyncio.to_thread(self._active_user, found.user_id)
            if user is None:
                if post:
                    return self.refusal(403, "signin")
                raise web.HTTPSeeOther("/console/login")
            csrf = self.signer.csrf(found)
            if roles is not None and user.role not in roles:
                return self.refusal(403, "forbidden", user, csrf)
            try:
                if post:
                    form = await self.form(request)
                    if not self.signer.csrf_ok(found, form.get("csrf")):
                        return self.refusal(403, "csrf", user, csrf)
                    request["form"] = form
                return await handler(request, user, csrf)
            except Refused as exc:
                return self.refusal(exc.status, exc.key, user, csrf, exc.text)

        return guarded

    async def form(self, request: web.Request) -> dict[str, str]:
        try:
            data = await request.post()
        except (ValueError, UnicodeDecodeError, HttpProcessingError, AssertionError):
            raise Refused(400, "form") from None  # a malformed body (multipart headers...)
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def _active_user(self, user_id: int) -> StaffUser | None:
        with self.factory.begin() as session:
            user = session.get(StaffUser, user_id)
            if user is None or not user.active:
                return None
            user.last_seen_at = utcnow()
            return user

    def _act(self, request: web.Request, user: StaffUser, action: str, target: str,
             detail: str, work: Callable[[Session], str | None]) -> None:
        """``work`` and its audit line in one transaction; ``work`` returns a refusal key."""
        with self.factory.begin() as session:
            refused = work(session)
            if refused is not None:
                session.rollback()
                raise Refused(409 if refused in ("taken", "not_yours", "closed") else
                              403 if refused == "forbidden" else 400, refused)
            auth.audit(session, user, action, target, detail, self.address(request))

    # --- signing in and out -------------------------------------------------------------

    async def login_page(self, request: web.Request, reason: str = "",
                         status: int = 200) -> web.Response:
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
        response = self.page("login.html", status=status, reason=reason,
                             csrf=self.signer.mac(f"login:{nonce}"), user=None)
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="Strict",
                            secure=self.secure, path="/console")
        return response

    async def login(self, request: web.Request) -> web.Response:
        try:
            form = await self.form(request)
        except Refused:
            return await self.login_page(request, REASONS["form"], 400)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        token = form.get("csrf", "")
        if not nonce or not hmac.compare_digest(
                token.encode("utf-8", "surrogateescape"),
                self.signer.mac(f"login:{nonce}").encode()):
            return await self.login_page(request, REASONS["csrf"], 403)
        username = normalize(form.get("username", ""))[:64]
        password = form.get("password", "")[:256]
        address = self.address(request)
        user, why = await asyncio.to_thread(self._login, username, password, address)
        if user is None:
            return await self.login_page(request, REASONS[why], 429 if why == "throttled"
                                         else 401)
        response = web.HTTPSeeOther("/console/cases" if user.role == AGENCY else "/console/")
        response.set_cookie(auth.COOKIE, self.signer.cookie(user.id), httponly=True,
                            samesite="Strict", secure=self.secure, path="/console",
                            max_age=auth.SESSION_SECONDS)
        response.del_cookie(LOGIN_COOKIE, path="/console")
        raise response

    def _login(self, username: str, password: str, address: str
               ) -> tuple[StaffUser | None, str]:
        with self.factory.begin() as session:
            if auth.throttled(session, username, address):
                auth.audit(session, None, "login_throttled", "", "", address, username)
                return None, "throttled"
            user = auth.authenticate(session, username, password)
            if user is None:
                auth.note_failure(session, username, address)
                auth.audit(session, None, "login_failed", "", "", address, username)
                return None, "wrong"
            auth.audit(session, user, "login", "", "", address)
            return user, ""

    async def logout(self, request: web.Request, user: StaffUser, csrf: str) -> web.Response:
        await asyncio.to_thread(self._act, request, user, "logout", "", "", lambda s: None)
        response = web.HTTPSeeOther("/console/login")
        response.del_cookie(auth.COOKIE, path="/console")
        raise response

    # --- handoff ------------------------------------------------------------------------

    async def queue_page(self, request: web.Request, user: StaffUser, csrf: str):
        cases = await asyncio.to_thread(self.handoffs.queue, _agencies(user))
        return self.page("queue.html", user=user, csrf=csrf, cases=cases, now=utcnow(),
                         wait=_wait, in_hours=handoff.in_hours(),
                         hours=handoff.hours_label())

    def _case(self, request: web.Request, user: StaffUser) -> HandoffRequest:
        case = self.handoffs.get(int(request.match_info["case_id"]))
        if case is None:
            raise Refused(404, "not_found")
        if not _may_see(user, case):
            raise Refused(403, "forbidden")
        return case

    async def case_page(self, request: web.Request, user: StaffUser, csrf: str):
        case = await asyncio.to_thread(self._case, request, user)
        lines = await asyncio.to_thread(self.handoffs.transcript, case.id)
        staff = await asyncio.to_thread(self._staff)
        holder = next((s for s in staff if s.id == case.claimed_by), None)
        return self.page("case.html", user=user, csrf=csrf, case=case, lines=lines,
                         holder=holder, staff=[s for s in staff if _may_hold(s, case)],
                         agencies=_agencies_to(case), canned=handoff.config()["canned"],
                         now=utcnow(), wait=_wait, sla=handoff.sla(case, lines))

    def _staff(self) -> list[StaffUser]:
        with self.factory() as session:
            return list(session.scalars(select(StaffUser).where(StaffUser.active.is_(True))
                                        .order_by(StaffUser.username)))

    def _text(self, request: web.Request) -> str:
        form = request["form"]
        said = normalize(form.get("text", ""))
        canned = form.get("canned", "")
        if not said and canned.isascii() and canned.isdigit():
            options = handoff.config()["canned"]
            said = options[int(canned)] if int(canned) < len(options) else ""
        if not said:
            raise Refused(400, "empty")
        if len(said) > handoff.MAX_REPLY:
            raise Refused(400, "long")
        return said

    async def _do(self, request: web.Request, user: StaffUser, action: str, detail: str,
                  work: Callable[[Session, HandoffRequest], str | None]) -> web.Response:
        case_id = int(request.match_info["case_id"])
        sender_id: list[str] = []

        def run(session: Session) -> str | None:
            case = session.get(HandoffRequest, case_id)
            if case is None:
                return "not_found"
            if not _may_see(user, case):
                return "forbidden"
            if case.status != handoff.OPEN:
                return "closed"
            sender_id.append(case.sender_id)
            return work(session, case)

        try:
            await asyncio.to_thread(self._act, request, user, action,
                                    case_number(HandoffRequest.CASE_PREFIX, case_id), detail, run)
        except Refused as exc:
            if exc.key == "not_found":
                exc.status = 404
            raise
        self.handoffs.changed(sender_id[0])
        raise web.HTTPSeeOther(f"/console/handoff/{case_id}")

    def _mine(self, case: HandoffRequest, user: StaffUser) -> bool:
        return case.claimed_by == user.id or (case.claimed_by is not None
                                              and user.role in BOSS_ROLES)

    async def claim(self, request: web.Request, user: StaffUser, csrf: str):
        def work(session: Session, case: HandoffRequest) -> str | None:
            return None if self.handoffs.claim(session, case.id, user) else "taken"
        return await self._do(request, user, "claim", "", work)

    async def reply(self, request: web.Request, user: StaffUser, csrf: str):
        said = self._text(request)

        def work(session: Session, case: HandoffRequest) -> str | None:
            if not self._mine(case, user):
                return "not_yours"
            self.handoffs.reply(session, case, user, said)
            return None
        return await self._do(request, user, "reply", f"{len(said)} ตัวอักษร", work)

    async def note(self, request: web.Request, user: StaffUser, csrf: str):
        said = self._text(request)

        def work(session: Session, case: HandoffRequest) -> str | None:
            self.handoffs.note(session, case, user, said)
            return None
        return await self._do(request, user, "note", "", work)

    async def transfer(self, request: web.Request, user: StaffUser, csrf: str):
        """To another staff member (``to``: a user name) or to an agency (``agency``: the
        service whose agency staff then hold it)."""
        service = request["form"].get("agency", "")
        if service:
            skill = registry.get(service) if service.isascii() else None
            if skill is None:
                raise Refused(400, "no_agency")

            def to_agency(session: Session, case: HandoffRequest) -> str | None:
                if not self._mine(case, user):
                    return "not_yours"
                self.handoffs.transfer_agency(session, case, skill.id, skill.name_th)
                return None
            return await self._do(request, user, "transfer", f"agency:{skill.id}", to_agency)
        to_name = request["form"].get("to", "")
        staff = await asyncio.to_thread(self._staff)

        def to_person(session: Session, case: HandoffRequest) -> str | None:
            if not self._mine(case, user):
                return "not_yours"
            target = next((s for s in staff if s.username == to_name and _may_hold(s, case)),
                          None)
            if target is None:
                return "no_user"
            self.handoffs.transfer(session, case, target)
            return None
        return await self._do(request, user, "transfer", f"user:{to_name[:40]}", to_person)

    async def resume(self, request: web.Request, user: StaffUser, csrf: str):
        def work(session: Session, case: HandoffRequest) -> str | None:
            if not self._mine(case, user):
                return "not_yours"
            self.handoffs.resume(session, case)
            return None
        return await self._do(request, user, "resume", "", work)

    async def events(self, request: web.Request, user: StaffUser, csrf: str):
        """Server-sent ``change`` events: open pages refresh their live region."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        await response.write(b"retry: 3000\n\n")
        wake = self.handoffs.hub.listen(handoff.CONSOLE)
        loop = asyncio.get_running_loop()
        until = loop.time() + EVENTS_SECONDS
        try:
            while loop.time() < until:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), min(15.0, until - loop.time()))
                    await response.write(b"event: change\ndata: {}\n\n")
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.handoffs.hub.forget(handoff.CONSOLE, wake)
        return response

    # --- cases, supervisor, audit -------------------------------------------------------

    async def cases_page(self, request: web.Request, user: StaffUser, csrf: str):
        services = _agencies(user)
        found = await asyncio.to_thread(queues.listings, self.engine, services)
        await asyncio.to_thread(self._act, request, user, "view_cases", "",
                                ",".join(services or ["*"]), lambda s: None)
        return self.page("cases.html", user=user, csrf=csrf, listings=found)

    async def case_action(self, request: web.Request, user: StaffUser, csrf: str):
        """A skill's action on one of its cases (or a new case), as the skill declares it
        (``bot.kernel.cases.CaseAction``); agency staff for their services only."""
        queue = queues.find(request.match_info["table"])
        action = None if queue is None else next(
            (a for a in queue.actions if a.name == request.match_info["action"]), None)
        if action is None:
            raise Refused(404, "not_found")
        if user.role == AGENCY and queue.service not in user.services:
            raise Refused(403, "forbidden")
        form = request["form"]
        case_id = None
        if action.on_case:
            raw = form.get("case", "")
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
                raise Refused(400, "form")
            case_id = int(raw)
        values = {}
        for field in action.fields:
            value = normalize(form.get(field.name, ""))
            if len(value) > field.max_length:
                raise Refused(400, "field_long")
            if field.choices and value not in {v for v, _ in field.choices}:
                raise Refused(400, "form")
            values[field.name] = value
        detail = " ".join(f"{f.name}={values[f.name]}" if f.choices else
                          f"{f.name}:{len(values[f.name])}" for f in action.fields)
        address = self.address(request)

        def run() -> None:
            with self.factory.begin() as session:
                said = action.run(session, case_id, values)
                if said is not None:
                    raise Refused(409 if action.on_case else 400, "", said)
                auth.audit(session, user, f"case_{action.name}",
                           queues.case_label(session, queue, case_id) or queue.table,
                           detail, address)

        await asyncio.to_thread(run)
        self.handoffs.notified()  # the citizen's new status, a published warning
        self.handoffs.hub.poke(handoff.CONSOLE)
        raise web.HTTPSeeOther(f"/console/cases#{queue.table}")

    def _figures(self) -> dict:
        now = utcnow()
        queue = self.handoffs.queue()
        waits = [(now - handoff.aware(c.created_at)).total_seconds() / 60 for c in queue
                 if c.claimed_by is None]
        with self.factory() as session:
            online = list(session.scalars(select(StaffUser).where(
                StaffUser.last_seen_at.is_not(None)).order_by(StaffUser.username)))
        online = [u for u in online
                  if (now - handoff.aware(u.last_seen_at)).total_seconds() < ONLINE_MINUTES * 60]
        slas = self._slas(now)
        firsts = [s.first for _, s in slas if s.first is not None]
        limit = handoff.claim_minutes()
        return {"queue": len(queue), "unclaimed": len(waits),
                "longest": max(waits, default=0.0),
                "breaches": sum(1 for w in waits if w > limit), "limit": limit,
                "first_reply": sum(firsts) / len(firsts) if firsts else None,
                "reply_limit": handoff.reply_minutes(),
                "sla_breaches": [(c, s) for c, s in slas if s.breaches],
                "online": online, "days": queues.DAYS,
                "per_day": queues.per_day(self.engine, HandoffRequest.__table__, queues.DAYS)}

    def _slas(self, now: datetime, days: int | None = queues.DAYS, limit: int = 500
              ) -> list[tuple[HandoffRequest, handoff.Sla]]:
        """Each conversation with a person (of the last ``days`` days; None: all) and its
        reply times."""
        query = select(HandoffRequest).order_by(HandoffRequest.id.desc()).limit(limit)
        if days is not None:
            query = query.where(HandoffRequest.created_at >= now - timedelta(days=days))
        with self.factory() as session:
            cases = list(session.scalars(query))
            lines: dict[int, list[handoff.Line]] = {c.id: [] for c in cases}
            for m in session.scalars(select(HandoffMessage).where(
                    HandoffMessage.handoff_id.in_(list(lines))).order_by(HandoffMessage.id)):
                lines[m.handoff_id].append(handoff.Line(m.kind, m.author, m.text, m.at))
        return [(c, handoff.sla(c, lines[c.id], now)) for c in cases]

    async def supervisor_page(self, request: web.Request, user: StaffUser, csrf: str):
        figures = await asyncio.to_thread(self._figures)
        return self.page("supervisor.html", user=user, csrf=csrf, f=figures)

    async def supervisor_csv(self, request: web.Request, user: StaffUser, csrf: str):
        """Every conversation with a person, with its reply times (minutes) and breaches."""
        slas = await asyncio.to_thread(self._slas, utcnow(), None, 5000)
        rows = [["case", "channel", "service", "agency", "priority", "status", "created_at",
                 "claimed_at", "first_reply_at", "closed_at", "first_reply_minutes",
                 "next_replies", "longest_next_reply_minutes", "sla_breaches"]]
        rows += [[c.case_number, c.channel, c.service, c.agency, c.priority, c.status,
                  *(_iso(t) for t in (c.created_at, c.claimed_at, c.first_reply_at,
                                      c.closed_at)),
                  _minutes(s.first), len(s.next), _minutes(s.longest_next), s.breaches]
                 for c, s in slas]
        return await self._csv(request, user, "handoffs.csv", rows)

    async def days_csv(self, request: web.Request, user: StaffUser, csrf: str):
        """Cases per service per day (the supervisor view's table)."""
        counts = await asyncio.to_thread(queues.per_day, self.engine, HandoffRequest.__table__,
                                         queues.DAYS)
        return await self._csv(request, user, "cases-per-day.csv",
                               [["day", "service", "cases"], *map(list, counts)])

    async def _csv(self, request: web.Request, user: StaffUser, name: str,
                   rows: list[list]) -> web.Response:
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        await asyncio.to_thread(self._act, request, user, "export_csv", name,
                                str(len(rows) - 1), lambda s: None)
        return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def audit_page(self, request: web.Request, user: StaffUser, csrf: str):
        def rows() -> list[StaffAudit]:
            with self.factory() as session:
                return list(session.scalars(select(StaffAudit).order_by(
                    StaffAudit.id.desc()).limit(200)))
        return self.page("audit.html", user=user, csrf=csrf, rows=await asyncio.to_thread(rows))


def _agencies(user: StaffUser) -> list[str] | None:
    """The services whose transferred conversations ``user`` works (None: all of them)."""
    return list(user.services) if user.role == AGENCY else None


def _may_see(user: StaffUser, case: HandoffRequest) -> bool:
    return user.role != AGENCY or case.agency in user.services


def _may_hold(staff: StaffUser, case: HandoffRequest) -> bool:
    """Who a conversation may be transferred to: a hotline operator (or supervisor, admin),
    or agency staff of the agency that holds it."""
    return staff.role in (OPERATOR, SUPERVISOR, ADMIN) or (
        staff.role == AGENCY and case.agency in staff.services)


def _agencies_to(case: HandoffRequest) -> list[registry.Manifest]:
    """The services a conversation may be transferred to (the agency's own excepted)."""
    return [m for m in registry.discover() if m.id != case.agency]


def _wait(since: datetime, now: datetime) -> str:
    minutes = int((now - handoff.aware(since)).total_seconds() // 60)
    return f"{minutes} นาที" if minutes < 60 else f"{minutes // 60} ชม. {minutes % 60} นาที"


def _bangkok(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return handoff.aware(moment).astimezone(handoff.BANGKOK).strftime("%d/%m/%Y %H:%M")


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else handoff.aware(moment).isoformat()


def setup(app: web.Application, settings: Settings, handoffs: handoff.Handoffs) -> Console:
    console = Console(settings, handoffs)
    console.setup(app)
    return console
