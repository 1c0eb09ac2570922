"""Queue the March filing reminders (safe to run any number of times, e.g. daily from cron)::

    python -m skills.signtax.reminders --database-url sqlite:///var/app.db [--today 2027-03-01]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.kernel.db import session_factory

from .service import enqueue_march_reminders, today_in_bangkok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--today", type=date.fromisoformat, default=None)
    args = ap.parse_args(argv)
    n = enqueue_march_reminders(session_factory(args.database_url),
                                args.today or today_in_bangkok())
    print(f"{n} reminder(s) queued (already queued ones are not repeated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
