"""Each service's cases for its agency staff, read-only: one entry per queue here.

A skill's queue is a table of its own, read by name (the app layer never imports a skill);
adding a service's queue is one entry in ``QUEUES``. A queue whose table is missing (the
skill is not installed) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, Table, inspect, select

from bot.kernel.cases import case_number

LIMIT = 100


@dataclass(frozen=True)
class Queue:
    service: str  # the skill id agency staff are given
    title: str  # Thai
    table: str
    columns: tuple[tuple[str, str], ...]  # (column, Thai heading)
    prefix: str  # case number: bot.kernel.cases.case_number(prefix, id)


QUEUES = (
    Queue("motortaxi", "เรื่องร้องเรียนวินมอเตอร์ไซค์", "motortaxi_complaints",
          (("id", "เลขเรื่อง"), ("category", "ประเภท"), ("place", "สถานที่"),
           ("status", "สถานะ"), ("created_at", "รับเรื่องเมื่อ")), "MT"),
    Queue("signtax", "แบบแสดงรายการภาษีป้าย", "signtax_filings",
          (("id", "เลขเรื่อง"), ("tax_year", "ปีภาษี"), ("filed_on", "ยื่นเมื่อ"),
           ("tax_satang", "ภาษี (สตางค์)"), ("created_at", "บันทึกเมื่อ")), "ST"),
    Queue("police", "ประกาศเตือนภัยของตำรวจ", "police_warnings",
          (("id", "เลขเรื่อง"), ("district_th", "อำเภอ/เขต"), ("province_th", "จังหวัด"),
           ("text", "ข้อความ"), ("created_at", "ประกาศเมื่อ")), "PW"),
    Queue("forest", "สัญญาณเตือนไฟป่า", "forest_alarms",
          (("id", "เลขเรื่อง"), ("type", "ประเภท"), ("severity", "ระดับ"),
           ("status", "สถานะ"), ("start_ts", "เริ่มเมื่อ")), "FA"),
    Queue("disaster", "คำขอสิ่งของช่วยเหลือภัยพิบัติ", "disaster_requests",
          (("id", "เลขเรื่อง"), ("requester_name", "ผู้ขอ"), ("place_th", "สถานที่"),
           ("status", "สถานะ"), ("created_at", "รับเรื่องเมื่อ")), "DR"),
    Queue("disaster", "ผู้ขอความช่วยเหลือภัยพิบัติ", "disaster_help_cases",
          (("id", "เลขเรื่อง"), ("place_th", "สถานที่"), ("status", "สถานะ"),
           ("created_at", "รับเรื่องเมื่อ")), "DH"),
)


@dataclass
class Listing:
    queue: Queue
    headings: list[str]
    rows: list[list[str]]


def visible(services: list[str] | None) -> list[Queue]:
    """The queues of ``services`` (None: all, for supervisors and admins)."""
    return [q for q in QUEUES if services is None or q.service in services]


def listings(engine: Engine, services: list[str] | None) -> list[Listing]:
    """The newest cases of each visible queue whose table exists."""
    names = set(inspect(engine).get_table_names())
    found = []
    with engine.connect() as conn:
        for queue in visible(services):
            if queue.table not in names:
                continue
            table = Table(queue.table, MetaData(), autoload_with=conn)
            cols = [c for c, _ in queue.columns if c in table.c]
            rows = conn.execute(select(*[table.c[c] for c in cols])
                                .order_by(table.c.id.desc()).limit(LIMIT)).all()
            found.append(Listing(queue, [h for c, h in queue.columns if c in table.c],
                                 [[_cell(queue, c, v) for c, v in zip(cols, row, strict=True)]
                                  for row in rows]))
    return found


def _cell(queue: Queue, column: str, value: object) -> str:
    if value is None:
        return "-"
    if column == "id":
        return case_number(queue.prefix, value) if isinstance(value, int) else str(value)
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"
