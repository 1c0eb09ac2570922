"""Compare NLU pipelines: held-out accuracy, training time, load time, parse latency, throughput.

Runs in the engine runtime (``make bench``)::

    .venv-engine/bin/python bench/nlu_pipelines.py [--retrain] [--messages 10]

For each configuration (the project's ``config.yml`` and Rasa's stock DIET + TED in
``bench/configs/diet_ted.yml``) it builds the model on the same training split, scores the
same held-out split, times ``Agent.load`` in a fresh process, times parses in process, then
starts the real engine and action server and drives 10 and 50 concurrent conversations
through the token-protected REST webhook on loopback. Figures are printed and written to
``var/bench/nlu_pipelines.json``; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.build import build  # noqa: E402
from bot.stack import ENGINE_ENV, ENGINE_PYTHON, Stack, free_port  # noqa: E402

CONFIGS = [ROOT / "config.yml", ROOT / "bench" / "configs" / "diet_ted.yml"]
# A realistic mix: menu, services, small talk, off-topic; every one runs custom actions or rules.
SCRIPT = ["สวัสดีครับ", "มีบริการอะไรบ้าง", "ภาษีป้ายคิดยังไง", "ขอบคุณค่ะ", "วันนี้ฝนตกไหม",
          "แจ้งความที่ไหนคะ", "วินมอไซค์คิดเงินแพง", "บายครับ"]
CONCURRENCY = (10, 50)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load_seconds(model: str) -> float:
    """Time ``Agent.load`` in a fresh interpreter (imports excluded, as a server pays them once)."""
    code = (f"import time,sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from rasa.core.agent import Agent\n"
            f"t = time.perf_counter(); Agent.load({model!r}); print(time.perf_counter() - t)")
    out = subprocess.run([str(ENGINE_PYTHON), "-c", code], cwd=ROOT, env={**ENGINE_ENV,
                         "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def nlu_scores(model: str, heldout: str) -> dict:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    examples = load_data(heldout).intent_examples
    right, latencies = 0, []
    for _ in range(3):  # three passes for stable latency figures; accuracy from the first
        for ex in examples:
            t = time.perf_counter()
            result = loop.run_until_complete(agent.parse_message(ex.get("text")))
            latencies.append((time.perf_counter() - t) * 1000)
            if _ == 0 and result["intent"]["name"] == ex.get("intent"):
                right += 1
    loop.close()
    return {"heldout_examples": len(examples), "heldout_accuracy": right / len(examples),
            "parse_ms_p50": statistics.median(latencies), "parse_ms_p95": pct(latencies, 95)}


async def drive(port: int, token: str, conversations: int, messages: int) -> dict:
    import aiohttp

    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0

    async def conversation(session, n: int) -> None:
        nonlocal errors
        sender = f"bench-{conversations}-{n}-{time.time_ns()}"
        for i in range(messages):
            body = {"sender": sender, "message": SCRIPT[i % len(SCRIPT)]}
            t = time.perf_counter()
            async with session.post(url, json=body, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    errors += 1
            latencies.append((time.perf_counter() - t) * 1000)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(conversation(session, n) for n in range(conversations)))
        wall = time.perf_counter() - started
    return {"messages": len(latencies), "errors": errors, "msg_per_s": len(latencies) / wall,
            "ms_p50": statistics.median(latencies), "ms_p95": pct(latencies, 95),
            "ms_p99": pct(latencies, 99)}


def measure(config: Path, retrain: bool, messages: int, tmp: Path) -> dict:
    info = build(config, force=retrain)
    row = {"config": config.name,
           "train_s": info["train_seconds"] or info.get("last_train_seconds")}
    row["agent_load_s"] = load_seconds(info["model"])
    row.update(nlu_scores(info["model"], info["nlu_heldout"]))
    stack = Stack(model=Path(info["model"]), var_dir=tmp / config.stem, app_port=free_port(),
                  engine_port=free_port(), action_port=free_port(), log_dir=tmp / "logs")
    t = time.perf_counter()
    stack.start(web=False)
    row["server_ready_s"] = time.perf_counter() - t
    try:
        asyncio.run(drive(stack.engine_port, stack.env["ENGINE_TOKEN"], 2, 4))  # warm up
        for c in CONCURRENCY:
            row[f"rest_{c}"] = asyncio.run(drive(stack.engine_port, stack.env["ENGINE_TOKEN"], c,
                                                 messages))
    finally:
        stack.stop()
    return row


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train even if cached")
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in CONFIGS:
            print(f"measuring {config.name}…", flush=True)
            rows.append(measure(config, args.retrain, args.messages, Path(tmp)))
    out = ROOT / "var" / "bench" / "nlu_pipelines.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2), encoding="utf-8")

    print("\n| figure | " + " | ".join(r["config"] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    lines = [("held-out intent accuracy", lambda r: f"{r['heldout_accuracy']:.1%} of {r['heldout_examples']}"),
             ("training time (s)", lambda r: f"{r['train_s']}"),
             ("Agent.load (s)", lambda r: f"{r['agent_load_s']:.1f}"),
             ("server start to ready (s)", lambda r: f"{r['server_ready_s']:.1f}"),
             ("parse p50 / p95 (ms, in process)", lambda r: f"{r['parse_ms_p50']:.1f} / {r['parse_ms_p95']:.1f}")]
    for c in CONCURRENCY:
        lines += [(f"REST {c} conversations: msg/s", lambda r, c=c: f"{r[f'rest_{c}']['msg_per_s']:.1f}"),
                  (f"REST {c} conversations: p50 / p95 / p99 (ms)",
                   lambda r, c=c: "{ms_p50:.0f} / {ms_p95:.0f} / {ms_p99:.0f}".format(**r[f"rest_{c}"])),
                  (f"REST {c} conversations: errors", lambda r, c=c: str(r[f"rest_{c}"]["errors"]))]
    for label, fmt in lines:
        print(f"| {label} | " + " | ".join(fmt(r) for r in rows) + " |")
    if len(rows) == 2:
        light, stock = rows
        for c in CONCURRENCY:
            ratio = light[f"rest_{c}"]["msg_per_s"] / stock[f"rest_{c}"]["msg_per_s"]
            print(f"throughput ratio at {c} conversations: {ratio:.1f}x")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
