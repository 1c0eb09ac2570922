"""NLU scored per service on the held-out set ``tests/engine/heldout/*.yml`` (never trained on).

Every service (skill id, or ``core`` for the shared intents) has its own held-out lines,
written apart from the training data in the registers citizens use. Scores and confusions
are printed in the test summary; the assertions are the quality the product promises:
at least 97% of each service's held-out lines understood, at least 95% of off-topic lines
kept away from the services, and no held-out line also in the training data.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.kernel import registry
from bot.tools.build import HELDOUT_DIR, ROOT, heldout_files, shared_lines
from tests.engine.conftest import REPORT

NOT_A_SERVICE = {"out_of_scope", "nlu_fallback", "english"}
# A line without a single Thai letter gets the English notice ("the service is in Thai",
# with the emergency numbers): that is the right answer for it.
ENGLISH = "english"
THAI_LETTER = re.compile("[\u0e01-\u0e4e]")
SERVICES = ["core"] + [m.id for m in registry.discover()]
ACCURACY = 0.97
OOS_RECALL = 0.95


def owner(intent: str) -> str:
    skill = registry.skill_for_intent(intent)
    return skill.id if skill else "core"


def right(expected: str, predicted: str, text: str) -> bool:
    return (predicted == expected
            or (expected == "out_of_scope" and predicted in NOT_A_SERVICE)
            or (predicted == ENGLISH and not THAI_LETTER.search(text)))


@pytest.fixture(scope="module")
def predictions(parse) -> list[tuple[str, str, str, float]]:
    """``(text, expected, predicted, confidence)`` for every held-out line."""
    lines = [(ex.get("text"), ex.get("intent")) for f in heldout_files()
             for ex in load_data(str(f)).intent_examples]
    return [(text, intent, *parse(text)) for text, intent in lines]


def test_no_held_out_line_is_a_training_line():
    """The model must never have seen a held-out line (normalised, case and spaces ignored)."""
    from rasa.shared.data import get_data_files, is_nlu_file

    training = [Path(f) for f in get_data_files([str(ROOT / "nlu_data")], is_nlu_file)]
    assert heldout_files(), f"no held-out files in {HELDOUT_DIR}"
    assert shared_lines(training, heldout_files()) == []


@pytest.mark.parametrize("service", SERVICES)
def test_held_out_accuracy_per_service(predictions, service):
    mine = [p for p in predictions if owner(p[1]) == service]
    if not mine:
        pytest.fail(f"no held-out lines for the service {service!r} yet: write them in "
                    f"tests/engine/heldout/{service}.yml (never copied from nlu_data/)")
    hits = [p for p in mine if right(p[1], p[2], p[0])]
    confusions = Counter((e, p) for t, e, p, _ in mine if not right(e, p, t))
    REPORT.append(f"{service:<10} {len(hits) / len(mine):6.1%} of {len(mine)} held-out lines")
    for (expected, predicted), n in confusions.most_common():
        REPORT.append(f"    {expected:<26} → {predicted:<26} ×{n}")
    for text, expected, predicted, confidence in mine:
        if not right(expected, predicted, text):
            REPORT.append(f"      {confidence:.2f}  {text}")
    per_intent = defaultdict(lambda: [0, 0])
    for text, expected, predicted, _ in mine:
        per_intent[expected][0] += right(expected, predicted, text)
        per_intent[expected][1] += 1
    assert len(mine) >= 20, f"{service}: too few held-out lines to mean anything"
    assert len(hits) / len(mine) >= ACCURACY, (
        f"{service}: {len(hits)}/{len(mine)} held-out lines understood; per intent "
        + ", ".join(f"{i} {r}/{n}" for i, (r, n) in sorted(per_intent.items())))


def test_out_of_scope_recall(predictions):
    oos = [(t, p) for t, e, p, _ in predictions if e == "out_of_scope"]
    kept_away = [t for t, p in oos if p in NOT_A_SERVICE]
    REPORT.append(f"out_of_scope kept away from the services: {len(kept_away)}/{len(oos)}")
    assert len(oos) >= 50
    missed = [(t, p) for t, p in oos if p not in NOT_A_SERVICE]
    assert len(kept_away) / len(oos) >= OOS_RECALL, missed


def test_emergency_held_out_examples_are_never_missed(predictions):
    cases = [(t, p) for t, e, p, _ in predictions if e == "emergency"]
    missed = [t for t, p in cases if p != "emergency"]
    assert len(cases) >= 10
    assert len(missed) <= len(cases) // 20, missed


def test_confidence_is_not_always_certain(predictions):
    """Calibrated: a wrong answer must not usually come with near-certain confidence."""
    wrong = [c for t, e, p, c in predictions if not right(e, p, t) and p not in NOT_A_SERVICE]
    assert sum(c >= 0.99 for c in wrong) <= max(2, len(wrong) // 4), sorted(wrong)


@pytest.mark.parametrize("text", [
    "ช่วยด้วย โดนปล้นอยู่ตอนนี้",
    "ไฟไหม้ห้องข้างๆ ควันเต็มทางเดิน",
    "มีคนหมดสติอยู่หน้าบ้าน ไม่หายใจ",
    "น้ำท่วมเข้าบ้านแล้ว ออกจากบ้านไม่ได้",
    "ช่วยทีค่ะ ได้โปรด",  # a bare plea, which small talk ("ค่ะ") must not outweigh
    "ไฟช็อตในห้องนอนลูก",
])
def test_danger_now_is_an_emergency(parse, text):
    assert parse(text)[0] == "emergency"


@pytest.mark.parametrize("text", [
    "แนะนำร้านก๋วยเตี๋ยวอร่อยๆ แถวสีลมหน่อย",
    "ใครชนะฟุตบอลเมื่อคืน",
    "ช่วยแต่งกลอนวันแม่ให้หน่อย",
    "ราคาทองวันนี้เท่าไหร่",
])
def test_off_topic_is_not_taken_for_a_service(parse, text):
    assert parse(text)[0] in NOT_A_SERVICE
