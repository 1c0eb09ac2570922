"""The verification, bill and receipt pages with data in them, for the browser tests.

Starts the real web app (``bot.app.web.app.create_app``) over a temporary database holding
synthetic demo riders (``skills.motortaxi.demo``), one unpaid sign-tax bill and one paid, on
a free loopback port, and a console admin ``chief`` (password ``ADMIN_PASSWORD``); prints one
JSON line with the three pages' addresses, then serves until it is stopped. No engine is needed: these pages never ask it.

    .venv/bin/python tests/browser/pages_server.py   ->  {"verify": "...", "bill": "...", ...}
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.app.console import auth  # noqa: E402
from bot.app.console.models import ADMIN  # noqa: E402
from bot.app.web.app import create_app  # noqa: E402
from bot.kernel.db import session_factory, upgrade  # noqa: E402
from bot.kernel.settings import Settings  # noqa: E402
from skills.motortaxi import demo  # noqa: E402
from skills.motortaxi import service as rider_service  # noqa: E402
from skills.motortaxi.models import Rider  # noqa: E402
from skills.signtax import links  # noqa: E402
from skills.signtax import service as tax_service  # noqa: E402
from skills.signtax.tax import Sign  # noqa: E402

SECRET_KEY = "browser-test-secret"
ADMIN_PASSWORD = "chief password 1"  # tests/browser/keys.test.mjs signs in with it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="govbot-pages-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings.from_env({
        "VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
        "SECRET_KEY": SECRET_KEY, "PROMPTPAY_BILLER_ID": "099400016550100",
        "PAYMENT_CALLBACK_SECRET": "pay", "PUBLIC_BASE_URL": base,
        "ENGINE_URL": "http://127.0.0.1:9"})
    upgrade(settings.database_url)
    factory = session_factory(settings.database_url)
    with factory.begin() as session:
        demo.seed_demo(session, n=10)
        auth.create_user(session, "chief", ADMIN_PASSWORD, ADMIN)
    with factory() as session:
        rider = session.scalars(select(Rider).where(Rider.status == "active")).first()
        verify = rider_service.verify_url(base, rider)
    today = date(2026, 3, 1)
    signs = [Sign(150, 300, "2", moving=False), Sign(50, 100, "1", moving=False)]
    unpaid = tax_service.file_return(factory, sender_id="web:browser", business_name="ร้านทดสอบ",
                                     district_code="1030", district_th="จตุจักร", today=today,
                                     signs=signs)
    paid = tax_service.file_return(factory, sender_id="web:browser2",
                                   business_name="ร้านจ่ายแล้ว", district_code="1030",
                                   district_th="จตุจักร", today=today, signs=signs)
    due = tax_service.amount_due(paid, date(2026, 3, 20))
    _, answer = tax_service.record_confirmation(factory, {
        "transaction_id": "browser-tx-1", "bill_number": paid.bill_number,
        "amount": str(due.total), "paid_at": "2026-03-20T10:00:00+07:00"})
    pages = {"verify": verify,
             "bill": links.bill_url(base, SECRET_KEY, unpaid.bill_number),
             "receipt": links.receipt_url(base, SECRET_KEY, answer["receipt_number"])}
    print(json.dumps(pages), flush=True)
    web.run_app(create_app(settings), host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main()
