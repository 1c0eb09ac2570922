"""Agency API keys in the console: the admin page ``/console/keys`` and the command line.

Admins issue a key to an agency (a code and its Thai name) for some services, see every key
with its last use, and revoke one. A new key is shown once, on the answer to the form that
made it; only its hash is stored (``bot.kernel.apikeys``). Issuing and revoking are written
to the staff audit log in the same transaction, never with the key itself::

    python -m bot.app.console create-key --agency DNP --name "กรมอุทยานแห่งชาติ สัตว์ป่า และพันธุ์พืช" --services forest
    python -m bot.app.console list-keys
    python -m bot.app.console revoke-key 3
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.orm import Session

from bot.app.console import auth
from bot.app.console.models import ADMIN, StaffUser
from bot.kernel import apikeys, db, registry
from bot.kernel.settings import Settings

if TYPE_CHECKING:
    from bot.app.console.web import Console

PAGE = "/console/keys"
COMMAND_LINE = "command line"


def _target(row: apikeys.ApiKey) -> str:
    return f"{row.agency_code} #{row.id}"


def _issue(session: Session, user: StaffUser | None, address: str, agency: str, name: str,
           services: list[str] | str, label: str) -> tuple[apikeys.ApiKey, str]:
    """Issue a key and audit it (``apikeys.IssueError`` when the request is not valid)."""
    row, key = apikeys.issue(session, agency, name, services, label,
                             created_by=user.username if user else COMMAND_LINE)
    auth.audit(session, user, "create_key", _target(row),
               f"services={','.join(row.services)} label={row.label}", address,
               "" if user else COMMAND_LINE)
    return row, key


def _revoke(session: Session, user: StaffUser | None, address: str,
            key_id: int) -> apikeys.ApiKey | None:
    row = apikeys.revoke(session, key_id)
    if row is not None:
        auth.audit(session, user, "revoke_key", _target(row), "", address,
                   "" if user else COMMAND_LINE)
    return row


class Pages:
    """The admin-only key page, mounted by the console (``Pages(console).setup(app)``)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def setup(self, app: web.Application) -> None:
        guard = self.console.guard
        app.router.add_get(PAGE, guard(self.page, (ADMIN,)))
        app.router.add_post(PAGE, guard(self.issue, (ADMIN,), post=True))
        app.router.add_post(PAGE + r"/{key_id:\d{1,9}}/revoke",
                            guard(self.revoke, (ADMIN,), post=True))

    def _render(self, user: StaffUser, csrf: str, status: int = 200, **values) -> web.Response:
        with self.console.factory() as session:
            rows = apikeys.listing(session)
        names = {m.id: m.name_th for m in registry.discover()}
        return self.console.page("keys.html", status=status, user=user, csrf=csrf, rows=rows,
                                 services=names, form=values.pop("form", {}), **values)

    async def page(self, request: web.Request, user: StaffUser, csrf: str) -> web.Response:
        return await asyncio.to_thread(self._render, user, csrf)

    async def issue(self, request: web.Request, user: StaffUser, csrf: str) -> web.Response:
        form = request["form"]
        chosen = [s for s in apikeys.service_ids() if form.get(f"service_{s}") == "on"]
        address = self.console.address(request)

        def work() -> web.Response:
            try:
                with self.console.factory.begin() as session:
                    row, key = _issue(session, user, address, form.get("agency_code", "")[:64],
                                      form.get("agency_name", "")[:400], chosen,
                                      form.get("label", "")[:400])
            except apikeys.IssueError as exc:
                return self._render(user, csrf, 400, error=exc.reason, form=form)
            return self._render(user, csrf, new_key=key, new_row=row)
        return await asyncio.to_thread(work)

    async def revoke(self, request: web.Request, user: StaffUser, csrf: str) -> web.Response:
        key_id = int(request.match_info["key_id"])
        address = self.console.address(request)

        def work() -> apikeys.ApiKey | None:
            with self.console.factory.begin() as session:
                return _revoke(session, user, address, key_id)
        if await asyncio.to_thread(work) is None:
            return self.console.page("message.html", status=404, title="ทำรายการไม่ได้",
                                     reason=apikeys.texts("form.not_found"), user=user,
                                     csrf=csrf)
        raise web.HTTPSeeOther(PAGE)


def command(argv: list[str]) -> int:
    """``create-key``, ``revoke-key``, ``list-keys`` (the database is migrated first)."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.console")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("create-key", help="issue an agency API key (printed once)")
    s.add_argument("--agency", required=True, help="agency code, e.g. DNP")
    s.add_argument("--name", required=True, help="the agency's Thai name")
    s.add_argument("--services", required=True, help="skill ids, e.g. motortaxi,police")
    s.add_argument("--label", default="", help="what the key is for")
    s = sub.add_parser("revoke-key", help="revoke a key by its number (list-keys)")
    s.add_argument("key_id", type=int)
    sub.add_parser("list-keys", help="every key: number, agency, services, state, last use")
    args = parser.parse_args(argv)

    url = Settings.from_env().database_url
    db.upgrade(url)
    with db.session_factory(url).begin() as session:
        if args.command == "create-key":
            try:
                row, key = _issue(session, None, COMMAND_LINE, args.agency, args.name,
                                  args.services, args.label)
            except apikeys.IssueError as exc:
                print(exc.reason, file=sys.stderr)
                return 1
            print(f"กุญแจ #{row.id} ของ {row.agency_code} ({', '.join(row.services)}); "
                  "แสดงครั้งเดียว เก็บไว้ให้ดี:", file=sys.stderr)
            print(key)
        elif args.command == "revoke-key":
            if _revoke(session, None, COMMAND_LINE, args.key_id) is None:
                print(apikeys.texts("form.not_found"), file=sys.stderr)
                return 1
            print(f"ยกเลิกกุญแจ #{args.key_id} แล้ว")
        else:
            for row in apikeys.listing(session):
                state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
                used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "-"
                print(f"{row.id}\t{row.agency_code}\t{','.join(row.services)}\t{state}\t"
                      f"last used {used}\t{row.agency_name}\t{row.label}")
    return 0
