"""Compare NLU pipelines: held-out accuracy, calibration, load time, parse latency, throughput.

Runs in the engine runtime (``make bench``)::

    .venv-engine/bin/python bench/nlu_pipelines.py [--retrain] [--messages 10] [--quality-only]

For each configuration (the project's ``config.yml`` and Rasa's stock DIET + TED in
``bench/configs/diet_ted.yml``) it builds the model on all of ``nlu_data/``, scores the
held-out set ``tests/engine/heldout/*.yml`` (never trained on), times ``Agent.load`` in a
fresh process, times parses in process, then starts the real engine and action server and
drives 10 and 50 concurrent conversations through the token-protected REST webhook on
loopback. For the product's configuration it also prints, on the held-out set, the
confusion matrix per service, the expected calibration error (10 equal-width bins of the
classifier's top confidence, before the fallback) and a sweep of the fallback threshold.
Figures are printed and written to ``var/bench/nlu_pipelines.json``; nothing is asserted.
``--quality-only`` prints only the held-out figures of ``config.yml`` (no servers, no DIET).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.tools.build import build, heldout_files  # noqa: E402
from bot.tools.stack import ENGINE_ENV, ENGINE_PYTHON, Stack, free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from scale import drive, pct  # noqa: E402  (SCRIPT: the conversations both benches send)

CONFIGS = [ROOT / "config.yml", ROOT / "bench" / "configs" / "diet_ted.yml"]
CONCURRENCY = (10, 50)
NOT_A_SERVICE = {"out_of_scope", "nlu_fallback", "english"}
FALLBACK = "nlu_fallback"
ENGLISH = "english"  # a message with no Thai gets the English notice (bot.engine.nlu.emergency)
THAI_LETTER = re.compile("[\u0e01-\u0e4e]")
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 19)]


def load_seconds(model: str) -> float:
    """Time ``Agent.load`` in a fresh interpreter (imports excluded, as a server pays them once)."""
    code = (f"import time,sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from rasa.core.agent import Agent\n"
            f"t = time.perf_counter(); Agent.load({model!r}); print(time.perf_counter() - t)")
    out = subprocess.run([str(ENGINE_PYTHON), "-c", code], cwd=ROOT, env={**ENGINE_ENV,
                         "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def heldout_examples() -> list[tuple[str, str]]:
    """``(text, intent)`` of every held-out line (``tests/engine/heldout/*.yml``)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(ex.get("text"), ex.get("intent")) for f in heldout_files()
            for ex in load_data(str(f)).intent_examples]


def service(intent: str) -> str:
    """The skill that owns an intent, or ``core``."""
    from bot.kernel import registry

    skill = registry.skill_for_intent(intent)
    return skill.id if skill else "core"


def classify(result: dict) -> tuple[str, float, str]:
    """``(top intent before the fallback, its confidence, final intent)`` of a parse."""
    final = result["intent"]["name"]
    ranking = [r for r in result.get("intent_ranking", []) if r["name"] != FALLBACK]
    top = ranking[0] if ranking else result["intent"]
    return top["name"], float(top["confidence"]), final


def is_right(expected: str, predicted: str, text: str) -> bool:
    """Right answer: the intent itself; for off-topic any "not a service" outcome; for a
    line with no Thai letter, the English notice (the service answers in Thai only)."""
    return (predicted == expected
            or (expected == "out_of_scope" and predicted in NOT_A_SERVICE)
            or (predicted == ENGLISH and not THAI_LETTER.search(text)))


def ece(rows: list[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error: bin-weighted |accuracy - mean confidence|, equal widths."""
    total, err = len(rows), 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in rows if lo < c <= hi or (b == 0 and c == 0)]
        if inside:
            acc = sum(ok for _, ok in inside) / len(inside)
            conf = sum(c for c, _ in inside) / len(inside)
            err += len(inside) / total * abs(acc - conf)
    return err


def sweep(preds: list[dict]) -> list[dict]:
    """Held-out figures for each candidate fallback threshold (the classifier's top intent
    below the threshold becomes the fallback; the emergency override is never lowered)."""
    out = []
    for t in THRESHOLDS:
        right = oos_right = oos = inscope_fallback = inscope = 0
        for p in preds:
            kept = p["conf"] >= t or p["top"] in ("emergency", ENGLISH)  # rule-set intents
            pred = p["top"] if kept else FALLBACK
            right += is_right(p["expected"], pred, p["text"])
            if p["expected"] == "out_of_scope":
                oos += 1
                oos_right += pred in NOT_A_SERVICE
            else:
                inscope += 1
                inscope_fallback += pred == FALLBACK
        out.append({"threshold": t, "accuracy": right / len(preds),
                    "oos_recall": oos_right / max(oos, 1),
                    "inscope_to_fallback": inscope_fallback / max(inscope, 1)})
    return out


def confusion(preds: list[dict]) -> dict[str, dict[str, dict[str, int]]]:
    """Per service: expected intent → predicted intent → count."""
    out: dict = {}
    for p in preds:
        row = out.setdefault(service(p["expected"]), {}).setdefault(p["expected"], {})
        row[p["final"]] = row.get(p["final"], 0) + 1
    return out


def nlu_scores(model: str) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    examples = heldout_examples()
    preds, latencies = [], []
    for n in range(3):  # three passes for stable latency figures; scores from the first
        for text, expected in examples:
            t = time.perf_counter()
            result = loop.run_until_complete(agent.parse_message(text))
            latencies.append((time.perf_counter() - t) * 1000)
            if n == 0:
                top, conf, final = classify(result)
                preds.append({"text": text, "expected": expected, "top": top, "conf": conf,
                              "final": final})
    loop.close()
    per_service: dict[str, list[int]] = {}
    for p in preds:
        score = per_service.setdefault(service(p["expected"]), [0, 0])
        score[0] += is_right(p["expected"], p["final"], p["text"])
        score[1] += 1
    oos = [p for p in preds if p["expected"] == "out_of_scope"]
    return {"heldout_examples": len(preds),
            "heldout_accuracy": sum(is_right(p["expected"], p["final"], p["text"]) for p in preds)
            / len(preds),
            "per_service": {k: v[0] / v[1] for k, v in sorted(per_service.items())},
            "per_service_n": {k: v[1] for k, v in sorted(per_service.items())},
            "oos_recall": sum(p["final"] in NOT_A_SERVICE for p in oos) / max(len(oos), 1),
            "ece": ece([(p["conf"], is_right(p["expected"], p["top"], p["text"])) for p in preds]),
            "mean_confidence": statistics.mean(p["conf"] for p in preds),
            "sweep": sweep(preds), "confusion": confusion(preds),
            "misses": [p for p in preds if not is_right(p["expected"], p["final"], p["text"])],
            "parse_ms_p50": statistics.median(latencies), "parse_ms_p95": pct(latencies, 95)}


def print_quality(row: dict) -> None:
    """Held-out figures of one configuration: per service, confusions, ECE, threshold sweep."""
    print(f"\nheld-out ({row['heldout_examples']} lines), {row['config']}:")
    for svc, acc in row["per_service"].items():
        print(f"  {svc:<10} {acc:6.1%}  of {row['per_service_n'][svc]}")
    print(f"  out-of-scope recall {row['oos_recall']:.1%}")
    print(f"  expected calibration error (10 bins) {row['ece']:.3f}; "
          f"mean top confidence {row['mean_confidence']:.3f}")
    print("confusion matrix per service (expected → predicted: count; diagonal first):")
    for svc, rows in row["confusion"].items():
        print(f"  [{svc}]")
        for expected, cols in sorted(rows.items()):
            cells = sorted(cols.items(), key=lambda kv: (kv[0] != expected, -kv[1]))
            print(f"    {expected:<26} " + "  ".join(f"{k}:{v}" for k, v in cells))
    print("fallback threshold sweep (held-out):")
    print("  threshold  accuracy  oos recall  in-scope → fallback")
    for s in row["sweep"]:
        print(f"  {s['threshold']:>9.2f}  {s['accuracy']:>8.1%}  {s['oos_recall']:>10.1%}"
              f"  {s['inscope_to_fallback']:>19.1%}")
    print("misclassified:")
    for p in row["misses"] or []:
        print(f"  {p['expected']:<24} → {p['final']:<24} {p['conf']:.2f}  {p['text']}")


def measure(config: Path, retrain: bool, messages: int, tmp: Path) -> dict:
    info = build(config, force=retrain)
    row = {"config": config.name,
           "train_s": info["train_seconds"] or info.get("last_train_seconds")}
    row["agent_load_s"] = load_seconds(info["model"])
    row.update(nlu_scores(info["model"]))
    stack = Stack(model=Path(info["model"]), var_dir=tmp / config.stem, app_port=free_port(),
                  engine_port=free_port(), action_port=free_port(), log_dir=tmp / "logs")
    t = time.perf_counter()
    stack.start(web=False)
    row["server_ready_s"] = time.perf_counter() - t
    url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}

    def body(sender: str, text: str) -> dict:
        return {"sender": sender, "message": text}

    try:
        asyncio.run(drive(url, body, 2, 4, headers))  # warm up
        for c in CONCURRENCY:
            row[f"rest_{c}"] = asyncio.run(drive(url, body, c, messages, headers))
    finally:
        stack.stop()
    return row


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train even if cached")
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument("--quality-only", action="store_true",
                        help="only the held-out figures of config.yml (no servers, no DIET)")
    parser.add_argument("--model", help="with --quality-only: score this model file instead")
    args = parser.parse_args()
    if args.quality_only:
        model = args.model or build(CONFIGS[0], force=args.retrain)["model"]
        row = {"config": CONFIGS[0].name, **nlu_scores(model)}
        print_quality(row)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in CONFIGS:
            print(f"measuring {config.name}…", flush=True)
            rows.append(measure(config, args.retrain, args.messages, Path(tmp)))
    out = ROOT / "var" / "bench" / "nlu_pipelines.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    print_quality(rows[0])

    print("\n| figure | " + " | ".join(r["config"] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    lines = [("held-out intent accuracy", lambda r: f"{r['heldout_accuracy']:.1%} of {r['heldout_examples']}"),
             ("out-of-scope recall", lambda r: f"{r['oos_recall']:.1%}"),
             ("expected calibration error", lambda r: f"{r['ece']:.3f}"),
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
