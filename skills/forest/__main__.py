"""Command line of the forest skill (configuration comes as arguments, never from env).

    python -m skills.forest --database-url URL import-firms fire_nrt_J1V-C2.csv
    python -m skills.forest --database-url URL import-firms-api --map-key KEY [--source MODIS_NRT]
    python -m skills.forest --database-url URL register DSP-90 18.80 98.90 [--interval 600]
    python -m skills.forest map-report [--out var/forest/unified_4326.geojson]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.kernel.db import session_factory, upgrade

from . import firms, maps, pilot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.forest")
    parser.add_argument("--database-url")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("import-firms", help="import a NASA FIRMS CSV (VIIRS or MODIS)")
    s.add_argument("csv", type=Path)
    s = sub.add_parser("import-firms-api", help="fetch and import from the FIRMS area API")
    s.add_argument("--map-key", required=True, help="your FIRMS MAP_KEY")
    s.add_argument("--source", default="VIIRS_SNPP_NRT", choices=firms.SOURCES)
    s.add_argument("--days", type=int, default=1)
    s.add_argument("--bbox", type=float, nargs=4, default=firms.PILOT_BBOX,
                   metavar=("WEST", "SOUTH", "EAST", "NORTH"))
    s = sub.add_parser("register", help="register a station measuring every property")
    s.add_argument("name")
    s.add_argument("lat", type=float)
    s.add_argument("lon", type=float)
    s.add_argument("--interval", type=int, default=600, help="expected seconds between readings")
    s = sub.add_parser("map-report", help="disputes and gaps of the agencies' layers")
    s.add_argument("--out", type=Path, default=Path("var/forest/unified_4326.geojson"))
    args = parser.parse_args(argv)

    if args.command == "map-report":
        fmap = maps.forest_map()
        for f in fmap.findings:
            print(f"{f.kind}: {' / '.join(f.zones)}: {f.rai:,.0f} rai, {f.width_m:,.0f} m wide "
                  f"(tolerance {f.tolerance_m} m)")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(fmap.geojson(), ensure_ascii=False), encoding="utf-8")
        print(f"written {args.out}")
        return 0
    if not args.database_url:
        parser.error("--database-url is required for this command")
    upgrade(args.database_url)
    with session_factory(args.database_url).begin() as session:
        if args.command == "import-firms":
            res = firms.import_file(session, args.csv)
            print(f"read {res.read}, stored {res.stored}, replaced {res.replaced}, "
                  f"duplicates {res.duplicates}, skipped {len(res.skipped or [])}")
            for line in res.skipped or []:
                print("  " + line)
        elif args.command == "import-firms-api":
            text = firms.fetch_area(args.map_key, args.source, tuple(args.bbox), args.days)
            res = firms.import_csv(session, text, f"api:{args.source}")
            print(f"read {res.read}, stored {res.stored}, replaced {res.replaced}, "
                  f"duplicates {res.duplicates}, skipped {len(res.skipped or [])}")
        elif args.command == "register":
            thing, streams, secret = pilot.register(
                session, pilot.Station(args.name, args.lat, args.lon, 0, pilot.ALL),
                interval_s=args.interval)
            print(json.dumps({"thing": thing.id, "datastreams": streams, "secret": secret}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
