"""Build the engine's model: merged domain, held-out check, training (cached by hash).

Runs in the engine runtime (Python 3.10, Rasa 3.6)::

    python -m bot.tools.build [--config config.yml] [--force]

The model is named after a hash of everything that shapes it (config, domain, training
data, the Thai NLU code and gazetteer, engine requirements), so an unchanged project never
trains twice and a changed one never uses a stale model. The model trains on everything
under ``nlu_data/``; the held-out set is ``tests/engine/heldout/*.yml``, written separately
and never trained on. The build fails when a held-out line equals a training line after
normalisation (``bot.kernel.text.normalize``, lower case, spaces collapsed). The held-out set is
not a model input: editing it re-checks it but never retrains.
Writes ``var/build/<config>.json`` describing the result for the run and test commands.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELDOUT_DIR = ROOT / "tests" / "engine" / "heldout"
# Everything whose change must produce a new model. The held-out directory is deliberately
# absent: the model does not depend on it, so editing it must not retrain.
INPUTS = ("domain.yml", "nlu_data", "bot/engine/nlu", "bot/kernel/text.py", "bot/kernel/gazetteer.py",
          "bot/kernel/emergency.py", "bot/kernel/hotlines.py", "bot/kernel/data/emergency.yml", "bot/kernel/data/hotlines.yml",
          "geodata/gazetteer.csv",
          # every skill's place names, which the tokenizer keeps whole (bot.kernel.gazetteer)
          *sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("skills/*/data/places.csv")),
          "requirements/engine.txt", "bot/tools/build.py")


def _files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
        elif p.is_file():
            out.append(p)
    return out


def fingerprint(config: Path) -> str:
    """Hash of the config, every input that shapes the model, and the values the installed
    skills give the domain (``build_values``: a new skill changes the help text)."""
    h = hashlib.sha256()
    for f in _files([config] + [ROOT / p for p in INPUTS]):
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode())
        h.update(f.read_bytes())
    h.update(json.dumps(build_values(), sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def domain_files() -> list[Path]:
    """The core domain and every skill's fragment (``nlu_data/<skill>/domain.yml``)."""
    return [ROOT / "domain.yml"] + sorted((ROOT / "nlu_data").glob("*/domain.yml"))


def emergency_call_responses() -> dict:
    """``utter_emergency_call``: "โทร <number> ทันที: <name>", one variant per number that
    can come first (chosen by the slot ``emergency_hotline``), from the data files."""
    from bot.kernel import emergency

    variants = [{"text": emergency.call_text(n),
                 "condition": [{"type": "slot", "name": "emergency_hotline", "value": n}]}
                for n in emergency.first_calls()]
    # No slot yet (cannot happen after EmergencyOverride, but a response needs a default).
    variants.append({"text": emergency.call_text(emergency.plea().calls[0].hotline)})
    return {"responses": {"utter_emergency_call": variants}}


def build_values() -> dict[str, str]:
    """Values a domain response may name as ``{name}`` that only the installed skills know:
    ``service_count``, the number of services ("6" today). A response cannot compute, so the
    build writes them in; a new skill changes them without an edit outside its folders."""
    from bot.kernel.registry import discover

    return {"service_count": str(len(discover()))}


def fill_build_values(responses: dict) -> dict:
    """``responses`` with every ``{name}`` of ``build_values`` written in; other placeholders
    (slots such as ``{case_number}``) stay for the engine to fill: with six skills,
    "{service_count} บริการ เลขที่ {case_number}" becomes "6 บริการ เลขที่ {case_number}".
    """
    values = build_values()

    def fill(text: str) -> str:
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    return {name: [{**v, "text": fill(v["text"])} if isinstance(v.get("text"), str) else v
                   for v in variants]
            for name, variants in responses.items()}


def generated_responses() -> list[str]:
    """Names of the responses the build adds to the domain (no domain file defines them)."""
    return list(emergency_call_responses()["responses"])


def line_key(text: str) -> str:
    """The form two example lines are compared in: normalised, lower case, spaces collapsed."""
    from bot.kernel.text import normalize

    return " ".join(normalize(text).lower().split())


def heldout_files(heldout_dir: Path = HELDOUT_DIR) -> list[Path]:
    """Every held-out file (``<skill>.yml``, ``core*.yml``…), sorted."""
    return sorted(heldout_dir.glob("*.yml"))


