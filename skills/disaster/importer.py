"""Import agencies' files into the registry: their columns, their units, their spellings.

Each agency keeps its own format; a mapping in ``data/mappings/<agency>.yml`` says which of
its columns is which of our fields (or which HXL hashtag, when the file carries a hashtag
row), what kind of record a row is (``stock``, ``asset``, ``person``, ``site``), its own
pack sizes and spellings. Rules:

* quantities go through the catalogue (``catalogue.to_base``): an unknown unit is refused;
* nothing is dropped silently: every row is created, updated, unchanged or rejected with a
  Thai reason (``ImportReport.rejected``; the command line writes them to a CSV);
* re-importing the same file changes nothing: records are keyed by (agency, its id);
* records that look like another agency's (normalised Thai name + distance, or the same
  national id) become ``MergeProposal`` rows for a person to confirm; nothing is merged here.

    python -m skills.disaster --database-url URL import FILE --mapping ddpm_ubon
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.kernel.db import utcnow
from bot.kernel.text import normalize, thai_digits_to_arabic

from .catalogue import CATALOGUE, Catalogue, UnitError
from .models import (
    ASSET_STATUSES,
    SITE_KINDS,
    Asset,
    Certificate,
    Competency,
    MergeProposal,
    Organisation,
    Person,
    Site,
    Stock,
)

DATA = Path(__file__).resolve().parent / "data"
MAPPINGS = DATA / "mappings"
RECORDS = ("stock", "asset", "person", "site")
# Thailand, generously: a point outside is a typo (swapped lat/lon, a missing dot).
LAT_RANGE, LON_RANGE = (5.0, 21.0), (97.0, 106.0)
DUPLICATE_METRES = 500      # two sites this close with similar names look like one
NAME_SIMILARITY = 85        # rapidfuzz ratio on the normalised names
_PROVINCE = re.compile(r"^TH\d{2}$")
_DISTRICT = re.compile(r"^TH\d{4}$")
# Abbreviations agencies use for the same words (expanded before comparing names).
_ABBREVIATIONS = (("รพ.สต.", "โรงพยาบาลส่งเสริมสุขภาพตำบล"), ("รพ.", "โรงพยาบาล"),
                  ("ร.ร.", "โรงเรียน"), ("รร.", "โรงเรียน"), ("อบต.", "องค์การบริหารส่วนตำบล"),
                  ("อบจ.", "องค์การบริหารส่วนจังหวัด"), ("ทต.", "เทศบาลตำบล"),
                  ("จ.", "จังหวัด"), ("อ.", "อำเภอ"), ("ต.", "ตำบล"))


class MappingError(ValueError):
    """A mapping file that cannot be used (English: it is for the people who write them)."""


def name_key(name: str) -> str:
    """A key for comparing names across agencies: abbreviations expanded, no spaces or marks.

    >>> name_key("รพ. วารินชำราบ") == name_key("โรงพยาบาลวารินชำราบ")
    True
    >>> name_key("ศูนย์อพยพ วัดใต้ (อ.เมือง)") == name_key("ศูนย์พักพิงวัดใต้ อำเภอเมือง")
    True
    """
    text = normalize(str(name)).replace("ศูนย์พักพิงชั่วคราว", "ศูนย์พักพิง")
    text = text.replace("ศูนย์อพยพ", "ศูนย์พักพิง")
    for short, long in _ABBREVIATIONS:
        text = text.replace(long, short)
    return re.sub(r"[\s.\-()\[\],/'\"]+", "", text).lower()


def hash_national_id(value: str) -> str:
    """sha256 of a valid 13-digit Thai national id (its check digit verified), else ``""``.

    >>> hash_national_id("1-1001-00001-00-0") == ""  # wrong check digit
    True
    """
    digits = re.sub(r"\D", "", thai_digits_to_arabic(value or ""))
    if len(digits) != 13:
        return ""
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(digits[:12])) % 11) % 10
    if check != int(digits[12]):
        return ""
    return hashlib.sha256(digits.encode()).hexdigest()


@dataclass
class Mapping:
    """One agency's file format (``data/mappings/<name>.yml``)."""

    agency: dict[str, Any]
    record: str
    columns: dict[str, str]
    defaults: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    packs: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, name_or_path: str | Path) -> Mapping:
        path = Path(name_or_path)
        if not path.suffix:
            path = MAPPINGS / f"{name_or_path}.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw.get("record") not in RECORDS:
            raise MappingError(f"{path}: record must be one of {RECORDS}")
        if not (raw.get("agency") or {}).get("code"):
            raise MappingError(f"{path}: agency.code is required")
        return cls(agency=raw["agency"], record=raw["record"], columns=raw.get("columns") or {},
                   defaults=raw.get("defaults") or {}, values=raw.get("values") or {},
                   packs=raw.get("packs") or {})

    @property
    def code(self) -> str:
        return self.agency["code"]


