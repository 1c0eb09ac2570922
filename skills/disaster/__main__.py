"""Command line of the disaster skill (configuration comes as arguments, never from env).

    python -m skills.disaster --database-url URL import FILE --mapping ddpm_ubon [--report r.csv]
    python -m skills.disaster --database-url URL export-hxl out.csv
    python -m skills.disaster --database-url URL export-3w out.csv
    python -m skills.disaster --database-url URL proposals
    python -m skills.disaster --database-url URL seed-demo | remove-demo
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from bot.kernel.db import session_factory, upgrade

from . import demo, exports, importer
from .models import MergeProposal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills.disaster")
    parser.add_argument("--database-url", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("import", help="import an agency's CSV or Excel file")
    s.add_argument("file", type=Path)
    s.add_argument("--mapping", required=True,
                   help="a mapping name in skills/disaster/data/mappings, or a YAML path")
    s.add_argument("--report", type=Path, default=Path("var/disaster/import-report.csv"))
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    for name in ("export-hxl", "export-3w"):
        s = sub.add_parser(name)
        s.add_argument("out", type=Path)
    sub.add_parser("proposals", help="list merge proposals waiting for a decision")
    sub.add_parser("seed-demo", help="add the synthetic demo registry (three provinces)")
    sub.add_parser("remove-demo", help="delete the synthetic demo registry")
    args = parser.parse_args(argv)

    upgrade(args.database_url)
    factory = session_factory(args.database_url)
    with factory.begin() as session:
        if args.command == "import":
            report = importer.import_file(session, args.file, args.mapping,
                                          progress=not args.quiet)
            report.write_csv(args.report)
            print(f"{report.summary()} (rejected rows and reasons: {args.report})")
        elif args.command in ("export-hxl", "export-3w"):
            text = exports.hxl_csv(session) if args.command == "export-hxl" \
                else exports.three_w(session)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote {args.out}")
        elif args.command == "proposals":
            for p in session.scalars(select(MergeProposal).where(MergeProposal.status == "proposed")):
                print(f"{p.id}\t{p.entity}\t{p.left_id}\t{p.right_id}\t{p.score:.2f}\t{p.reasons}")
        elif args.command == "seed-demo":
            print(f"seeded: {demo.seed_demo(session)}")
        else:
            print(f"removed {demo.remove_demo(session)} synthetic records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
