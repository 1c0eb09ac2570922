"""NLU scored on the held-out split of nlu_data (never trained on), per skill.

The split is made by ``bot.build`` (stratified per intent, fixed seed). Scores are printed
in the test summary; the assertions are the quality the product promises its users.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot import registry
from tests.engine.conftest import REPORT

NOT_A_SERVICE = {"out_of_scope", "nlu_fallback"}


def owner(intent: str) -> str:
    skill = registry.skill_for_intent(intent)
    return skill.id if skill else "core"


@pytest.fixture(scope="module")
def predictions(parse, build_info):
    data = load_data(build_info["nlu_heldout"])
    return [(ex.get("text"), ex.get("intent"), *parse(ex.get("text")))
            for ex in data.intent_examples]


def test_intent_accuracy_per_skill(predictions):
    scores = defaultdict(lambda: [0, 0])
    misses = []
    for text, expected, predicted, confidence in predictions:
        scores[owner(expected)][1] += 1
        if predicted == expected:
            scores[owner(expected)][0] += 1
        else:
            misses.append(f"  {expected:<24} → {predicted:<24} {confidence:.2f}  {text}")
    total_right = sum(r for r, _ in scores.values())
    total = sum(n for _, n in scores.values())
    REPORT.append(f"{'skill':<12} {'accuracy':>8}  examples")
    for skill, (right, n) in sorted(scores.items()):
        REPORT.append(f"{skill:<12} {right / n:>8.1%}  {n}")
    REPORT.append(f"{'all':<12} {total_right / total:>8.1%}  {total}")
    REPORT.append("misclassified:")
    REPORT.extend(misses or ["  none"])
    assert total >= 100, "the held-out split is too small to mean anything"
    assert total_right / total >= 0.85
    assert all(right / n >= 0.7 for right, n in scores.values()), dict(scores)


def test_out_of_scope_held_out_examples_are_recognised(predictions):
    oos = [(t, p) for t, e, p, _ in predictions if e == "out_of_scope"]
    recognised = [t for t, p in oos if p in NOT_A_SERVICE]
    REPORT.append(f"out_of_scope recognised: {len(recognised)}/{len(oos)}")
    assert len(oos) >= 10
    # Off-topic is an open class learned from ~200 examples: at least 4 in 5 unseen ones must
    # get the polite out-of-scope answer (or the fallback), not a service.
    assert len(recognised) / len(oos) >= 0.8


def test_emergency_held_out_examples_are_never_missed(predictions):
    cases = [(t, p) for t, e, p, _ in predictions if e == "emergency"]
    missed = [t for t, p in cases if p != "emergency"]
    assert len(cases) >= 10
    assert len(missed) <= len(cases) // 20, missed


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
