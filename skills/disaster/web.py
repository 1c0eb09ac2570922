"""Staff APIs of the disaster skill under ``/api/disaster/``, mounted by the app.

Every route needs ``Authorization: Bearer <key>``: an agency API key scoped to ``disaster``
(``python -m bot.app.console create-key --agency DDPM-UBN --services disaster``) whose agency
code is an organisation of the registry; it says which organisation is calling, so an agency
pledges and updates only its own stock and shelters. A key of DDPM acts as the host and may
do everything (``keys.py``). Bad input is answered 4xx with a Thai reason,
never 500, and a refused change leaves nothing half-written (one transaction per call).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from bot.kernel import apikeys
from bot.kernel.db import session_factory, utcnow
from bot.kernel.geo.places import resolve_place
from bot.kernel.httpbody import BodyTooLarge, read_whole

from . import demo, exports, keys, lifecycle, search, service
from .catalogue import CATALOGUE, UnitError
from .lifecycle import Line, RequestError
from .models import (
    CASE_STATUSES,
    MERGE_STATUSES,
    HelpCase,
    Item,
    MergeProposal,
    Organisation,
    Site,
    Stock,
)
from .texts import texts

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
MAX_N = 50
HOST = keys.HOST


class Refused(Exception):
    """An answer other than 200: the status and the Thai reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))


def _reason(key: str, **values: Any) -> str:
    return texts(f"reasons.{key}", **values)


