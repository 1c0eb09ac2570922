"""Motortaxi figures: import throughput, code lookup, verification page, vest sheet, QR decode.

    .venv/bin/python bench/motortaxi_verify.py        (app runtime; about 30 s)

A temporary SQLite database with 10,000 synthetic riders (labelled synthetic).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bot.kernel.db import session_factory, upgrade  # noqa: E402
from skills.motortaxi import codes, importer, service, vest  # noqa: E402
from skills.motortaxi.models import Rider  # noqa: E402
from skills.motortaxi.web import rider_page  # noqa: E402

N = 10_000


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    print(f"  {name:<38} median {statistics.median(ms):8.2f} ms   p95 {ms[int(len(ms) * .95) - 1]:8.2f} ms")


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    factory = session_factory(url)
    rows = [{"licence_no": f"SYN{i:07d}", "first_name": "ทดสอบ", "last_name": f"สมมติ{i}",
             "plate": f"1กข {i % 9000 + 1}", "win_name": "วินทดสอบ (ข้อมูลสมมติ)",
             "district": "ปทุมวัน", "province": "กรุงเทพมหานคร", "status": "active"}
            for i in range(N)]
    t = time.perf_counter()
    with factory.begin() as session:
        report = importer.import_rows(session, rows, source="synthetic-bench")
    took = time.perf_counter() - t
    print(f"import: {report.created:,} synthetic riders in {took:.2f} s "
          f"({report.created / took:,.0f} rows/s)")
    t = time.perf_counter()
    with factory.begin() as session:
        again = importer.import_rows(session, rows, source="synthetic-bench")
    print(f"re-run (idempotent, {again.unchanged:,} unchanged): {time.perf_counter() - t:.2f} s")

    with factory.begin() as session:
        all_codes = list(session.scalars(select(Rider.code)))
        one = session.scalars(select(Rider)).first()
    rng = random.Random(1)
    sample = [codes.format_code(rng.choice(all_codes)) for _ in range(500)]
    it = iter(sample)

    def lookup():
        with factory.begin() as session:
            service.lookup(session, next(it))
    print("per request (warm, one process):")
    line("code lookup (parse + indexed select)", timed(lookup, 500))

    def page():
        with factory.begin() as session:
            rider = service.by_token(session, one.qr_token)
            return rider_page(service.rider_view(session, rider))
    line("verification page (query + render)", timed(page, 200))
    print(f"  verification page size: {len(page().encode()):,} bytes of HTML "
          "(+ 1 KB CSS, cached a day)")
    url_ = service.verify_url("https://bot.example.go.th", one)
    line("vest sheet PNG", timed(lambda: vest.png_sheet(url_, one.code), 20))
    line("vest sheet SVG", timed(lambda: vest.svg_sheet(url_, one.code), 20))
    line("vest sheet PDF", timed(lambda: vest.pdf_sheet(url_, one.code), 10))
    png = vest.png_sheet(url_, one.code)
    line("QR decode of the PNG sheet (zxing-cpp)", timed(lambda: vest.decode_qr(png), 20))


if __name__ == "__main__":
    main()