@dataclass
class ImportReport:
    """What an import did: counts per record kind and every rejected row with its reason."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    proposals: int = 0
    rows: int = 0

    def count(self, outcome: str, kind: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "0"
        return (f"rows {self.rows}; created: {fmt(self.created)}; updated: {fmt(self.updated)}; "
                f"unchanged: {fmt(self.unchanged)}; rejected {len(self.rejected)}; "
                f"merge proposals {self.proposals}")

    def write_csv(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["row", "reason"])
            out.writerows(self.rejected)


# ---------------------------------------------------------------- reading files

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _hxl_tag(value: str) -> str:
    """``"#geo +lat"`` → ``"#geo+lat"``; attributes sorted so their order does not matter."""
    parts = [p for p in re.split(r"[\s+]+", value.strip().lower()) if p]
    return parts[0] + "".join(f"+{a}" for a in sorted(parts[1:])) if parts else ""


def _is_hxl_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and sum(c.startswith("#") for c in filled) * 2 >= len(filled)


def read_table(path: Path) -> tuple[list[dict[str, str]], list[int], bool]:
    """The rows of a CSV or Excel file as dicts keyed by header (or HXL hashtag), their line
    numbers, and whether the file carried a hashtag row."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            grid = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            grid = [[c.strip() for c in row] for row in csv.reader(fh, dialect)]
    header_at, hxl = 0, False
    for i, row in enumerate(grid[:6]):
        if _is_hxl_row(row):
            header_at, hxl = i, True
            break
    keys = [(_hxl_tag(c) if hxl else normalize(c)) for c in grid[header_at]] if grid else []
    rows, numbers = [], []
    for i, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        if not any(row):
            continue
        rows.append({k: (row[j] if j < len(row) else "") for j, k in enumerate(keys) if k})
        numbers.append(i)
    return rows, numbers, hxl


# ---------------------------------------------------------------- cleaning values

class RowError(ValueError):
    """A row that cannot be imported; ``str()`` is the Thai reason."""


def _date(value: str) -> date:
    value = thai_digits_to_arabic(value.strip())
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", value)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value)
        if m is None:
            raise ValueError(value)
        y, mo, d = int(m.group(3)), int(m.group(2)), int(m.group(1))
    if y > 2400:  # Buddhist era
        y -= 543
    return date(y, mo, d)


class _Row:
    """One row seen through a mapping: ``get(field)`` reads the agency's column."""

    def __init__(self, raw: dict[str, str], mapping: Mapping, hxl: bool):
        self.raw, self.mapping, self.hxl = raw, mapping, hxl

    def get(self, name: str) -> str:
        col = self.mapping.columns.get(name)
        value = ""
        if col is not None:
            key = _hxl_tag(col) if self.hxl else normalize(col)
            value = normalize(self.raw.get(key, ""))
        if not value and name in self.mapping.defaults:
            value = str(self.mapping.defaults[name])
        spelled = self.mapping.values.get(name) or {}
        return str(spelled.get(value, value))

    def need(self, name: str) -> str:
        value = self.get(name)
        if not value:
            col = self.mapping.columns.get(name, name)
            raise RowError(f"ไม่มีค่าในคอลัมน์ '{col}' ({name})")
        return value

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.need(name) if required else self.get(name)
        if not value:
            return None
        try:
            out = float(thai_digits_to_arabic(value).replace(",", ""))
        except ValueError:
            raise RowError(f"'{value}' ในคอลัมน์ '{self.mapping.columns.get(name, name)}' "
                           f"ไม่ใช่ตัวเลข") from None
        if not math.isfinite(out):
            raise RowError(f"'{value}' ไม่ใช่ตัวเลขจริง")
        return out

    def day(self, name: str) -> date | None:
        value = self.get(name)
        if not value:
            return None
        try:
            return _date(value)
        except ValueError:
            raise RowError(f"วันที่ '{value}' อ่านไม่ได้ (ใช้ 2026-12-31 หรือ 31/12/2569)") from None


