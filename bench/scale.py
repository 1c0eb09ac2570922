"""Stock Rasa against the production profile, side by side in one run.

Runs in the app runtime (``make bench``; about 7 minutes on the shared 2-core machine)::

    .venv/bin/python bench/scale.py [--levels 10,50,200] [--messages 8] [--engines 2]
                                    [--web-apps 2] [--only stock|product]

- **stock**: an unmodified Rasa 3.6 server, ``rasa run`` from the engine runtime with Rasa's
  own REST channel, so none of ``bot/engine/speedups.py`` is applied (only the project's
  token channel installs them). The DIET + TED model of ``bench/configs/diet_ted.yml`` with
  the same Thai normaliser and tokenizer, one process, Rasa's SQL tracker store (SQLite),
  the in-memory lock store, and the project's action server.
- **product**: the production profile of ``PROFILE=production make run`` (docs/deployment.md)
  with the product's model (``config.yml``): ``--engines`` engines sharing the tracker store
  on PostgreSQL and Rasa's lock store on Redis, ``--web-apps`` web apps on the app database on
  PostgreSQL, nginx in front, one action server. Messages enter through nginx and the web
  chat's ``POST /api/chat``, so they cross more processes than stock's do.

PostgreSQL and Redis are the machine's own when they answer (127.0.0.1:5432 as ``postgres``,
127.0.0.1:6379), else servers of our own (``tests/servers.py``). Both sides get the same
conversations (``SCRIPT``: greeting and menu, services, small talk, off-topic) at each level
of concurrency. Printed per side and level: throughput, p50/p95/p99, errors, CPU (% of one
core, over the level) and peak memory (RSS) per process, read from ``/proc``; per side, the
engine's start to ready (process start to ``/status`` answering; for the product, one engine
restarted while the others run idle). Then the ratios product / stock. Figures are written
to ``var/bench/scale.json``; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.tools.stack import ENGINE_ENV, ENGINE_PYTHON, Stack, build_model, free_port  # noqa: E402

SCRIPT = ["สวัสดีครับ", "มีบริการอะไรบ้าง", "ภาษีป้ายคิดยังไง", "ขอบคุณค่ะ", "วันนี้ฝนตกไหม",
          "แจ้งความที่ไหนคะ", "วินมอไซค์คิดเงินแพง", "บายครับ"]
DIET_TED = ROOT / "bench" / "configs" / "diet_ted.yml"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --- per-process CPU and memory, from /proc ------------------------------------------------

def group_pids(leader: int) -> list[int]:
    """Every process in ``leader``'s process group (the stack starts each in its own session:
    nginx's workers, Sanic's and the app's children count with their parent)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[2]) == leader:
                    pids.append(int(entry))
    return pids


def cpu_seconds_and_rss(leader: int) -> tuple[float, int]:
    cpu, rss = 0.0, 0
    for pid in group_pids(leader):
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return cpu, rss


class Sampler:
    """CPU time used and peak resident memory of each named process group while running."""

    def __init__(self, leaders: dict[str, int]) -> None:
        self.leaders, self.peak = leaders, dict.fromkeys(leaders, 0)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stopped.wait(0.5):
            for name, pid in self.leaders.items():
                self.peak[name] = max(self.peak[name], cpu_seconds_and_rss(pid)[1])

    def __enter__(self) -> Sampler:
        self.cpu0 = {n: cpu_seconds_and_rss(p)[0] for n, p in self.leaders.items()}
        self.t0 = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()
        wall = time.perf_counter() - self.t0
        self.result = {n: {"cpu_pct": 100 * (cpu_seconds_and_rss(p)[0] - self.cpu0[n]) / wall,
                           "rss_mb": self.peak[n] / 2**20} for n, p in self.leaders.items()}


# --- load ------------------------------------------------------------------------------------

async def drive(url: str, body_of, conversations: int, messages: int,
                headers: dict | None = None) -> dict:
    """``conversations`` concurrent conversations of ``messages`` messages each, one message
    at a time per conversation (a citizen waits for the answer before typing again)."""
    import aiohttp

    latencies: list[float] = []
    errors = 0

    async def conversation(session, sender: str) -> None:
        nonlocal errors
        for i in range(messages):
            t = time.perf_counter()
            try:
                async with session.post(url, json=body_of(sender, SCRIPT[i % len(SCRIPT)]),
                                        headers=headers) as resp:
                    answer = await resp.json(content_type=None)
                    errors += resp.status != 200 or not answer
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                errors += 1
            latencies.append((time.perf_counter() - t) * 1000)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=180),
                                     connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(conversation(session, uuid.uuid4().hex)
                               for _ in range(conversations)))
        wall = time.perf_counter() - started
    return {"conversations": conversations, "messages": len(latencies), "errors": errors,
            "msg_per_s": len(latencies) / wall, "ms_p50": statistics.median(latencies),
            "ms_p95": pct(latencies, 95), "ms_p99": pct(latencies, 99)}


