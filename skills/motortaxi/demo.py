"""Synthetic demo riders (clearly labelled: source "synthetic-demo"; pages say so).

The same seed gives the same riders and codes, so a demo script can name a code. No real
person's data is used; names are common Thai given names and surnames combined at random.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .importer import import_rows
from .models import Rider

SOURCE = "synthetic-demo"
FIRST = ["สมชาย", "สมศักดิ์", "ประยูร", "วิชัย", "สุรชัย", "บุญมี", "มานพ", "อำนาจ", "ธนากร",
         "กิตติ", "สมพร", "วันเพ็ญ", "สุนีย์", "ณัฐพล", "เอกชัย", "ชัยวัฒน์"]
LAST = ["ใจดี", "รักษาดี", "ศรีสุข", "มั่นคง", "ทองคำ", "แสงทอง", "บุญมา", "พรหมมา",
        "สุขสวัสดิ์", "เพชรรัตน์", "อินทร์แก้ว", "วงศ์ใหญ่"]
WINS = [("วินปากซอยสุขุมวิท 11", "วัฒนา", "กรุงเทพมหานคร"),
        ("วินหน้าตลาดบางกะปิ", "บางกะปิ", "กรุงเทพมหานคร"),
        ("วินบีทีเอสอนุสาวรีย์ชัยสมรภูมิ", "ราชเทวี", "กรุงเทพมหานคร"),
        ("วินหน้าเซ็นทรัลลาดพร้าว", "จตุจักร", "กรุงเทพมหานคร"),
        ("วินท่าน้ำนนทบุรี", "เมืองนนทบุรี", "นนทบุรี"),
        ("วินหน้าสถานีรถไฟเชียงใหม่", "เมืองเชียงใหม่", "เชียงใหม่")]
PLATE_LETTERS = "กขคงจฉชซฌญฎฐฒณดตถทธนบปผพฟภมยรลวศษสหฬอฮ"


def demo_rows(n: int = 60, seed: int = 2026) -> list[dict[str, str]]:
    """``n`` synthetic rider rows in the import format (mostly active, a few not)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        win, district, province = WINS[i % len(WINS)]
        status = "active" if i % 10 not in (7, 9) else ("suspended" if i % 10 == 7 else "expired")
        expiry = date(2027, 1, 1) + timedelta(days=rng.randint(0, 900))
        rows.append({
            "licence_no": f"DEMO{seed % 100:02d}{i:06d}",
            "first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
            "plate": f"{rng.randint(1, 9)}{rng.choice(PLATE_LETTERS)}{rng.choice(PLATE_LETTERS)} "
                     f"{rng.randint(1, 9999)}",
            "plate_province": province, "win_name": win, "district": district,
            "province": province, "status": status,
            "licence_expiry": expiry.isoformat(), "registered_on": "2024-06-01",
        })
    return rows


def seed_demo(session: Session, n: int = 60, seed: int = 2026) -> int:
    """Add the synthetic riders (idempotent); returns how many were created."""
    return import_rows(session, demo_rows(n, seed), source=SOURCE, rng=random.Random(seed)).created


def seed_demo_if_empty(session: Session, n: int = 60) -> int:
    """Seed the demo riders only into an empty registry (a fresh installation)."""
    if session.scalar(select(func.count(Rider.id))):
        return 0
    return seed_demo(session, n)


def remove_demo(session: Session) -> int:
    """Delete the synthetic riders (before loading official data); returns how many went."""
    riders = list(session.scalars(select(Rider).where(Rider.source == SOURCE)))
    for r in riders:
        session.delete(r)
    return len(riders)
