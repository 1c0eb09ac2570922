"""Data the browser card tests need in the running product's database, through the skills' own
code (run with the product's environment: ``VAR_DIR`` names its database).

    .venv/bin/python tests/browser/card_data.py rider          -> an active demo rider's code
    .venv/bin/python tests/browser/card_data.py alarm LAT LON  -> a station there whose flame
                                                                 sensor just saw fire (an alarm)
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.kernel.db import session_factory  # noqa: E402
from bot.kernel.settings import Settings  # noqa: E402
from skills.forest import ingest, pilot  # noqa: E402
from skills.motortaxi import codes  # noqa: E402
from skills.motortaxi.models import Rider  # noqa: E402


def main(what: str, *args: str) -> str:
    factory = session_factory(Settings.from_env().database_url)
    with factory.begin() as session:
        if what == "rider":
            rider = session.scalars(select(Rider).where(Rider.status == "active")
                                    .order_by(Rider.id)).first()
            return codes.format_code(rider.code)
        lat, lon = float(args[0]), float(args[1])
        _thing, streams, _secret = pilot.register(
            session, pilot.Station("BROWSER-FLAME", lat, lon, 900, ("flame",)), source="test")
    with factory.begin() as session:  # the reading arrives as the device API takes it
        ingest.ingest(session, [(streams["flame"], {
            "phenomenonTime": datetime.now(timezone.utc).isoformat(), "result": 1})])
    return f"{lat} {lon}"


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
