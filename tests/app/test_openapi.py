"""The OpenAPI description (bot/app/web/openapi.yaml) lists exactly the routes the app mounts.

Built from the real app with every optional part on (LINE, Messenger,
payments), so a route added, removed or renamed without updating the description fails here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from aiohttp import web

from bot.app.web.app import create_app
from bot.kernel.settings import Settings

DESCRIPTION = Path(__file__).resolve().parents[2] / "bot" / "app" / "web" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def app_with_everything_on(tmp_path) -> web.Application:
    base = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k",
                              "ENGINE_URL": "http://127.0.0.1:9"})
    return create_app(dataclasses.replace(
        base, database_url=f"sqlite:///{tmp_path / 'app.db'}",
        payment_callback_secret="pay", promptpay_biller_id="010555500000101",
        line_channel_secret="ls", line_channel_access_token="lt",
        line_api_base="http://127.0.0.1:9", messenger_app_secret="fs",
        messenger_page_token="ft", messenger_verify_token="fv"))


def mounted_routes(app: web.Application) -> set[tuple[str, str]]:
    """``(METHOD, OpenAPI path)`` for every route; a static folder is ``<prefix>/{filename}``.

    HEAD is left out: aiohttp adds it beside every GET by itself.
    """
    routes = set()
    for resource in app.router.resources():
        path = resource.canonical
        if isinstance(resource, web.StaticResource):
            path = path.rstrip("/") + "/{filename}"
        for route in resource:
            if route.method != "HEAD":
                routes.add((route.method, path))
    return routes


def described_routes() -> set[tuple[str, str]]:
    doc = yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    return {(method.upper(), path) for path, item in doc["paths"].items()
            for method in item if method in METHODS}


def test_the_description_lists_exactly_the_routes_the_app_mounts(tmp_path):
    mounted, described = mounted_routes(app_with_everything_on(tmp_path)), described_routes()
    assert len(mounted) >= 25  # the whole app was built, skills and channels included
    assert not mounted - described, f"routes missing from openapi.yaml: {sorted(mounted - described)}"
    assert not described - mounted, f"described but not mounted: {sorted(described - mounted)}"


def test_staff_operations_and_only_they_require_an_agency_key():
    doc = yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            staff = "staff" in op.get("tags", [])
            assert (op.get("security") == [{"agencyKey": []}]) == staff, (method, path)
            if staff:  # 401 without a key in force, 403 for another service's, 503 while none
                assert {"401", "403", "503"} <= set(op["responses"]), (method, path)
