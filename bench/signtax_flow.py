"""Signboard tax figures: conversation step, tax, district lookup, bill QR, bank callbacks.

App runtime, one process, temporary SQLite::

    .venv/bin/python bench/signtax_flow.py
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

from bot.kernel.db import session_factory, upgrade  # noqa: E402
from skills.signtax import districts, promptpay, service, tax  # noqa: E402
from skills.signtax.dialogue import step  # noqa: E402

MESSAGES = ["ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร ติดอยู่กับที่ เขตจตุจักร",
            "ป้ายแรก ไทยล้วน 1x2 ม. ติดอยู่กับที่ ป้ายที่สอง มีโลโก้ 120x240 ซม. ป้ายไฟวิ่ง",
            "๕๐x๑๐๐ เซน", "ไม่ใช่ ยาว 2 เมตร", "บางนา"]


def timed(fn, n: int) -> tuple[float, float]:
    """Median and p95 in milliseconds over ``n`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (n - 1))]


def main() -> None:
    today = date(2026, 3, 2)
    state = {"s": None}

    def conversation():
        st = None
        for m in MESSAGES:
            st = step(st, m, today=today).state
        state["s"] = st

    rows = []
    med, p95 = timed(conversation, 200)
    rows.append(("conversation step (parse + state + result text)",
                 f"median {med / len(MESSAGES):.2f} ms, p95 {p95 / len(MESSAGES):.2f} ms per message"))
    sign = tax.Sign(150, 300, "2", moving=False)
    med, p95 = timed(lambda: tax.compute_sign(sign, 2026), 2000)
    rows.append(("tax of one sign with working", f"median {med * 1000:.0f} µs"))
    med, _ = timed(lambda: districts.match_text("ป้ายอยู่เขตจตุจัก"), 500)
    rows.append(("typed district (exact, khwaeng, outside, fuzzy)", f"median {med:.2f} ms"))
    med, p95 = timed(lambda: districts.locate(13.8029, 100.5530), 500)
    rows.append(("shared location → khet (bot.kernel.geo)", f"median {med:.2f} ms, p95 {p95:.2f} ms"))
    payload = promptpay.bill_payment("099400016550100", "ST2630000001", "10302569", 2540)
    med, _ = timed(lambda: promptpay.qr_png(payload), 50)
    png = promptpay.qr_png(payload)
    rows.append(("bill QR PNG (segno)", f"median {med:.1f} ms, {len(png):,} bytes"))
    med, _ = timed(lambda: zxingcpp.read_barcodes(Image.open(io.BytesIO(png))), 50)
    rows.append(("QR decode (zxing-cpp)", f"median {med:.1f} ms"))

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        factory = session_factory(url)
        n = 300
        t = time.perf_counter()
        bills = [service.file_return(factory, sender_id=f"web:bench{i}",
                                     business_name=f"ร้านทดสอบ {i}", district_code="1030",
                                     district_th="จตุจักร", signs=[sign], today=today)
                 for i in range(n)]
        filing = time.perf_counter() - t
        rows.append(("filing + assessment (one transaction)", f"{n / filing:.0f} per s"))
        t = time.perf_counter()
        for i, b in enumerate(bills):
            service.record_confirmation(factory, {
                "transaction_id": f"TX{i}", "bill_number": b.bill_number,
                "amount": f"{b.amount:.2f}", "paid_at": "2026-03-10T10:00:00+07:00"})
        paid = time.perf_counter() - t
        t = time.perf_counter()
        for i, b in enumerate(bills):  # the bank re-sends every confirmation
            service.record_confirmation(factory, {
                "transaction_id": f"TX{i}", "bill_number": b.bill_number,
                "amount": f"{b.amount:.2f}", "paid_at": "2026-03-10T10:00:00+07:00"})
        replay = time.perf_counter() - t
        rows.append(("bank confirmation accepted (payment, receipt, notification)",
                     f"{n / paid:.0f} per s"))
        rows.append(("replayed confirmation (answered, nothing written)", f"{n / replay:.0f} per s"))
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
