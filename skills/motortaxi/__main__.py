"""Command line of the motortaxi skill (configuration comes as arguments, never from env).

    python -m skills.motortaxi --database-url sqlite:///var/app.db seed-demo
    python -m skills.motortaxi --database-url URL import riders.csv [--mapping m.json] [--report r.csv]
    python -m skills.motortaxi --database-url URL vest 4821-0934 --base-url https://x --out var/motortaxi
    python -m skills.motortaxi --database-url URL revoke 4821-0934
    python -m skills.motortaxi --database-url URL purge-positions [--hours 24]
    python -m skills.motortaxi --database-url URL remove-demo
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.kernel.db import session_factory, upgrade

from . import codes, demo, importer, service, vest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.motortaxi")
    parser.add_argument("--database-url", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed-demo", help="add synthetic demo riders (labelled synthetic)")
    s.add_argument("--count", type=int, default=60)
    sub.add_parser("remove-demo", help="delete the synthetic demo riders")
    s = sub.add_parser("import", help="import riders from an agency CSV")
    s.add_argument("csv", type=Path)
    s.add_argument("--mapping", type=Path, help="JSON: our field → the CSV's column header")
    s.add_argument("--report", type=Path, default=Path("var/motortaxi/import-report.csv"))
    s = sub.add_parser("vest", help="render a rider's printable vest sheet")
    s.add_argument("code")
    s.add_argument("--base-url", required=True, help="public base URL, e.g. https://bot.example.go.th")
    s.add_argument("--out", type=Path, default=Path("var/motortaxi/vests"))
    s.add_argument("--format", choices=vest.FORMATS, action="append")
    s = sub.add_parser("revoke", help="revoke a rider (the vest QR shows revoked)")
    s.add_argument("code")
    s = sub.add_parser("purge-positions", help="delete positions older than the retention")
    s.add_argument("--hours", type=int, default=service.POSITION_RETENTION_HOURS)
    args = parser.parse_args(argv)

    upgrade(args.database_url)
    factory = session_factory(args.database_url)
    with factory.begin() as session:
        if args.command == "seed-demo":
            print(f"created {demo.seed_demo(session, args.count)} synthetic demo riders")
        elif args.command == "remove-demo":
            print(f"removed {demo.remove_demo(session)} synthetic demo riders")
        elif args.command == "import":
            mapping = json.loads(args.mapping.read_text(encoding="utf-8")) if args.mapping else None
            report = importer.import_csv(session, args.csv, mapping)
            report.write_csv(args.report)
            print(f"created {report.created}, updated {report.updated}, unchanged "
                  f"{report.unchanged}, rejected {len(report.rejected)} (reasons: {args.report})")
        elif args.command == "purge-positions":
            print(f"deleted {service.purge_positions(session, args.hours)} positions")
        else:
            found = service.lookup(session, args.code)
            if found.rider is None:
                print(f"error: no rider with code {args.code} ({found.outcome})", file=sys.stderr)
                return 1
            if args.command == "revoke":
                service.revoke(session, found.code)
                print(f"revoked {codes.format_code(found.code)}")
            else:
                url = service.verify_url(args.base_url, found.rider)
                for fmt in args.format or vest.FORMATS:
                    print(vest.write(url, found.code, fmt, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
