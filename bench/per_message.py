"""The engine's work per message, one candidate change at a time (issue 18, item 2).

Runs in the app runtime (about 6 minutes on the shared 2-core machine)::

    .venv/bin/python bench/per_message.py [--calls 20] [--long 160] [--py-spy PATH]

One engine of the production profile (the product's model, tracker store on PostgreSQL, lock
store on Redis; ``bench/scale.py`` gets the stores) and the action server, driven on the
engine's token-protected REST channel and HTTP API on loopback:

1. **A response instead of an action call.** The same conversations run, through Rasa's
   ``POST /conversations/<id>/execute``, either a domain response (``utter_menu_intro``) or a
   custom action that sends one message (``action_show_menu``), 10 senders at a time,
   alternated twice. Both read and save the tracker alike; the difference is what replacing
   one action call by a response would save per message.
2. **Session length.** One conversation of ``--long`` messages: latency and engine CPU per
   message in its first and last 16 messages, then after a new session starts
   (``/session_start``, what Rasa runs when ``session_expiration_time`` has passed): Rasa's
   SQL tracker store reads the current session only.
3. **Engine start to ready**, as shipped and with ``skops.io`` imported before Rasa and
   TensorFlow (the start-up profile: skops, which loads the classifier, walks every loaded
   module on import; with TensorFlow's thousands loaded first that is most of the start).
4. **Profile** (with ``--py-spy``, the path of a py-spy binary): the engine sampled under 10
   concurrent conversations; the functions it spends its time in, inclusive and own.

Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import SCRIPT, cpu_seconds_and_rss, drive, pct, shared_stores  # noqa: E402

from bot.tools.stack import ENGINE_ENV, ENGINE_PYTHON, Stack, build_model, free_port  # noqa: E402

BLOCK = 16  # messages per measured block of the long conversation
# "(/…/site-packages/rasa/core/processor.py)" → "(rasa/core/processor.py)"
SHORT_PATH = re.compile(r"\((/\S*?site-packages/|/\S*?/lib/python3\.\d+/|" + re.escape(str(ROOT)) + "/)")


def engine_cpu(stack: Stack, name: str = "engine") -> float:
    return cpu_seconds_and_rss(stack.procs[name].pid)[0]


async def execute_calls(stack: Stack, action: str, senders: int, calls: int) -> dict:
    """``senders`` conversations at once, each running ``action`` ``calls`` times."""
    import aiohttp

    base, token = f"http://127.0.0.1:{stack.engine_port}", stack.env["ENGINE_TOKEN"]
    latencies: list[float] = []

    async def one(session) -> None:
        conv = f"{base}/conversations/{uuid.uuid4().hex}"
        async with session.post(f"{conv}/tracker/events?token={token}",
                                json={"event": "action", "name": "action_listen"}) as resp:
            resp.raise_for_status()
        for _ in range(calls):
            t = time.perf_counter()
            async with session.post(f"{conv}/execute?token={token}&include_events=NONE",
                                    json={"name": action}) as resp:
                body = await resp.json()
                if resp.status != 200 or not body.get("messages"):
                    raise RuntimeError(f"{action}: {resp.status} {str(body)[:200]}")
            latencies.append((time.perf_counter() - t) * 1000)

    cpu0, started = {n: engine_cpu(stack, n) for n in stack.procs}, time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session) for _ in range(senders)))
    wall = time.perf_counter() - started
    cpu = {n: 1000 * (engine_cpu(stack, n) - cpu0[n]) / len(latencies) for n in stack.procs}
    return {"calls_per_s": len(latencies) / wall, "ms_p50": statistics.median(latencies),
            "ms_p95": pct(latencies, 95), "engine_cpu_ms": cpu["engine"],
            "actions_cpu_ms": cpu["actions"]}


def response_or_action(stack: Stack, calls: int) -> None:
    print("\n1. one message as a response or as an action call (10 senders, execute API)")
    print("   arm                 calls/s   p50 ms   p95 ms   CPU ms per call: engine, actions")
    rows: dict[str, list[dict]] = collections.defaultdict(list)
    for _ in range(2):
        for action in ("utter_menu_intro", "action_show_menu"):
            row = asyncio.run(execute_calls(stack, action, 10, calls))
            rows[action].append(row)
            print(f"   {action:<18} {row['calls_per_s']:8.1f} {row['ms_p50']:8.0f} "
                  f"{row['ms_p95']:8.0f} {row['engine_cpu_ms']:10.1f} {row['actions_cpu_ms']:8.1f}",
                  flush=True)
    means = {a: statistics.mean(r["engine_cpu_ms"] for r in rs) for a, rs in rows.items()}
    print(f"   an action call costs the engine {means['action_show_menu'] - means['utter_menu_intro']:.1f} ms "
          f"of CPU more than a response ({means['utter_menu_intro']:.1f} vs "
          f"{means['action_show_menu']:.1f} ms per call)")


def long_conversation(stack: Stack, length: int) -> None:
    import requests

    url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}
    sender = uuid.uuid4().hex
    blocks: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    with requests.Session() as http:
        def send(text: str, label: str, choice: bool = False) -> None:
            cpu0, t = engine_cpu(stack), time.perf_counter()
            body = {"sender": sender, "message": text,
                    **({"metadata": {"choice": True}} if choice else {})}
            http.post(url, json=body, headers=headers, timeout=60).raise_for_status()
            blocks[label].append(((time.perf_counter() - t) * 1000,
                                  (engine_cpu(stack) - cpu0) * 1000))

        for i in range(length):
            label = ("first" if i < BLOCK else f"last (messages {length - BLOCK + 1}–{length})"
                     if i >= length - BLOCK else "middle")
            send(SCRIPT[i % len(SCRIPT)], label)
        send("/session_start", "session start", choice=True)
        for i in range(BLOCK):
            send(SCRIPT[i % len(SCRIPT)], "after a new session")
    print(f"\n2. one conversation of {length} messages, then a new session "
          "(engine CPU from /proc, 10 ms ticks)")
    print("   block                          p50 ms   mean ms   engine CPU ms per message")
    for label, values in blocks.items():
        if label in ("middle", "session start"):
            continue
        print(f"   {label:<30} {statistics.median(v[0] for v in values):7.0f} "
              f"{statistics.mean(v[0] for v in values):9.0f} "
              f"{statistics.mean(v[1] for v in values):10.1f}")


def profile(stack: Stack, py_spy: str, seconds: int, out: Path) -> None:
    """py-spy on the engine while 10 conversations run; top functions, inclusive and own."""
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "engine-profile.txt"  # py-spy raw (collapsed) stacks, for a flame graph
    spy = subprocess.Popen([py_spy, "record", "--pid", str(stack.procs["engine"].pid),
                            "--duration", str(seconds), "--rate", "200", "--format", "raw", "--nolineno",
                            "--output", str(raw), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asyncio.run(drive(url, lambda s, m: {"sender": s, "message": m}, 10, 8, headers))
    _, err = spy.communicate()
    if spy.returncode != 0 or not raw.exists():
        print(f"\n4. py-spy failed: {err.decode()[-300:]}")
        return
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        frames = [SHORT_PATH.sub("(", f) for f in stack_text.split(";")]
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"\n4. py-spy, engine under 10 conversations, {seconds} s, {total} samples; "
          "share of samples (the server's own frames, above 80%, left out):")
    print("   inclusive:")
    for frame, n in [(f, n) for f, n in inclusive.most_common() if n < 0.8 * total][:45]:
        print(f"   {100 * n / total:5.1f}%  {frame}")
    print("   own:")
    for frame, n in own.most_common(20):
        print(f"   {100 * n / total:5.1f}%  {frame}")


def start_to_ready(stack: Stack, preimport: bool) -> float:
    """Seconds from starting one more engine (beside the idle one) to its ``/status``; with
    ``preimport`` False, Rasa and TensorFlow are imported before ``bot.engine.serve`` imports
    skops (the order before 2026-12-02)."""
    port = free_port()
    args = ["--model", str(stack.model), "--port", str(port), "--endpoints", stack.endpoints,
            "--credentials", "credentials.yml"]
    cmd = ([str(ENGINE_PYTHON), "-m", "bot.engine.serve", *args] if preimport else
           [str(ENGINE_PYTHON), "-c", "import rasa.core.run, runpy, sys; sys.argv[1:] = "
            f"{args!r}; runpy.run_module('bot.engine.serve', run_name='__main__')"])
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**stack.env, **ENGINE_ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/status?token={stack.env['ENGINE_TOKEN']}"
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"engine exited with code {proc.returncode}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url, timeout=2):
                    return time.perf_counter() - started
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)


def startup(stack: Stack) -> None:
    print("\n3. engine start to ready: skops.io imported after Rasa (before 2026-12-02), and as"
          " shipped (skops.io first)")
    for _ in range(2):
        for preimport in (False, True):
            label = "as shipped" if preimport else "skops.io after"
            print(f"   {label:<16} {start_to_ready(stack, preimport):5.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20, help="execute calls per sender")
    parser.add_argument("--long", type=int, default=160, help="messages in the long conversation")
    parser.add_argument("--py-spy", help="path of a py-spy binary: profile the engine")
    parser.add_argument("--seconds", type=int, default=30, help="profile length")
    parser.add_argument("--only", choices=("response", "session", "startup", "profile"))
    args = parser.parse_args(argv)
    model = build_model(quiet=True)
    with tempfile.TemporaryDirectory() as tmp, shared_stores() as env:
        stack = Stack(model=model, var_dir=Path(tmp) / "var", app_port=free_port(),
                      engine_port=free_port(), action_port=free_port(),
                      log_dir=Path(tmp) / "logs", env=env)
        try:
            stack.start(web=False)
            asyncio.run(drive(f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook",
                              lambda s, m: {"sender": s, "message": m}, 4, 2,
                              {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}))
            if args.only in (None, "response"):
                response_or_action(stack, args.calls)
            if args.only in (None, "session"):
                long_conversation(stack, args.long)
            if args.only in (None, "startup"):
                startup(stack)
            if args.py_spy and args.only in (None, "profile"):
                profile(stack, args.py_spy, args.seconds, ROOT / "var" / "bench")
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
