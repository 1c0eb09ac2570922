"""Pages and APIs of the motortaxi skill, mounted by the app (``setup(app, settings)``).

Public pages (no login; opened by scanning a vest QR or a shared-trip link):

* ``GET /motortaxi/v/<token>``: who the rider is and whether they may carry passengers
* ``GET /motortaxi/trip/<token>``: a shared trip and the rider's last reported position

Public API: ``GET /api/motortaxi/verify?code=4821-0934``, rate-limited per client
(``VERIFY_PER_MINUTE``, ``VERIFY_BURST``; 429 with ``Retry-After``) so riders cannot be
enumerated. The rider page needs the vest's unguessable QR token, not a code, so it is not
limited.

Staff APIs (``Authorization: Bearer <agency API key>`` scoped to ``motortaxi``): vest sheets,
revoking, complaint status (the citizen is notified), position batches, activity per province.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from datetime import timedelta, timezone
from html import escape
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.kernel import apikeys
from bot.kernel.db import session_factory
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.ratelimit import RateLimit, SharedRateLimit, client_key, limit_for

from . import demo, service, vest
from .models import CASE_STATUSES, Rider

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
VERIFY_PER_MINUTE, VERIFY_BURST = 30, 10  # a passenger checks a rider or two, not hundreds
_BKK = timezone(timedelta(hours=7))  # times on pages are Thai local time
CSS = """
:root{color-scheme:light}
body{font-family:system-ui,"Noto Sans Thai","Leelawadee UI",sans-serif;margin:0;
background:#fff;color:#1a1a1a;font-size:1.125rem;line-height:1.6;overflow-wrap:anywhere}
main{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:fit-content(40%) minmax(0,1fr);gap:.25rem 1rem;margin:0}
dt,dd{min-width:0}
@media (max-width:30rem){dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.5rem}}
dt{font-weight:700}dd{margin:0}
.status{border:3px solid;border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0;font-weight:700}
.ok{color:#0b5d1e;background:#e6f4ea;border-color:#0b5d1e}
.bad{color:#8a1c1c;background:#fdecea;border-color:#8a1c1c}
.note{background:#fff4ce;color:#3d2e00;border-left:4px solid #8a6d00;padding:.5rem .75rem}
.button{display:inline-block;background:#0b3d91;color:#fff;padding:.75rem 1.25rem;
border-radius:.5rem;text-decoration:none;font-weight:700;margin:.5rem 0}
.button:focus,a:focus{outline:3px solid #f9a825;outline-offset:2px}
:focus-visible{outline:3px solid #a04e00;outline-offset:2px}
img{max-width:8rem;height:auto}
@media (forced-colors:active){body,.ok,.bad,.note{background:Canvas;color:CanvasText;
border-color:CanvasText}.button{background:ButtonFace;color:ButtonText;border:2px solid ButtonText}
.status{border-style:double}:focus-visible,.button:focus,a:focus{outline-color:Highlight}}
"""
PLACEHOLDER_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 150" width="120" '
                   'height="150"><rect width="120" height="150" fill="#e0e0e0"/>'
                   '<circle cx="60" cy="55" r="28" fill="#9e9e9e"/>'
                   '<rect x="22" y="95" width="76" height="50" rx="20" fill="#9e9e9e"/></svg>')


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))


def _error(status: int, key: str, **values: Any) -> web.Response:
    return _json({"error": service.texts(f"reasons.{key}", **values)}, status)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = (f'<!doctype html><html lang="th"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/motortaxi/page.css"></head>'
            f'<body><main>{body}</main></body></html>')
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def rider_page(view: dict[str, Any], chat_url: str = "/") -> str:
    """The verification page body for one rider (the data from ``service.rider_view``)."""
    t = service.texts.section("page")
    css = "ok" if view["ok"] else "bad"
    mark = "✔ " if view["ok"] else "✖ "
    rows = [(t["code"], view["code"]),
            (t["name"], f"{view['first_name']} {view['last_name_masked']}"),
            (t["plate"], view["plate"]), (t["win"], view["win"]),
            (t["district"], f"{view['district']} {view['province']}".strip()),
            (t["licence_expiry"], view["licence_expiry_th"] or "-"),
            (t["complaints"], t["complaints_count"].format(count=view["complaints"]))]
    parts = [f"<h1>{escape(t['title'])}</h1>"]
    if view["synthetic"]:
        parts.append(f'<p class="note">{escape(t["synthetic"])}</p>')
    parts.append(f'<p class="status {css}" role="status">{escape(t["status"])}: '
                 f'<span aria-hidden="true">{mark}</span>{escape(view["status_words"])}</p>')
    if not view["ok"]:
        parts.append(f'<p><strong>{escape(t["warning_stop"])}</strong></p>')
    parts.append(f'<img src="/motortaxi/placeholder.svg" width="120" height="150" '
                 f'alt="{escape(t["photo_alt"])}">')
    parts.append(f"<h2>{escape(t['details'])}</h2><dl>")
    parts += [f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows]
    parts.append("</dl>")
    parts.append(f"<h2>{escape(t['complain'])}</h2>")
    parts.append(f'<p><a class="button" href="{escape(chat_url)}">{escape(t["complain"])}</a></p>')
    parts.append(f"<p>{escape(t['complain_hint'].format(code=view['code']))}</p>")
    parts.append(f"<p>{escape(t['hotline'])}</p>")
    return "".join(parts)


def setup(app: web.Application, settings,
          verify_limit: RateLimit | SharedRateLimit | None = None) -> None:
    """Add the skill's routes to the app; with demo data on, seed demo riders into an empty registry.

    ``verify_limit`` replaces the public verify API's per-client limit (tests pass their own).
    """
    factory = session_factory(settings.database_url)
    out_dir = settings.var_dir / "motortaxi"
    limit = verify_limit or limit_for(app, "motortaxi-verify", VERIFY_PER_MINUTE, VERIFY_BURST)

    gate = apikeys.Gate(settings.database_url, "motortaxi")

    async def staff_denied(request: web.Request) -> web.Response | None:
        found = await gate.check(request.headers.get("Authorization"))
        return _json({"error": found.reason}, found.status) \
            if isinstance(found, apikeys.Refusal) else None

    async def read_json(request: web.Request) -> Any:
        try:
            raw = await read_whole(request.content, MAX_BODY, request.content_length)
        except BodyTooLarge:
            raise ValueError("too_large") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # bad UTF-8 or JSON, huge ints, deep nesting
            raise ValueError("json") from None

    def run(fn, *args):
        def work():
            with factory.begin() as session:
                return fn(session, *args)
        return asyncio.to_thread(work)

    async def css(_request):
        return web.Response(text=CSS, content_type="text/css",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def placeholder(_request):
        return web.Response(text=PLACEHOLDER_SVG, content_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def verify_page(request: web.Request) -> web.Response:
        def work(session):
            rider = service.by_token(session, request.match_info["token"])
            return service.rider_view(session, rider) if rider else None
        view = await run(work)
        t = service.texts.section("page")
        if view is None:
            return _page(t["not_found_title"],
                         f'<h1>{escape(t["not_found_title"])}</h1>'
                         f'<p class="status bad" role="alert"><span aria-hidden="true">✖ </span>'
                         f'{escape(t["not_found_body"])}</p>', status=404)
        return _page(f"{t['title']}: {view['code']}", rider_page(view))

    async def trip_page(request: web.Request) -> web.Response:
        def work(session):
            trip = service.trip_by_token(session, request.match_info["token"])
            if trip is None:
                return None
            rider = session.get(Rider, trip.rider_id)
            pos = service.last_position(session, rider.id, trip.started_at)
            return trip, service.rider_view(session, rider), pos
        found = await run(work)
        t = service.texts.section("trip")
        if found is None:
            return _page(t["expired_title"], f'<h1>{escape(t["expired_title"])}</h1>'
                         f'<p>{escape(t["expired_body"].format(hours=service.TRIP_HOURS))}</p>',
                         status=404)
        trip, view, pos = found
        started = service.thai_time(trip.started_at.astimezone(_BKK))
        body = [f"<h1>{escape(t['title'])}</h1>",
                f'<p class="status bad">{escape(t["emergency"])}</p>',
                f"<dl><dt>{escape(t['started'])}</dt><dd>{escape(started)}</dd>",
                f"<dt>{escape(t['start_place'])}</dt><dd>{escape(trip.start_place or '-')}</dd></dl>",
                f"<h2>{escape(t['last_position'])}</h2>"]
        if pos is None:
            body.append(f"<p>{escape(t['no_position'])}</p>")
        else:
            when = pos.recorded_at.astimezone(_BKK).strftime("%H.%M น.")
            body.append(f"<p>{escape(t['position_at'].format(time=when, lat=f'{pos.latitude:.5f}', lon=f'{pos.longitude:.5f}'))}</p>")
            osm = (f"https://www.openstreetmap.org/?mlat={pos.latitude:.5f}&mlon="
                   f"{pos.longitude:.5f}#map=17/{pos.latitude:.5f}/{pos.longitude:.5f}")
            body.append(f'<p><a href="{escape(osm)}" rel="noopener">{escape(t["map_link"])}</a></p>')
        body.append(rider_page(view).replace("<h1>", "<h2>").replace("</h1>", "</h2>"))
        return _page(t["title"], "".join(body))

    async def verify_api(request: web.Request) -> web.Response:
        who = client_key(request.remote, request.headers.get("X-Forwarded-For"),
                         settings.trust_proxy)
        wait = await limit.check(who)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            response = _error(429, "rate_limited", seconds=seconds)
            response.headers["Retry-After"] = str(seconds)
            return response

        def work(session):
            found = service.lookup(session, request.query.get("code", ""))
            return found.outcome, (service.rider_view(session, found.rider) if found.rider else None)
        outcome, view = await run(work)
        if outcome in ("format", "check"):
            return _error(400, f"code_{outcome}")
        if view is None:
            return _error(404, "rider_not_found")
        return _json(view)

    async def vest_api(request: web.Request) -> web.Response:
        if (denied := await staff_denied(request)) is not None:
            return denied
        fmt = request.match_info["fmt"]
        if fmt not in vest.FORMATS:
            return _error(400, "format")

        def work(session):
            found = service.lookup(session, request.match_info["code"])
            return found.outcome, found.rider
        outcome, rider = await run(work)
        if outcome in ("format", "check"):
            return _error(400, f"code_{outcome}")
        if rider is None:
            return _error(404, "rider_not_found")
        url = service.verify_url(settings.public_base_url, rider)
        path = await asyncio.to_thread(vest.write, url, rider.code, fmt, out_dir / "vests")
        types = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
        return web.Response(body=path.read_bytes(), content_type=types[fmt],
                            headers={"Content-Disposition": f'inline; filename="{path.name}"'})

    async def rider_change(request: web.Request, change) -> web.Response:
        """Apply ``change(session, rider)`` to the rider named in the URL (staff only)."""
        if (denied := await staff_denied(request)) is not None:
            return denied

        def work(session):
            found = service.lookup(session, request.match_info["code"])
            if found.rider is None:
                return found.outcome, None
            change(session, found.rider)
            view = service.rider_view(session, found.rider)
            view["verify_url"] = service.verify_url(settings.public_base_url, found.rider)
            return "found", view
        outcome, view = await run(work)
        if outcome in ("format", "check"):
            return _error(400, f"code_{outcome}")
        if view is None:
            return _error(404, "rider_not_found")
        return _json(view)

    async def staff_body(request: web.Request) -> tuple[Any, web.Response | None]:
        """The staff request's JSON body, or the error response (auth, size, syntax)."""
        if (denied := await staff_denied(request)) is not None:
            return None, denied
        try:
            return await read_json(request), None
        except ValueError as exc:
            if str(exc) == "too_large":
                return None, _error(413, "too_large", kb=MAX_BODY // 1024)
            return None, _error(400, str(exc))

    async def revoke_api(request: web.Request) -> web.Response:
        return await rider_change(request, lambda session, rider: service.revoke(session, rider.code))

    async def reissue_api(request: web.Request) -> web.Response:
        return await rider_change(request, service.reissue_qr)

    async def case_status_api(request: web.Request) -> web.Response:
        body, denied = await staff_body(request)
        if denied is not None:
            return denied
        if not isinstance(body, dict):
            return _error(400, "body_object")
        status, note = body.get("status"), body.get("note", "")
        if status not in CASE_STATUSES:
            return _error(400, "case_status", allowed=", ".join(CASE_STATUSES))
        if not isinstance(note, str) or len(note) > 500:
            return _error(400, "note_long")

        def work(session):
            case, changed = service.set_case_status(session, request.match_info["case"],
                                                    status, note.strip())
            if case is None:
                return None
            return {"case": case.case_number, "status": case.status,
                    "status_words": service.status_words(case.status), "changed": changed}
        result = await run(work)
        if result is None:
            return _error(404, "case_not_found")
        return _json(result)

    async def cases_api(request: web.Request) -> web.Response:
        if (denied := await staff_denied(request)) is not None:
            return denied
        status = request.query.get("status") or None
        if status is not None and status not in CASE_STATUSES:
            return _error(400, "case_status", allowed=", ".join(CASE_STATUSES))
        return _json({"cases": await run(service.staff_cases, status)})

    async def positions_api(request: web.Request) -> web.Response:
        body, denied = await staff_body(request)
        if denied is not None:
            return denied
        items = body.get("positions") if isinstance(body, dict) else None

        def work(session):
            stored, problems = service.record_positions(session, items)
            if not problems:
                service.purge_positions(session)
            return stored, problems
        stored, problems = await run(work)
        if problems:
            return _json({"error": service.texts("reasons.positions_invalid"),
                          "problems": problems}, 400)
        return _json({"stored": stored, "received": len(items)})

    async def activity_api(request: web.Request) -> web.Response:
        if (denied := await staff_denied(request)) is not None:
            return denied
        return _json({"provinces": await run(service.activity_by_province),
                      "retention_hours": service.POSITION_RETENTION_HOURS})

    async def seed(_app):
        try:
            created = await run(demo.seed_demo_if_empty)
            if created:
                log.info("seeded %d synthetic demo riders", created)
        except IntegrityError:  # another web app seeded them at the same moment: done
            log.info("demo riders seeded by another web app")
        except Exception:  # a missing table must not stop the web app
            log.exception("could not seed demo riders")

    if settings.demo_data:
        app.on_startup.append(seed)
    app.router.add_get("/motortaxi/page.css", css)
    app.router.add_get("/motortaxi/placeholder.svg", placeholder)
    app.router.add_get("/motortaxi/v/{token}", verify_page)
    app.router.add_get("/motortaxi/trip/{token}", trip_page)
    app.router.add_get("/api/motortaxi/verify", verify_api)
    app.router.add_get("/api/motortaxi/riders/{code}/vest.{fmt}", vest_api)
    app.router.add_post("/api/motortaxi/riders/{code}/revoke", revoke_api)
    app.router.add_post("/api/motortaxi/riders/{code}/reissue-qr", reissue_api)
    app.router.add_get("/api/motortaxi/complaints", cases_api)
    app.router.add_post("/api/motortaxi/complaints/{case}/status", case_status_api)
    app.router.add_post("/api/motortaxi/positions", positions_api)
    app.router.add_get("/api/motortaxi/activity", activity_api)


