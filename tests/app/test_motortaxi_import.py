"""Agency CSV import: 10,000 synthetic riders (some rows bad), every rejection explained,
a re-run creates nothing twice. The file is generated here and labelled synthetic."""

from __future__ import annotations

import csv
import random

import pytest
from sqlalchemy import func, select

from bot.kernel.db import session_factory, upgrade
from skills.motortaxi import codes, importer
from skills.motortaxi.models import Rider

# The agency's own headers (Thai), mapped to ours: what --mapping carries.
MAPPING = {"licence_no": "เลขที่ใบอนุญาต", "first_name": "ชื่อ", "last_name": "นามสกุล",
           "plate": "ทะเบียน", "plate_province": "จังหวัดทะเบียน", "licence_expiry": "วันหมดอายุ",
           "win_name": "วิน", "district": "เขต", "province": "จังหวัด", "status": "สถานะ",
           "registered_on": "วันที่ลงทะเบียน", "code": "รหัสเสื้อ"}
N = 10_000


def _write(path, rng: random.Random):
    """The synthetic file, and the expected reason kind of each bad row by row number."""
    bad = {}
    headers = ["# ข้อมูลสมมติสำหรับทดสอบ (synthetic test data)", *MAPPING.values()]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=headers[1:])
        out.writeheader()
        for i in range(N):
            row = {"เลขที่ใบอนุญาต": f"SYN{i:07d}", "ชื่อ": "ทดสอบ", "นามสกุล": f"สมมติ{i}",
                   "ทะเบียน": f"1กข {i % 9000 + 1}", "จังหวัดทะเบียน": "กรุงเทพมหานคร",
                   "วันหมดอายุ": "2569-12-31" if i % 2 else "2027-06-30",
                   "วิน": "วินทดสอบ", "เขต": "ปทุมวัน", "จังหวัด": "กรุงเทพมหานคร",
                   "สถานะ": "ใช้งาน" if i % 3 else "active", "วันที่ลงทะเบียน": "2024-01-15",
                   "รหัสเสื้อ": ""}
            number = i + 2
            kind = rng.random()
            if i % 97 == 5:
                row["นามสกุล"], bad[number] = "", "missing"
            elif i % 97 == 11:
                row["วันหมดอายุ"], bad[number] = "31 ก.พ.", "date"
            elif i % 97 == 17:
                row["สถานะ"], bad[number] = "ลาออก", "status"
            elif i % 97 == 23:
                row["รหัสเสื้อ"], bad[number] = "1234-5678", "code"
            elif i % 97 == 29 and i > 0:
                row["เลขที่ใบอนุญาต"], bad[number] = f"SYN{i - 1:07d}", "duplicate"
            elif i % 97 == 31:
                row["ทะเบียน"], bad[number] = "ไม่มี", "plate"
            elif kind < 0.01:
                row["รหัสเสื้อ"] = codes.format_code(codes.with_check(f"{9_000_000 + i}"))
            out.writerow(row)
    return bad


@pytest.fixture
def factory(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    return session_factory(url)


def test_ten_thousand_rows_bad_ones_reported_and_a_rerun_creates_no_duplicates(tmp_path, factory):
    path = tmp_path / "riders-synthetic.csv"
    bad = _write(path, random.Random(4))
    with factory.begin() as session:
        report = importer.import_csv(session, path, MAPPING, progress=False)
    assert report.total == N
    assert dict(report.rejected).keys() == bad.keys()  # every bad row, nothing else
    reasons = dict(report.rejected)
    texts = importer.texts.section("import_reasons")
    for row, kind in bad.items():
        prefix = texts[kind].split("{")[0]
        assert reasons[row].startswith(prefix), (row, kind, reasons[row])
    assert report.created == N - len(bad)
    with factory.begin() as session:
        assert session.scalar(select(func.count(Rider.id))) == N - len(bad)
        codes_ = list(session.scalars(select(Rider.code)))
        assert len(set(codes_)) == len(codes_)
        assert all(codes.parse(c) == c for c in codes_)  # every issued code is valid
        one = session.scalars(select(Rider).where(Rider.licence_no == "SYN0000001")).one()
        assert one.licence_expiry.isoformat() == "2026-12-31"  # Buddhist-era year converted

    with factory.begin() as session:  # the same file again
        again = importer.import_csv(session, path, MAPPING, progress=False)
    assert again.created == 0 and again.unchanged == N - len(bad)
    assert len(again.rejected) == len(bad)
    with factory.begin() as session:
        assert session.scalar(select(func.count(Rider.id))) == N - len(bad)

    report.write_csv(tmp_path / "report.csv")
    lines = (tmp_path / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == len(bad) + 1 and lines[0] == "row,reason"


def test_a_changed_row_updates_the_rider_keeping_its_code(factory):
    row = {"licence_no": "SYN-A-00001", "first_name": "ทดสอบ", "last_name": "สมมติ",
           "plate": "2ขค 12", "status": "active"}
    with factory.begin() as session:
        assert importer.import_rows(session, [row]).created == 1
        code = session.scalars(select(Rider.code)).one()
    with factory.begin() as session:
        report = importer.import_rows(session, [{**row, "status": "พักใช้"}])
        rider = session.scalars(select(Rider)).one()
    assert report.updated == 1 and rider.status == "suspended" and rider.code == code


def test_codes_listed_in_the_file_are_reserved_before_random_codes_are_handed_out(factory):
    # The generator's first random code is exactly the code a later row of the file lists:
    # handing out random codes before reserving the file's codes would give it to row 2
    # and refuse row 3 as "taken".
    first_random = codes.new_code(random.Random(7))
    rows = [{"licence_no": "SYN-R-00001", "first_name": "ทดสอบ", "last_name": "ไม่มีรหัส",
             "plate": "3ขค 1"},
            {"licence_no": "SYN-R-00002", "first_name": "ทดสอบ", "last_name": "มีรหัส",
             "plate": "3ขค 2", "code": codes.format_code(first_random)}]
    with factory.begin() as session:
        report = importer.import_rows(session, rows, rng=random.Random(7))
    assert report.rejected == [] and report.created == 2
    with factory.begin() as session:
        got = dict(session.execute(select(Rider.licence_no, Rider.code)).all())
    assert got["SYN-R-00002"] == first_random  # the file's own code, as listed
    assert got["SYN-R-00001"] != first_random and codes.parse(got["SYN-R-00001"])
