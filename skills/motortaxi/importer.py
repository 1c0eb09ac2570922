"""Import riders from an agency CSV: a column mapping, every rejected row with its reason.

Rows are matched on the licence number, so re-running an import updates riders and never
creates duplicates. Nothing is silently dropped: each row is imported, updated, unchanged or
rejected with a Thai reason (written to a report CSV by the command line).

    python -m skills.motortaxi import riders.csv --database-url sqlite:///var/app.db \
        --mapping mapping.json --report var/motortaxi/import-report.csv
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kernel.text import normalize, thai_digits_to_arabic

from . import codes
from .models import RIDER_STATUSES, Rider
from .service import new_token, texts

# Our field → the agency's column header. Override per agency with --mapping (JSON).
DEFAULT_MAPPING = {
    "licence_no": "licence_no", "first_name": "first_name", "last_name": "last_name",
    "plate": "plate", "plate_province": "plate_province", "licence_expiry": "licence_expiry",
    "win_name": "win_name", "district": "district", "province": "province",
    "status": "status", "registered_on": "registered_on", "code": "code",
}
REQUIRED = ("licence_no", "first_name", "last_name", "plate")
MAX_LEN = {"first_name": 80, "last_name": 80, "plate": 32, "plate_province": 64,
           "win_name": 160, "district": 80, "province": 80}
STATUS_WORDS = {"ใช้งาน": "active", "ปกติ": "active", "พักใช้": "suspended",
                "หมดอายุ": "expired", "เพิกถอน": "revoked"}
_LICENCE = re.compile(r"^[A-Za-z0-9ก-ฮ/\-]{5,32}$")
FIELDS = ("first_name", "last_name", "plate", "plate_province", "licence_expiry", "win_name",
          "district", "province", "status", "registered_on")


@dataclass
class ImportReport:
    """Counts and every rejected row (``(row number, reason)``; row 2 is the first data row)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def write_csv(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["row", "reason"])
            out.writerows(self.rejected)


@lru_cache(maxsize=8192)
def _normalize(value: str) -> str:
    """``bot.kernel.text.normalize``, cached: stands, districts and provinces repeat in every file."""
    return normalize(value) if value else ""


def _date(value: str) -> date:
    value = thai_digits_to_arabic(value.strip())
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value) or None
    if m is None:
        m2 = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m2 is None:
            raise ValueError(value)
        y, mo, d = int(m2.group(3)), int(m2.group(2)), int(m2.group(1))
    else:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y > 2400:  # Buddhist era
        y -= 543
    return date(y, mo, d)


def clean_row(raw: dict[str, str], mapping: dict[str, str]) -> tuple[dict, str]:
    """``(values, "")`` for a good row, ``({}, reason)`` for a bad one."""
    reasons = texts.section("import_reasons")
    get = {f: _normalize(raw.get(col) or "") for f, col in mapping.items()}
    for f in REQUIRED:
        if not get.get(f):
            return {}, reasons["missing"].format(field=mapping.get(f, f))
    for f, limit in MAX_LEN.items():
        if len(get.get(f, "")) > limit:
            return {}, reasons["too_long"].format(field=mapping.get(f, f), max=limit)
    if not _LICENCE.match(get["licence_no"]):
        return {}, reasons["licence"]
    if not re.search(r"\d", get["plate"]):
        return {}, reasons["plate"]
    values = {f: get.get(f, "") for f in ("licence_no", "first_name", "last_name", "plate",
                                           "plate_province", "win_name", "district", "province")}
    for f in ("licence_expiry", "registered_on"):
        try:
            values[f] = _date(get[f]) if get.get(f) else None
        except ValueError:
            return {}, reasons["date"].format(field=mapping.get(f, f))
    status = get.get("status", "").lower() or "active"
    status = STATUS_WORDS.get(status, status)
    if status not in RIDER_STATUSES:
        return {}, reasons["status"]
    values["status"] = status
    values["code"] = ""
    if get.get("code"):
        try:
            values["code"] = codes.parse(get["code"])
        except codes.CodeError:
            return {}, reasons["code"]
    return values, ""


def import_rows(session: Session, rows: Iterable[dict[str, str]], mapping: dict[str, str] | None = None,
                source: str = "import", progress: bool = False, total: int | None = None,
                rng=None) -> ImportReport:
    """Import ``rows`` (dicts keyed by the agency's headers) in the caller's transaction.

    Every code listed in the file is reserved before any random code is handed out, so a
    rider without a code never takes the code a later row of the same file brings.
    """
    from tqdm import tqdm

    mapping = {**DEFAULT_MAPPING, **(mapping or {})}
    reasons = texts.section("import_reasons")
    report = ImportReport()
    existing = {r.licence_no: r for r in session.scalars(select(Rider))}
    taken = {r.code: r.licence_no for r in existing.values()}
    # First pass: clean every row and collect the codes the file itself assigns.
    cleaned = [(number, *clean_row(raw, mapping)) for number, raw in enumerate(
        tqdm(rows, total=total, disable=not progress, unit=" rows", desc="riders"), start=2)]
    listed = {values["code"] for _, values, reason in cleaned if not reason and values["code"]}
    seen: dict[str, int] = {}
    for number, values, reason in cleaned:
        if not reason and values["licence_no"] in seen:
            reason = reasons["duplicate"].format(row=seen[values["licence_no"]])
        if not reason and values["code"] and taken.get(values["code"], values["licence_no"]) \
                != values["licence_no"]:
            reason = reasons["code_taken"]
        if reason:
            report.rejected.append((number, reason))
            continue
        seen[values["licence_no"]] = number
        rider = existing.get(values["licence_no"])
        if rider is None:
            code = values["code"] or _fresh_code(taken, rng, listed)
            rider = Rider(code=code, licence_no=values["licence_no"], qr_token=new_token(),
                          source=source, **{f: values[f] for f in FIELDS})
            session.add(rider)
            existing[rider.licence_no] = rider
            taken[code] = rider.licence_no
            report.created += 1
            continue
        changes = {f: values[f] for f in FIELDS if getattr(rider, f) != values[f]}
        if values["code"] and values["code"] != rider.code:
            taken.pop(rider.code, None)
            changes["code"] = values["code"]
            taken[values["code"]] = rider.licence_no
        if changes:
            for f, v in changes.items():
                setattr(rider, f, v)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def _fresh_code(taken: dict[str, str], rng=None, reserved: Collection[str] = frozenset()) -> str:
    """A random code that no rider has and that the file being imported does not list."""
    while True:
        code = codes.new_code(rng)
        if code not in taken and code not in reserved:
            return code


def import_csv(session: Session, path: Path, mapping: dict[str, str] | None = None,
               progress: bool = True) -> ImportReport:
    """Import an agency CSV file (UTF-8, with or without BOM; comma or semicolon separated)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        total = sum(1 for _ in fh) - 1
        fh.seek(0)
        return import_rows(session, csv.DictReader(fh, dialect=dialect), mapping,
                           source=f"import:{path.name}", progress=progress, total=total)
