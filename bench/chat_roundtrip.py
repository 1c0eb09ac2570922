"""A citizen's message through the whole product: web chat → engine → actions → renderer.

Starts the real stack (action server, engine, web app on loopback, temporary var dir), then
drives concurrent web-chat conversations that touch every path a message takes: the menu,
a numbered choice, a typed place (police), a shared location, a tax question with a
correction (signtax), a rider code (motortaxi), small talk and an off-topic line. Prints the
per-message latency (p50/p95/p99) and throughput; nothing is asserted.

    .venv/bin/python bench/chat_roundtrip.py [--conversations 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.tools.stack import Stack, build_model, free_port  # noqa: E402

SCRIPT = [
    {"text": "สวัสดีครับ"},
    {"text": "1"},
    {"text": "อยู่แถวลาดพร้าว ต้องแจ้งความที่ไหน"},
    {"location": {"latitude": 13.7316, "longitude": 100.5417}},
    {"text": "ภาษีป้าย ป้ายไทยล้วน กว้าง 1 เมตร ยาว 2 เมตร เขตบางรัก"},
    {"text": "ไม่ใช่ ยาว 3 เมตร"},
    {"text": "เมนู"},
    {"text": "ตรวจสอบวินมอเตอร์ไซค์ รหัส BKK-1234567"},
    {"text": "ขอบคุณครับ"},
    {"text": "สูตรต้มยำกุ้ง"},
]


def conversation(url: str, rounds: int, timings: list[float], errors: list[str]) -> None:
    sender = uuid.uuid4().hex
    with requests.Session() as http:
        for _ in range(rounds):
            for body in SCRIPT:
                started = time.perf_counter()
                try:
                    resp = http.post(url, json={"sender": sender, **body}, timeout=60)
                    if resp.status_code != 200 or not resp.json().get("messages"):
                        errors.append(f"{resp.status_code}: {resp.text[:80]}")
                except requests.RequestException as exc:
                    errors.append(str(exc))
                timings.append((time.perf_counter() - started) * 1000)


def run(stack: Stack, conversations: int, rounds: int) -> None:
    url = f"http://127.0.0.1:{stack.app_port}/api/chat"
    conversation(url, 1, [], [])  # warm-up: first parse, first action, database pages
    timings: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=conversation, args=(url, rounds, timings, errors))
               for _ in range(conversations)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(timings, n=100)
    print(f"{conversations} conversations × {rounds * len(SCRIPT)} messages: "
          f"{len(timings) / elapsed:.1f} msg/s; p50 / p95 / p99 = "
          f"{q[49]:.0f} / {q[94]:.0f} / {q[98]:.0f} ms; errors {len(errors)}")
    for e in errors[:5]:
        print("  error:", e)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    model = build_model(quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHAT_RATE_PER_MINUTE"] = "1000000"
        stack = Stack(model=model, var_dir=Path(tmp) / "var", app_port=free_port(),
                      engine_port=free_port(), action_port=free_port(),
                      log_dir=Path(tmp) / "logs")
        try:
            stack.start()
            for n in (1, args.conversations):
                run(stack, n, args.rounds)
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