def messages_at(level: int, messages: int) -> int:
    """Fewer messages per conversation above 50 conversations (800 in all, at least 4 each:
    greeting, menu, a service, thanks), so that stock's slowest level stays a few minutes."""
    return max(4, min(messages, 800 // level)) if level > 50 else messages


def run_levels(stack: Stack, url: str, body_of, levels: list[int], messages: int,
               headers: dict | None = None) -> list[dict]:
    asyncio.run(drive(url, body_of, 4, 2, headers))  # warm-up: first parse, first action
    rows = []
    for level in levels:
        with Sampler({n: p.pid for n, p in stack.procs.items()}) as sampler:
            row = asyncio.run(drive(url, body_of, level, messages_at(level, messages), headers))
        row["processes"] = sampler.result
        rows.append(row)
        print(f"  {level:>3} conversations: {row['msg_per_s']:.1f} msg/s, p50/p95/p99 "
              f"{row['ms_p50']:.0f}/{row['ms_p95']:.0f}/{row['ms_p99']:.0f} ms, "
              f"errors {row['errors']}", flush=True)
    return rows


# --- stock -----------------------------------------------------------------------------------

class StockStack(Stack):
    """The action server as the product runs it, and ``rasa run`` itself as the engine, with
    Rasa's own REST channel and endpoints of its own (so no project speed-up is loaded)."""

    def start_engine(self, name: str = "engine") -> None:
        conf = self.var_dir / "stock"
        conf.mkdir(exist_ok=True)
        (conf / "credentials.yml").write_text("rest:\n", encoding="utf-8")
        (conf / "endpoints.yml").write_text(json.dumps({  # JSON is YAML
            "action_endpoint": {"url": f"http://127.0.0.1:{self.action_port}/webhook",
                                "token": self.env["ACTION_TOKEN"]},
            "tracker_store": {"type": "SQL", "dialect": "sqlite",
                              "db": str(self.var_dir / "tracker.db")}}), encoding="utf-8")
        self._spawn(name, [
            str(ENGINE_PYTHON.parent / "rasa"), "run", "--model", str(self.model),
            "--interface", "127.0.0.1", "--port", str(self.engine_port), "--enable-api",
            "--auth-token", self.env["ENGINE_TOKEN"], "--endpoints", str(conf / "endpoints.yml"),
            "--credentials", str(conf / "credentials.yml")], ENGINE_ENV)


def stock(tmp: Path, levels: list[int], messages: int) -> dict:
    stack = StockStack(model=build_model(DIET_TED, quiet=True), var_dir=tmp / "stock",
                       app_port=free_port(), engine_port=free_port(), action_port=free_port(),
                       log_dir=tmp / "logs-stock")
    try:
        stack.start(web=False)  # the database, the action server and the engine, ready
        stack.stop_one("engine")
        t = time.perf_counter()
        stack.start_one("engine")
        stack.wait_ready()
        ready = time.perf_counter() - t
        print(f"stock: engine start to ready {ready:.1f} s", flush=True)
        url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
        rows = run_levels(stack, url, lambda s, m: {"sender": s, "message": m}, levels,
                          messages)
    finally:
        stack.stop()
    return {"ready_s": ready, "levels": rows}


# --- product ---------------------------------------------------------------------------------

@contextlib.contextmanager
def shared_stores():
    """The production profile's shared stores: two fresh PostgreSQL databases, and Redis."""
    from tests import servers

    with servers.postgres_admin() as admin, servers.redis_server() as (host, port), \
            servers.postgres_database(admin, "bench_app_") as app_db, \
            servers.postgres_database(admin, "bench_tracker_") as tracker_db:
        yield {"DATABASE_URL": app_db["app"], "TRACKER_URL": tracker_db["engine"],
               "LOCK_STORE": "redis", "REDIS_HOST": host, "REDIS_PORT": str(port),
               "LOCK_KEY_PREFIX": f"bench{secrets.token_hex(4)}",
               "SECRET_KEY": secrets.token_urlsafe(32), "DEMO_DATA": "0",
               "CHAT_RATE_PER_MINUTE": "1000000", "TRUST_PROXY": "1"}


def product(tmp: Path, levels: list[int], messages: int, engines: int, webs: int) -> dict:
    from bot.tools import profile

    model = build_model(quiet=True)
    with shared_stores() as env:
        problems = profile.missing(env | {"ENGINES": str(engines), "WEB_APPS": str(webs)})
        if problems:
            raise SystemExit("the production profile cannot start: " + "; ".join(problems))
        stack = Stack(model=model, var_dir=tmp / "product", app_port=free_port(),
                      engine_port=free_port(), action_port=free_port(),
                      more_engines=[free_port() for _ in range(engines - 1)],
                      more_webs=[free_port() for _ in range(webs - 1)],
                      balancer_port=free_port(), log_dir=tmp / "logs-product", env=env)
        try:
            t = time.perf_counter()
            stack.start()
            print(f"product: all {len(stack.procs)} processes ready in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            stack.stop_one("engine")
            t = time.perf_counter()
            stack.start_one("engine")
            stack.wait_ready()
            ready = time.perf_counter() - t
            print(f"product: one engine start to ready {ready:.1f} s (the others idle)",
                  flush=True)
            url = f"http://127.0.0.1:{stack.front_port}/api/chat"
            rows = run_levels(stack, url, lambda s, m: {"sender": s, "text": m}, levels,
                              messages)
        finally:
            stack.stop()
    return {"ready_s": ready, "levels": rows, "engines": engines, "web_apps": webs}


# --- report ----------------------------------------------------------------------------------

def table(result: dict) -> str:
    sides = [s for s in ("stock", "product") if s in result]
    out = ["| figure | " + " | ".join(sides) + (" | product / stock |" if len(sides) == 2
                                                 else " |"),
           "|---|" + "---|" * (len(sides) + (len(sides) == 2))]

    def line(label: str, cell, ratio=None) -> None:
        cells = [cell(result[s]) for s in sides]
        if len(sides) == 2:
            cells.append(ratio(result["stock"], result["product"]) if ratio else "")
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    line("engine start to ready (s)", lambda r: f"{r['ready_s']:.1f}",
         lambda s, p: f"{p['ready_s'] / s['ready_s']:.2f}×")
    for i, level in enumerate(result[sides[0]]["levels"]):
        c = level["conversations"]

        def get(r, i=i):
            return r["levels"][i]

        line(f"{c} conversations: messages sent", lambda r: str(get(r)["messages"]))
        line(f"{c} conversations: throughput (msg/s)", lambda r: f"{get(r)['msg_per_s']:.1f}",
             lambda s, p: f"**{get(p)['msg_per_s'] / get(s)['msg_per_s']:.1f}×**")
        line(f"{c} conversations: p50 / p95 / p99 (ms)",
             lambda r: "{ms_p50:.0f} / {ms_p95:.0f} / {ms_p99:.0f}".format(**get(r)),
             lambda s, p: f"{get(p)['ms_p95'] / get(s)['ms_p95']:.2f}× (p95)")
        line(f"{c} conversations: errors", lambda r: str(get(r)["errors"]))
        line(f"{c} conversations: CPU % of a core / peak MB per process",
             lambda r: "; ".join(f"{n} {v['cpu_pct']:.0f}% {v['rss_mb']:.0f} MB"
                                 for n, v in get(r)["processes"].items()))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10,50,200",
                        help="concurrent conversations, comma-separated")
    parser.add_argument("--messages", type=int, default=8,
                        help="messages per conversation (fewer above 50 conversations)")
    parser.add_argument("--engines", type=int, default=2)
    parser.add_argument("--web-apps", type=int, default=2)
    parser.add_argument("--only", choices=("stock", "product"))
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    result: dict = {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(),
                    "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "product":
            print("stock: rasa run, DIET + TED, SQLite tracker store, one engine", flush=True)
            result["stock"] = stock(Path(tmp), levels, args.messages)
        if args.only != "stock":
            print(f"product: {args.engines} engines, {args.web_apps} web apps, nginx, "
                  "PostgreSQL, Redis", flush=True)
            result["product"] = product(Path(tmp), levels, args.messages, args.engines,
                                        args.web_apps)
    out = ROOT / "var" / "bench" / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print()
    print(table(result))
    print(f"\n(load average before the run {result['load_before']:.1f}; written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
