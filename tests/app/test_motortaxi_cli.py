"""The skill's command line, run as an operator runs it: seed, import, vest sheets, revoke, purge."""

from __future__ import annotations

import subprocess
import sys

import zxingcpp
from PIL import Image

from tests.app.conftest import ROOT


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "skills.motortaxi", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_seed_vest_revoke_import_and_purge_from_the_command_line(tmp_path):
    db = ["--database-url", f"sqlite:///{tmp_path / 'app.db'}"]
    assert "created 60 synthetic" in run(*db, "seed-demo")
    assert "created 0 synthetic" in run(*db, "seed-demo")  # idempotent
    out = run(*db, "vest", "2998-5002", "--base-url", "https://bot.example.go.th",
              "--out", str(tmp_path / "vests"))
    files = sorted(p.suffix for p in (tmp_path / "vests").iterdir())
    assert files == [".pdf", ".png", ".svg"] and "vest-29985002.png" in out
    url = zxingcpp.read_barcodes(Image.open(tmp_path / "vests" / "vest-29985002.png"))[0].text
    assert url.startswith("https://bot.example.go.th/motortaxi/v/")
    assert "revoked 2998-5002" in run(*db, "revoke", "2998 5002")

    csv = tmp_path / "agency.csv"
    csv.write_text("เลขที่,ชื่อ,สกุล,ทะเบียน\nSYN0000001,ทดสอบ,สมมติ,1กข 11\nSYN0000002,,สมมติ,1กข 12\n",
                   encoding="utf-8")
    (tmp_path / "map.json").write_text('{"licence_no": "เลขที่", "first_name": "ชื่อ", '
                                       '"last_name": "สกุล", "plate": "ทะเบียน"}', encoding="utf-8")
    out = run(*db, "import", str(csv), "--mapping", str(tmp_path / "map.json"),
              "--report", str(tmp_path / "report.csv"))
    assert "created 1" in out and "rejected 1" in out
    report = (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert "3," in report and "ชื่อ" in report  # row 3 is missing the first name
    assert "deleted 0 positions" in run(*db, "purge-positions", "--hours", "24")