def _site_values(row: _Row) -> dict[str, Any]:
    lat, lon = row.number("lat", required=True), row.number("lon", required=True)
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise RowError(f"พิกัด {lat}, {lon} อยู่นอกประเทศไทย (สลับละติจูดกับลองจิจูดหรือไม่)")
    kind = row.get("site_kind") or "warehouse"
    if kind not in SITE_KINDS:
        raise RowError(f"ประเภทสถานที่ '{kind}' ไม่รู้จัก (ใช้: {', '.join(SITE_KINDS)})")
    province, district = row.get("province_code").upper(), row.get("district_code").upper()
    if province and not _PROVINCE.match(province):
        raise RowError(f"รหัสจังหวัด '{province}' ไม่ถูกต้อง (เช่น TH34)")
    if district and not _DISTRICT.match(district):
        raise RowError(f"รหัสอำเภอ '{district}' ไม่ถูกต้อง (เช่น TH3401)")
    if district and not province:
        province = district[:4]
    values: dict[str, Any] = {
        "kind": kind, "name_th": row.need("site_name")[:200], "latitude": lat, "longitude": lon,
        "province_code": province, "district_code": district,
        "address": row.get("address")[:300], "phone": row.get("phone")[:40]}
    name = values["name_th"]
    values["name_key"] = name_key(name)
    if kind == "shelter":
        capacity, occupancy = row.number("capacity"), row.number("occupancy")
        if capacity is not None and capacity < 0 or occupancy is not None and occupancy < 0:
            raise RowError("ความจุและจำนวนผู้พักต้องไม่ติดลบ")
        values["capacity"] = int(capacity) if capacity is not None else None
        values["occupancy"] = int(occupancy or 0)
        opened = row.get("is_open").lower()
        values["is_open"] = opened not in ("0", "no", "false", "ปิด", "closed", "ไม่เปิด")
    return values


# ---------------------------------------------------------------- writing records

