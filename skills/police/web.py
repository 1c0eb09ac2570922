"""APIs of the police skill, mounted by the app (``setup(app, settings)``).

* ``GET /api/police/station?lat=13.7316&lon=100.5417``: the covering station (public)
* ``GET /api/police/warnings?district_code=TH1007``: recent warnings of a district (public)
* ``POST /api/police/warnings`` (staff, ``Authorization: Bearer <agency API key>`` scoped
  to ``police``): post a warning
  ``{"district": "ปทุมวัน", "province": "กรุงเทพมหานคร", "text": "…", "issued_by": "สน.ลุมพินี",
  "request_id": "…"}``; subscribers of the district are notified through the outbox.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.kernel import apikeys
from bot.kernel.db import session_factory
from bot.kernel.geo import InvalidCoordinates
from bot.kernel.httpbody import BodyTooLarge, read_whole

from . import warnings
from .service import t
from .stations import default_index

# A warning is at most 1,000 characters; 8 KB leaves room for the rest. The same limit as the
# app's own API, so the app's Thai reason for 413 (which names it) is accurate.
MAX_BODY = 8 * 1024


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _error(status: int, key: str, **values: Any) -> web.Response:
    return _json({"error": texts_reason(key, **values)}, status)


def texts_reason(key: str, **values: Any) -> str:
    return t(f"reasons.{key}", **values)


def station_json(lat: Any, lon: Any) -> dict[str, Any]:
    cov = default_index().at(lat, lon)
    st = cov.station
    return {"station_id": st.station_id, "name_th": st.name_th, "division": st.division,
            "phone": st.phone or None, "phone_verified": st.phone_verified,
            "area_th": st.area_th, "inside": cov.inside,
            "distance_m": round(cov.distance_m), "edge_distance_m": round(cov.edge_distance_m),
            "approximate": True, "note_th": t("approximate")}


def setup(app: web.Application, settings) -> None:
    factory = session_factory(settings.database_url)

    gate = apikeys.Gate(settings.database_url, "police")

    async def station_api(request: web.Request) -> web.Response:
        try:
            body = await asyncio.to_thread(station_json, request.query.get("lat"),
                                           request.query.get("lon"))
        except InvalidCoordinates as exc:
            return _error(400, "bad_point", reason=str(exc))
        return _json(body)

    def _district(data: dict[str, Any]) -> warnings.District:
        code = data.get("district_code")
        if isinstance(code, str) and code:
            found = warnings.district_by_code(code)
            if found is None:
                raise warnings.WarningError("unknown_district")
            return found
        name, province = data.get("district"), data.get("province")
        if not isinstance(name, str) or not name.strip() or (
                province is not None and not isinstance(province, str)):
            raise warnings.WarningError("no_district")
        return warnings.district_named(name, province)

    async def list_api(request: web.Request) -> web.Response:
        def work():
            district = _district(dict(request.query))
            with factory.begin() as session:
                found = warnings.recent(session, district)
                return {"district_code": district.code, "district_th": district.district_th,
                        "province_th": district.province_th,
                        "warnings": [{"id": w.id, "text": w.text, "issued_by": w.issued_by,
                                      "created_at": w.created_at.isoformat()} for w in found]}
        try:
            return _json(await asyncio.to_thread(work))
        except warnings.WarningError as exc:
            return _error(400, exc.key)

    async def post_api(request: web.Request) -> web.Response:
        found = await gate.check(request.headers.get("Authorization"))
        if isinstance(found, apikeys.Refusal):
            return _json({"error": found.reason}, found.status)
        try:
            raw = await read_whole(request.content, MAX_BODY, request.content_length)
        except BodyTooLarge:
            # answered by the app's error middleware with its Thai reason for 413
            raise web.HTTPRequestEntityTooLarge(
                MAX_BODY, request.content_length or MAX_BODY + 1) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # bad UTF-8 or JSON, huge ints, deep nesting
            return _error(400, "not_json")
        if not isinstance(data, dict):
            return _error(400, "not_json")

        def work():
            district = _district(data)
            text, issuer = data.get("text"), data.get("issued_by")
            if not isinstance(text, str):
                raise warnings.WarningError("no_text")
            if not isinstance(issuer, str):
                raise warnings.WarningError("no_issuer")
            with factory.begin() as session:
                w, created, queued = warnings.post_warning(
                    session, district, text, issuer, data.get("request_id"))
                return created, {"id": w.id, "district_code": w.district_code,
                                 "district_th": w.district_th, "province_th": w.province_th,
                                 "created": created, "notifications_queued": queued}
        try:
            created, body = await asyncio.to_thread(work)
        except warnings.WarningError as exc:
            return _error(409 if exc.key == "key_reused" else 400, exc.key)
        return _json(body, 201 if created else 200)

    app.router.add_get("/api/police/station", station_api)
    app.router.add_get("/api/police/warnings", list_api)
    app.router.add_post("/api/police/warnings", post_api)