def shared_lines(train_files: list[Path], heldout: list[Path]) -> list[str]:
    """Held-out lines that also occur in training (after ``line_key``), as readable reports."""
    from rasa.shared.nlu.training_data.loading import load_data

    seen: dict[str, str] = {}
    for f in train_files:
        for ex in load_data(str(f)).intent_examples:
            seen.setdefault(line_key(ex.get("text")), f"{Path(f).relative_to(ROOT)}")
    clashes = []
    for f in heldout:
        for ex in load_data(str(f)).intent_examples:
            where = seen.get(line_key(ex.get("text")))
            if where:
                clashes.append(f"{Path(f).relative_to(ROOT)}: {ex.get('text')!r} "
                               f"({ex.get('intent')}) is also in {where}")
    return clashes


def prepare(config: Path, build_dir: Path) -> dict:
    """Write the merged domain and training data, check the held-out set; return paths."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    build_dir.mkdir(parents=True, exist_ok=True)
    merged = Domain.load([str(p) for p in domain_files()]).merge(
        Domain.from_dict(emergency_call_responses())).as_dict()
    merged["responses"] = fill_build_values(merged["responses"])
    domain = Domain.from_dict(merged)
    domain_path = build_dir / "domain.yml"
    domain.persist(str(domain_path))

    data_dir = str(ROOT / "nlu_data")
    nlu_files = sorted(get_data_files([data_dir], is_nlu_file))
    story_files = sorted(get_data_files([data_dir], YAMLStoryReader.is_stories_file))
    train = TrainingData().merge(*[load_data(f) for f in nlu_files])
    held = heldout_files()
    clashes = shared_lines([Path(f) for f in nlu_files], held)
    if clashes:
        raise SystemExit("held-out lines also in the training data (a held-out line must be "
                         "new, never trained on; change or remove it):\n  "
                         + "\n  ".join(clashes))
    heldout = TrainingData().merge(*[load_data(str(f)) for f in held])
    train_path, heldout_path = build_dir / "nlu_train.yml", build_dir / "nlu_heldout.yml"
    train_path.write_text(train.nlu_as_yaml(), encoding="utf-8")
    # A merged copy for `--show nlu_heldout`; rewritten on every build, model or not.
    heldout_path.write_text(heldout.nlu_as_yaml(), encoding="utf-8")
    return {
        "domain": str(domain_path),
        "nlu_train": str(train_path),
        "nlu_heldout": str(heldout_path),
        "heldout_files": [str(f) for f in held],
        "stories": story_files,
        "training_files": [str(train_path)] + story_files,
        "examples": {"train": len(train.nlu_examples), "heldout": len(heldout.nlu_examples)},
    }


def build(config: Path, force: bool = False, models_dir: Path | None = None) -> dict:
    """Prepare and, when needed, train; return the build description."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    models_dir = models_dir or ROOT / "models"
    digest = fingerprint(config)
    name = f"{config.stem}-{digest}"
    build_dir = ROOT / "var" / "build" / name
    info = prepare(config, build_dir)
    model = models_dir / f"{name}.tar.gz"
    info.update(config=str(config), model=str(model), trained=False, train_seconds=None)
    timing = model.with_suffix("").with_suffix(".json")
    if force or not model.exists():
        from rasa.api import train
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)

        started = time.perf_counter()
        result = train(domain=info["domain"], config=str(config),
                       training_files=info["training_files"], output=str(models_dir),
                       fixed_model_name=name, force_training=True)
        if result.code != 0 or not model.exists():
            raise SystemExit(f"training failed (code {result.code})")
        info.update(trained=True, train_seconds=round(time.perf_counter() - started, 1))
        timing.write_text(json.dumps({"train_seconds": info["train_seconds"]}), encoding="utf-8")
    elif timing.exists():
        info["last_train_seconds"] = json.loads(timing.read_text())["train_seconds"]
    (ROOT / "var" / "build" / f"{config.stem}.json").write_text(
        json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the engine model (cached by hash).")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--force", action="store_true", help="train even if the model exists")
    parser.add_argument("--show", metavar="FIELD",
                        help="print one field of the last build (model, domain, nlu_heldout…)")
    args = parser.parse_args(argv)
    if args.show:
        info_path = ROOT / "var" / "build" / f"{args.config.stem}.json"
        print(json.loads(info_path.read_text(encoding="utf-8"))[args.show])
        return 0
    info = build(args.config.resolve(), force=args.force)
    state = f"trained in {info['train_seconds']} s" if info["trained"] else "up to date"
    print(f"model {info['model']} ({state}; {info['examples']['train']} training and "
          f"{info['examples']['heldout']} held-out NLU examples)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