class _Writer:
    """Upserts keyed by (agency, source id), counting what happened."""

    def __init__(self, session: Session, mapping: Mapping, report: ImportReport,
                 verified: datetime, catalogue: Catalogue):
        self.session, self.mapping, self.report = session, mapping, report
        self.verified, self.catalogue = verified, catalogue
        self.agency = mapping.code
        self.items = catalogue.sync(session)
        self.org = ensure_organisation(session, mapping.agency, verified)
        self._cache: dict[tuple[type, str], Any] = {}

    def existing(self, model: type, source_id: str) -> Any:
        key = (model, source_id)
        if key not in self._cache:
            self._cache[key] = self.session.scalars(select(model).where(and_(
                model.source_agency == self.agency, model.source_id == source_id))).first()
        return self._cache[key]

    def upsert(self, model: type, kind: str, source_id: str, values: dict[str, Any],
               count: bool = True) -> Any:
        row = self.existing(model, source_id)
        if row is None:
            row = model(source_agency=self.agency, source_id=source_id,
                        last_verified_at=self.verified, **values)
            self.session.add(row)
            self.session.flush()
            self._cache[(model, source_id)] = row
            if count:
                self.report.count("created", kind)
            return row
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        if _aware(row.last_verified_at) < self.verified:
            row.last_verified_at = self.verified
        if count:
            self.report.count("updated" if changed else "unchanged", kind)
        return row

    def site(self, row: _Row, count: bool = False) -> Site:
        sid = row.need("site_id")
        return self.upsert(Site, "site", sid, {"org_id": self.org.id, **_site_values(row)},
                           count=count)

    def site_record(self, row: _Row) -> None:
        self.site(row, count=True)

    def stock(self, row: _Row) -> None:
        word = row.need("item")
        code = self.catalogue.item_code(word)
        if code is None:
            raise RowError(f"ไม่รู้จักรายการ '{word}' ในบัญชีสิ่งของ")
        try:
            qty = self.catalogue.to_base(code, row.need("quantity"), row.get("unit"),
                                         self.mapping.packs)
        except UnitError as exc:
            raise RowError(str(exc)) from None
        expires = row.day("expiry")
        if self.catalogue.items[code].expires and expires is None:
            raise RowError(f"{self.catalogue.items[code].name_th} ต้องมีวันหมดอายุ")
        site = self.site(row)
        source_id = row.get("stock_id") or f"{site.source_id}/{code}/{expires or '-'}"
        existing = self.existing(Stock, source_id)
        if existing is not None and qty < existing.reserved:
            raise RowError(f"จำนวนใหม่ {qty} น้อยกว่าที่จองให้คำขอไว้แล้ว {existing.reserved}")
        self.upsert(Stock, "stock", source_id, {"site_id": site.id, "item_id": self.items[code].id,
                                                "quantity": qty, "expires_on": expires})

    def asset(self, row: _Row) -> None:
        aid = row.need("asset_id")
        word = row.need("asset_type")
        kind = self.catalogue.asset_type(word)
        if kind is None:
            raise RowError(f"ไม่รู้จักประเภททรัพย์สิน '{word}' (เรือ เครื่องสูบน้ำ "
                           f"เครื่องกำเนิดไฟฟ้า รถบรรทุก โดรน)")
        cond_word = row.get("condition")
        condition = self.catalogue.condition(cond_word) if cond_word else 1
        if condition is None:
            raise RowError(f"สภาพ '{cond_word}' ไม่รู้จัก")
        status = row.get("status") or ("available" if condition in (1, 2) else "maintenance")
        if status not in ASSET_STATUSES:
            raise RowError(f"สถานะ '{status}' ไม่รู้จัก (ใช้: {', '.join(ASSET_STATUSES)})")
        site = self.site(row)
        self.upsert(Asset, "asset", aid, {
            "org_id": self.org.id, "site_id": site.id, "type": kind,
            "name_th": (row.get("asset_name") or self.catalogue.asset_name(kind))[:200],
            "number": row.get("number")[:64], "condition": condition, "status": status})

    def person(self, row: _Row) -> None:
        pid = row.need("person_id")
        kind = row.get("person_kind") or "staff"
        if kind not in ("staff", "volunteer"):
            raise RowError(f"ประเภทบุคลากร '{kind}' ไม่รู้จัก (staff หรือ volunteer)")
        national = row.get("national_id")
        nid_hash = hash_national_id(national) if national else ""
        if national and not nid_hash:
            raise RowError("เลขประจำตัวประชาชนไม่ถูกต้อง (ต้อง 13 หลักและเลขตรวจสอบถูก)")
        skills = []
        for word in re.split(r"[,;/]", row.get("skill")):
            if word.strip():
                code = self.catalogue.skill(word)
                if code is None:
                    raise RowError(f"ไม่รู้จักทักษะ '{word.strip()}'")
                skills.append(code)
        level_word = row.get("level")
        level = self.catalogue.level(level_word) if level_word else 1
        if level is None:
            raise RowError(f"ระดับความชำนาญ '{level_word}' ไม่รู้จัก (1-4)")
        cert_expiry = row.day("cert_expiry")
        site = self.site(row) if row.get("site_id") else None
        name = row.need("name")[:200]
        person = self.upsert(Person, "person", pid, {
            "org_id": self.org.id, "site_id": site.id if site else None, "kind": kind,
            "name_th": name, "name_key": name_key(name), "national_id_hash": nid_hash,
            "phone": row.get("phone")[:40],
            "province_code": (row.get("province_code") or (site.province_code if site else ""))})
        for code in skills:
            comp = self.session.scalars(select(Competency).where(
                Competency.person_id == person.id, Competency.skill == code)).first()
            if comp is None:
                self.session.add(Competency(person_id=person.id, skill=code, level=level,
                                            confirmed_by=self.agency))
            elif comp.level != level:
                comp.level = level
        cert = row.get("certificate")
        if cert:
            found = self.session.scalars(select(Certificate).where(
                Certificate.person_id == person.id, Certificate.name == cert[:200])).first()
            values = {"skill": skills[0] if skills else "", "number": row.get("cert_number")[:64],
                      "issuer": row.get("cert_issuer")[:120] or self.agency,
                      "expires_on": cert_expiry}
            if found is None:
                self.session.add(Certificate(person_id=person.id, name=cert[:200], **values))
            else:
                for k, v in values.items():
                    setattr(found, k, v)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ensure_organisation(session: Session, agency: dict[str, Any],
                        verified: datetime | None = None) -> Organisation:
    """The organisation an agency's mapping describes (and its parent, from
    ``data/organisations.yml``), created or brought up to date."""
    verified = verified or utcnow()
    parent = None
    if agency.get("parent"):
        national = {o["code"]: o for o in yaml.safe_load(
            (DATA / "organisations.yml").read_text(encoding="utf-8"))["organisations"]}
        parent_info = national.get(agency["parent"]) or {"code": agency["parent"],
                                                         "name_th": agency["parent"]}
        parent = ensure_organisation(session, {k: v for k, v in parent_info.items()
                                               if k != "source"}, verified)
    org = session.scalars(select(Organisation).where(Organisation.code == agency["code"])).first()
    values = {"name_th": agency.get("name_th") or agency["code"],
              "name_en": agency.get("name_en", ""), "acronym": agency.get("acronym", "")[:16],
              "kind": agency.get("kind", "government"), "phone": str(agency.get("phone", "")),
              "province_code": agency.get("province_code", ""),
              "parent_id": parent.id if parent else None}
    if org is None:
        org = Organisation(code=agency["code"], source_agency=agency["code"], source_id="self",
                           last_verified_at=verified, **values)
        session.add(org)
        session.flush()
    else:
        for k, v in values.items():
            if getattr(org, k) != v:
                setattr(org, k, v)
    return org