def _int(query, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Refused(400, _reason("number", field=name, low=low, high=high)) from None
    if not low <= value <= high:
        raise Refused(400, _reason("number", field=name, low=low, high=high))
    return value


def _float(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool):
        raise Refused(400, _reason("field", field=name))
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        raise Refused(400, _reason("field", field=name)) from None
    if not math.isfinite(out) or not low <= out <= high:
        raise Refused(400, _reason("field", field=name))
    return out


def _text(body: dict, name: str, limit: int) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise Refused(400, _reason("field", field=name))
    return value.strip()


def _where(query) -> dict[str, Any]:
    """The point (lat/lon or a place name) or area (province/district P-code) asked about."""
    if query.get("lat") not in (None, "") or query.get("lon") not in (None, ""):
        return {"lat": _float(query.get("lat"), "lat", -90, 90),
                "lon": _float(query.get("lon"), "lon", -180, 180)}
    place = (query.get("place") or "").strip()
    if place:
        if len(place) > 200:
            raise Refused(400, _reason("field", field="place"))
        found = resolve_place(place, answer=True)
        if not found:
            raise Refused(404, _reason("place_unknown", place=place))
        if len({(p.lat, p.lon) for p in found}) > 1:
            raise Refused(400, _reason("place_ambiguous", place=place))
        return {"lat": found[0].lat, "lon": found[0].lon, "place": found[0].name_th}
    province, district = (query.get("province") or "").upper(), (query.get("district") or "").upper()
    if province or district:
        if province and not re.fullmatch(r"TH\d{2}", province) or \
                district and not re.fullmatch(r"TH\d{4}", district):
            raise Refused(400, _reason("field", field="province/district"))
        return {"province": province, "district": district}
    raise Refused(400, _reason("where"))


def setup(app: web.Application, settings) -> None:
    """Add the staff APIs; with demo data on, seed the synthetic registry into an empty one."""
    factory = session_factory(settings.database_url)

    def caller(session, request: web.Request) -> Organisation | str:
        """The calling organisation, or ``HOST`` for a key of the host agency."""
        found = apikeys.check(session, request.headers.get("Authorization"), "disaster")
        if isinstance(found, apikeys.Refusal):
            raise Refused(found.status, found.reason)
        org = keys.organisation_for(session, found.agency)
        if org is None:
            raise Refused(403, _reason("org_unknown", agency=found.agency))
        return org

    async def body_of(request: web.Request) -> dict[str, Any]:
        try:
            raw = await read_whole(request.content, MAX_BODY, request.content_length)
        except BodyTooLarge:
            raise Refused(413, _reason("too_large", kb=MAX_BODY // 1024)) from None
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, RecursionError):
            raise Refused(400, _reason("json")) from None
        if not isinstance(body, dict):
            raise Refused(400, _reason("body_object"))
        return body

    def handler(work, *, with_body: bool = False):
        """Wrap ``work(session, who, request, body)`` in auth, one transaction, 4xx answers."""
        async def handle(request: web.Request) -> web.Response:
            def who_calls():
                with factory.begin() as session:
                    who = caller(session, request)
                    return who if who == HOST else who.id

            try:
                who_id = await asyncio.to_thread(who_calls)  # refused before the body is read
                body = await body_of(request) if with_body else {}

                def run():
                    with factory.begin() as session:
                        who = HOST if who_id == HOST else session.get(Organisation, who_id)
                        return work(session, who, request, body)
                result = await asyncio.to_thread(run)
            except Refused as exc:
                return _json({"error": exc.reason}, exc.status)
            except RequestError as exc:
                return _json({"error": str(exc)}, exc.status)
            except OperationalError:
                log.exception("disaster API database busy")
                return _json({"error": "ระบบไม่ว่างชั่วครู่ ลองใหม่อีกครั้ง"}, 503)
            except (IntegrityError, DataError):  # refused by the database: nothing was written
                log.warning("disaster API: the database refused a change", exc_info=True)
                return _json({"error": _reason("field", field="body")}, 400)
            if isinstance(result, web.Response):
                return result
            return _json(result)
        return handle

    def org_of(who) -> Organisation | None:
        return None if who == HOST else who

    def actor(who) -> str:
        return keys.HOST_AGENCY if who == HOST else who.code

    def resources(session, who, request, _body):
        query = request.query
        kind = search.resolve_kind((query.get("kind") or "").strip()[:60])
        if kind is None:
            raise Refused(400, _reason("kind", kind=(query.get("kind") or "")[:60]))
        n = _int(query, "n", 5, 1, MAX_N)
        where = _where(query)
        if "lat" in where:
            hits = search.nearest(session, *kind, where["lat"], where["lon"], n)
        else:
            hits = search.in_area(session, *kind, where["province"], where["district"], n)
        return {"kind": kind[0], "code": kind[1], "where": where,
                "results": [h.to_dict() for h in hits]}

    def experts(session, who, request, _body):
        query = request.query
        word = (query.get("skill") or "").strip()[:60]
        skill = word if word in CATALOGUE.raw["skills"] else CATALOGUE.skill(word)
        if skill is None:
            raise Refused(400, _reason("skill", skill=word))
        level = _int(query, "level", 1, 1, 4)
        on = date.today()
        if query.get("on"):
            try:
                on = date.fromisoformat(query["on"])
            except ValueError:
                raise Refused(400, _reason("date", field="on")) from None
        certified = (query.get("certified") or "1") not in ("0", "false", "no")
        province = (query.get("province") or "").upper()[:8]
        return {"skill": skill, "level": level, "on": on.isoformat(),
                "results": search.experts(session, skill, level, on, province, certified)}

    def new_request(session, who, request, body):
        items = body.get("items")
        if not isinstance(items, list) or not items or len(items) > 50 or not all(
                isinstance(i, dict) for i in items):
            raise Refused(400, _reason("items_list"))
        lines = []
        for i in items:
            qty = i.get("quantity")
            if isinstance(qty, bool) or not isinstance(qty, (int, float, str)):
                raise Refused(400, _reason("items_list"))
            if not isinstance(i.get("item"), str) or not isinstance(i.get("unit", ""), str):
                raise Refused(400, _reason("items_list"))
            lines.append(Line(i["item"][:60], qty, i.get("unit", "")[:30]))
        priority = body.get("priority", 2)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise Refused(400, _reason("priority"))
        lat = lon = None
        if body.get("lat") is not None or body.get("lon") is not None:
            lat, lon = _float(body.get("lat"), "lat", -90, 90), _float(body.get("lon"), "lon", -180, 180)
        needed = None
        if body.get("needed_by"):
            try:
                needed = date.fromisoformat(str(body["needed_by"])[:10])
            except ValueError:
                raise Refused(400, _reason("date", field="needed_by")) from None
        made = lifecycle.create_request(
            session, lines=lines, requester_org=org_of(who),
            requester_name=_text(body, "requester_name", 200),
            notify_to=_text(body, "notify_to", 128), priority=priority,
            place_th=_text(body, "place", 300), lat=lat, lon=lon, needed_by=needed,
            purpose=_text(body, "purpose", 500), actor=actor(who))
        return _json(lifecycle.view(session, made), 201)

    def the_request(session, request):
        found = lifecycle.by_ref(session, request.match_info["ref"])
        if found is None:
            raise Refused(404, _reason("request_not_found"))
        return found

    def get_request(session, who, request, _body):
        return lifecycle.view(session, the_request(session, request))

    def pledge(session, who, request, body):
        req = the_request(session, request)
        stock_id = body.get("stock_id")
        if not isinstance(stock_id, int) or isinstance(stock_id, bool) or not 0 < stock_id < 2**31:
            raise Refused(400, _reason("field", field="stock_id"))
        qty = body.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, (int, float, str)):
            raise Refused(400, _reason("field", field="quantity"))
        unit = _text(body, "unit", 30)
        org = org_of(who)
        if org is None:  # the host pledges on behalf of the stock's owner
            stock = session.get(Stock, stock_id)
            if stock is None:
                raise Refused(404, _reason("stock_not_found"))
            org = session.get(Organisation, session.get(Site, stock.site_id).org_id)
        made = lifecycle.pledge(session, req, org, stock_id, qty, unit, actor=actor(who))
        return _json({"pledge": made.id, "request": lifecycle.view(session, req)}, 201)

    def cancel_request(session, who, request, _body):
        req = the_request(session, request)
        if who != HOST and req.requester_org_id != who.id:
            raise Refused(403, _reason("host_only"))
        released = lifecycle.cancel_request(session, req, actor=actor(who))
        return {"released": released, "request": lifecycle.view(session, req)}

    def pledge_step(step):
        def work(session, who, request, _body):
            try:
                pid = int(request.match_info["pledge"])
            except ValueError:
                raise Refused(404, _reason("pledge_not_found")) from None
            if not 0 < pid < 2**31:
                raise Refused(404, _reason("pledge_not_found"))
            made = step(session, pid, org_of(who), actor=actor(who))
            return {"pledge": made.id, "status": made.status}
        return work

    def update_stock(session, who, request, body):
        try:
            sid = int(request.match_info["stock"])
        except ValueError:
            raise Refused(404, _reason("stock_not_found")) from None
        stock = session.get(Stock, sid) if 0 < sid < 2**31 else None
        if stock is None:
            raise Refused(404, _reason("stock_not_found"))
        site = session.get(Site, stock.site_id)
        if who != HOST and site.org_id != who.id:
            raise Refused(403, _reason("not_your_stock"))
        qty = body.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, (int, float, str)):
            raise Refused(400, _reason("field", field="quantity"))
        item = session.get(Item, stock.item_id)
        try:
            base = CATALOGUE.to_base(item.code, qty, _text(body, "unit", 30))
        except UnitError as exc:
            raise Refused(400, str(exc)) from None
        if base < stock.reserved:
            raise Refused(409, _reason("not_enough_stock", item=item.name_th))
        stock.quantity = base
        stock.last_verified_at = utcnow()
        lifecycle.audit(session, actor(who), "update", "stock", stock.id, quantity=base)
        return {"stock": stock.id, "quantity": stock.quantity, "reserved": stock.reserved,
                "unit": item.base_unit}

    def update_shelter(session, who, request, body):
        try:
            sid = int(request.match_info["site"])
        except ValueError:
            raise Refused(404, _reason("shelter_not_found")) from None
        site = session.get(Site, sid) if 0 < sid < 2**31 else None
        if site is None or site.kind != "shelter":
            raise Refused(404, _reason("shelter_not_found"))
        if who != HOST and site.org_id != who.id:
            raise Refused(403, _reason("not_your_stock"))
        if "occupancy" in body:
            occ = body["occupancy"]
            if not isinstance(occ, int) or isinstance(occ, bool) or occ < 0 or (
                    site.capacity is not None and occ > site.capacity) or occ > 10**6:
                raise Refused(400, _reason("occupancy"))
            site.occupancy = occ
        if "is_open" in body:
            if not isinstance(body["is_open"], bool):
                raise Refused(400, _reason("field", field="is_open"))
            site.is_open = body["is_open"]
        site.last_verified_at = utcnow()
        lifecycle.audit(session, actor(who), "update", "shelter", site.id,
                        occupancy=site.occupancy, is_open=site.is_open)
        return {"site": site.id, "name_th": site.name_th, "capacity": site.capacity,
                "occupancy": site.occupancy, "is_open": site.is_open}

    def cases(session, who, request, _body):
        status = request.query.get("status") or None
        if status is not None and status not in CASE_STATUSES:
            raise Refused(400, _reason("case_status", allowed=", ".join(CASE_STATUSES)))
        query = select(HelpCase).order_by(HelpCase.id.desc()).limit(200)
        if status:
            query = query.where(HelpCase.status == status)
        return {"cases": [{"case": c.case_number, "status": c.status,
                           "description": c.description, "place_th": c.place_th,
                           "latitude": c.latitude, "longitude": c.longitude,
                           "created_at": c.created_at.isoformat()}
                          for c in session.scalars(query)]}

    def case_status(session, who, request, body):
        status, note = body.get("status"), body.get("note", "")
        if status not in CASE_STATUSES:
            raise Refused(400, _reason("case_status", allowed=", ".join(CASE_STATUSES)))
        if not isinstance(note, str) or len(note) > 500:
            raise Refused(400, _reason("note_long"))
        case = service.set_case_status(session, request.match_info["case"][:20], status,
                                       note.strip())
        if case is None:
            raise Refused(404, _reason("case_not_found"))
        lifecycle.audit(session, actor(who), status, "case", case.id)
        return {"case": case.case_number, "status": case.status,
                "status_th": texts(f"case_status.{case.status}")}

    def proposals(session, who, request, _body):
        return {"proposals": [{"id": p.id, "entity": p.entity, "left_id": p.left_id,
                               "right_id": p.right_id, "score": p.score, "reasons": p.reasons,
                               "status": p.status}
                              for p in session.scalars(select(MergeProposal).order_by(
                                  MergeProposal.id).limit(500))]}

    def decide(session, who, request, body):
        if who != HOST:
            raise Refused(403, _reason("host_only"))
        decision = body.get("decision")
        if decision not in MERGE_STATUSES[1:]:
            raise Refused(400, _reason("decision"))
        try:
            pid = int(request.match_info["proposal"])
        except ValueError:
            raise Refused(404, _reason("proposal_not_found")) from None
        proposal = session.get(MergeProposal, pid) if 0 < pid < 2**31 else None
        if proposal is None:
            raise Refused(404, _reason("proposal_not_found"))
        proposal.status, proposal.decided_by = decision, actor(who)
        lifecycle.audit(session, actor(who), decision, "merge_proposal", proposal.id)
        return {"id": proposal.id, "status": proposal.status}

    def export_hxl(session, who, request, _body):
        return web.Response(text=exports.hxl_csv(session), content_type="text/csv",
                            charset="utf-8")

    def export_3w(session, who, request, _body):
        return web.Response(text=exports.three_w(session), content_type="text/csv",
                            charset="utf-8")

    async def seed(_app):
        def work():
            with factory.begin() as session:
                return demo.seed_demo_if_empty(session)
        try:
            created = await asyncio.to_thread(work)
            if created:
                log.info("seeded the synthetic disaster registry: %s", created)
        except IntegrityError:  # another web app seeded it at the same moment: done
            log.info("the synthetic disaster registry was seeded by another web app")
        except Exception:  # a missing table must not stop the web app
            log.exception("could not seed the disaster demo registry")

    if settings.demo_data:
        app.on_startup.append(seed)
    r = app.router
    r.add_get("/api/disaster/resources", handler(resources))
    r.add_get("/api/disaster/experts", handler(experts))
    r.add_post("/api/disaster/requests", handler(new_request, with_body=True))
    r.add_get("/api/disaster/requests/{ref}", handler(get_request))
    r.add_post("/api/disaster/requests/{ref}/pledges", handler(pledge, with_body=True))
    r.add_post("/api/disaster/requests/{ref}/cancel", handler(cancel_request))
    r.add_post("/api/disaster/pledges/{pledge}/dispatch", handler(pledge_step(lifecycle.dispatch)))
    r.add_post("/api/disaster/pledges/{pledge}/receive", handler(pledge_step(lifecycle.receive)))
    r.add_post("/api/disaster/pledges/{pledge}/cancel",
               handler(pledge_step(lifecycle.cancel_pledge)))
    r.add_post("/api/disaster/stock/{stock}", handler(update_stock, with_body=True))
    r.add_post("/api/disaster/shelters/{site}", handler(update_shelter, with_body=True))
    r.add_get("/api/disaster/cases", handler(cases))
    r.add_post("/api/disaster/cases/{case}/status", handler(case_status, with_body=True))
    r.add_get("/api/disaster/proposals", handler(proposals))
    r.add_post("/api/disaster/proposals/{proposal}", handler(decide, with_body=True))
    r.add_get("/api/disaster/export/hxl.csv", handler(export_hxl))
    r.add_get("/api/disaster/export/3w.csv", handler(export_3w))
