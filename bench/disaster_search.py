"""Disaster registry figures: nearest-N latency over 100,000 resources, and import rate.

    .venv/bin/python bench/disaster_search.py        (app runtime; about a minute)

A temporary SQLite database (or ``--database-url``) filled with 100,000 synthetic resources
(labelled synthetic): 50,000 sites spread over Thailand's land box, each holding one stock
line and one asset of random kinds. Nearest-N queries from random points in Thailand, for
an item and an asset type; then an agency CSV of 10,000 stock rows through the importer.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bot.kernel.db import session_factory, upgrade, utcnow  # noqa: E402
from skills.disaster import importer, search  # noqa: E402
from skills.disaster.catalogue import CATALOGUE  # noqa: E402
from skills.disaster.models import Asset, Site, Stock  # noqa: E402

SITES = 50_000
LAT, LON = (6.0, 20.0), (98.0, 105.0)
QUERIES = 300
IMPORT_ROWS = 10_000


def fill(factory, rng: random.Random) -> None:
    now = utcnow()
    items = None
    with factory.begin() as session:
        items = CATALOGUE.sync(session)
        org = importer.ensure_organisation(session, {"code": "DEMO-BENCH",
                                                     "name_th": "หน่วยงานสมมติสำหรับวัดผล"})
        org_id = org.id
    codes, kinds = list(items), ("boat", "pump", "generator", "truck", "drone")
    with factory.begin() as session:
        prov = dict(source_agency="DEMO-BENCH", last_verified_at=now, created_at=now,
                    updated_at=now)
        session.execute(insert(Site), [dict(
            id=i + 1, org_id=org_id, kind="warehouse", name_th=f"คลังสมมติ {i}", name_key="",
            latitude=rng.uniform(*LAT), longitude=rng.uniform(*LON), province_code="",
            district_code="", address="", phone="", is_open=True, source_id=f"S{i}", **prov)
            for i in range(SITES)])
        session.execute(insert(Stock), [dict(
            site_id=i + 1, item_id=items[rng.choice(codes)].id, quantity=rng.randint(1, 5000),
            reserved=0, source_id=f"K{i}", **prov) for i in range(SITES)])
        session.execute(insert(Asset), [dict(
            org_id=org_id, site_id=i + 1, type=rng.choice(kinds), name_th="", number="",
            condition=1, status="available", source_id=f"A{i}", **prov) for i in range(SITES)])


def latency(factory, rng: random.Random, kind: str, code: str, n: int) -> list[float]:
    out = []
    with factory.begin() as session:
        for _ in range(QUERIES):
            lat, lon = rng.uniform(*LAT), rng.uniform(*LON)
            t = time.perf_counter()
            hits = search.nearest(session, kind, code, lat, lon, n)
            out.append((time.perf_counter() - t) * 1000)
            assert len(hits) == n
    return sorted(out)


def import_rate(factory, tmp: Path, rng: random.Random) -> float:
    path = tmp / "agency.csv"
    headers = ["รหัสคลัง", "ชื่อคลัง", "ประเภท", "ละติจูด", "ลองจิจูด", "รหัสอำเภอ", "โทร",
               "รับได้(คน)", "รายการ", "จำนวน", "หน่วยนับ", "วันหมดอายุ"]
    points = [(rng.uniform(*LAT), rng.uniform(*LON)) for _ in range(IMPORT_ROWS // 5)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        for i in range(IMPORT_ROWS):  # five items a warehouse; every tenth unit is not one
            lat, lon = points[i // 5]
            out.writerow([f"B{i // 5}", f"คลังสมมติ {i // 5}", "คลัง", f"{lat:.5f}",
                          f"{lon:.5f}", "", "", "", ["กระสอบทราย", "ผ้าห่ม", "เต็นท์",
                                                    "เสื้อชูชีพ", "น้ำมันดีเซล"][i % 5],
                          rng.randint(1, 100), "กระป๋อง" if i % 10 == 9 else "", ""])
    with factory.begin() as session:
        t = time.perf_counter()
        report = importer.import_file(session, path, "ddpm_ubon")
        elapsed = time.perf_counter() - t
    done = sum(report.created.values())
    print(f"  import: {report.rows} rows in {elapsed:.1f} s = {report.rows / elapsed:,.0f} rows/s "
          f"(created {done}, rejected {len(report.rejected)})")
    return report.rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    factory = session_factory(url)
    rng = random.Random(2026)
    t = time.perf_counter()
    fill(factory, rng)
    print(f"disaster registry: {SITES * 2:,} resources at {SITES:,} sites "
          f"(filled in {time.perf_counter() - t:.1f} s; {url.split(':')[0]})")
    for kind, code, n in (("item", "sandbag", 5), ("asset", "boat", 5), ("item", "tent", 20)):
        ms = latency(factory, rng, kind, code, n)
        print(f"  nearest {n:>2} {code:<8} p50 {statistics.median(ms):7.2f} ms   "
              f"p99 {ms[int(len(ms) * .99) - 1]:7.2f} ms   ({QUERIES} random points)")
    import_rate(factory, tmp, rng)


if __name__ == "__main__":
    main()