def import_rows(session: Session, rows: Iterable[dict[str, str]], mapping: Mapping, *,
                hxl: bool = False, numbers: list[int] | None = None,
                verified: datetime | None = None, progress: bool = False,
                catalogue: Catalogue = CATALOGUE) -> ImportReport:
    """Import ``rows`` in the caller's transaction; each row in its own savepoint, so a bad
    row leaves nothing half-written."""
    from tqdm import tqdm

    report = ImportReport()
    writer = _Writer(session, mapping, report, verified or utcnow(), catalogue)
    handle = writer.site_record if mapping.record == "site" else getattr(writer, mapping.record)
    rows = list(rows)
    numbers = numbers or list(range(2, len(rows) + 2))
    for number, raw in zip(numbers, tqdm(rows, disable=not progress, unit=" rows",
                                         desc=mapping.code), strict=False):
        report.rows += 1
        row = _Row(raw, mapping, hxl)
        try:
            with session.begin_nested():
                handle(row)
        except RowError as exc:
            writer._cache.clear()  # the savepoint rolled back what it had added
            report.rejected.append((number, str(exc)))
    session.flush()
    report.proposals = propose_duplicates(session, mapping.code)
    return report


def import_file(session: Session, path: Path, mapping: Mapping | str, *,
                progress: bool = False, verified: datetime | None = None) -> ImportReport:
    """Import an agency's CSV or Excel file with its mapping (a ``Mapping`` or its name)."""
    if not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    rows, numbers, hxl = read_table(Path(path))
    return import_rows(session, rows, mapping, hxl=hxl, numbers=numbers, progress=progress,
                       verified=verified)


# ---------------------------------------------------------------- duplicates

def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def _propose(session: Session, entity: str, a: int, b: int, score: float, why: str) -> int:
    left, right = min(a, b), max(a, b)
    exists = session.scalars(select(MergeProposal).where(
        MergeProposal.entity == entity, MergeProposal.left_id == left,
        MergeProposal.right_id == right)).first()
    if exists is not None:
        return 0
    session.add(MergeProposal(entity=entity, left_id=left, right_id=right,
                              score=round(score, 3), reasons=why[:300]))
    return 1


def propose_duplicates(session: Session, agency: str) -> int:
    """Propose merges between ``agency``'s sites and people and other agencies' ones.

    Sites: within ``DUPLICATE_METRES`` and normalised names at least ``NAME_SIMILARITY``
    alike (or the same phone). People: the same national id, or the same name and phone.
    Returns how many new proposals were written; nothing is merged.
    """
    new = 0
    box = DUPLICATE_METRES / 111_000 * 1.5
    for site in session.scalars(select(Site).where(Site.source_agency == agency)):
        near = session.scalars(select(Site).where(
            Site.source_agency != agency,
            Site.latitude.between(site.latitude - box, site.latitude + box),
            Site.longitude.between(site.longitude - box, site.longitude + box)))
        for other in near:
            metres = _metres(site.latitude, site.longitude, other.latitude, other.longitude)
            if metres > DUPLICATE_METRES:
                continue
            similar = fuzz.ratio(site.name_key, other.name_key)
            same_phone = bool(site.phone) and re.sub(r"\D", "", site.phone) == \
                re.sub(r"\D", "", other.phone)
            if similar >= NAME_SIMILARITY or same_phone:
                why = f"name {similar:.0f}%, {metres:.0f} m" + (", same phone" if same_phone else "")
                new += _propose(session, "site", site.id, other.id,
                                similar / 100 * (1 - metres / (2 * DUPLICATE_METRES)), why)
    for person in session.scalars(select(Person).where(Person.source_agency == agency)):
        if person.national_id_hash:
            for other in session.scalars(select(Person).where(
                    Person.source_agency != agency,
                    Person.national_id_hash == person.national_id_hash)):
                new += _propose(session, "person", person.id, other.id, 1.0, "same national id")
        if person.phone and person.name_key:
            for other in session.scalars(select(Person).where(
                    Person.source_agency != agency, Person.name_key == person.name_key,
                    Person.phone == person.phone)):
                new += _propose(session, "person", person.id, other.id, 0.9,
                                "same name and phone")
    session.flush()
    return new
