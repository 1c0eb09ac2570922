"""Vest ID codes: every single-digit typo and every adjacent swap is detected, never matched."""

from __future__ import annotations

import itertools
import random

import pytest

from skills.motortaxi import codes

DIGITS = "0123456789"


def test_damm_table_is_a_totally_anti_symmetric_quasigroup_exhaustively():
    """The two properties that prove detection for codes of ANY length, checked on all cases.

    * every row and every column is a permutation: two states that differ stay different
      after any further digit, and two different digits from one state give different states
      (so a single substitution anywhere leaves a non-zero final state);
    * for every state s and digits a != b: T[T[s][a]][b] != T[T[s][b]][a] (so swapping two
      neighbours, the check digit included, changes the state, which then stays different).
    """
    table = codes.DAMM
    for row in table:
        assert sorted(row) == list(range(10))
    for col in range(10):
        assert sorted(table[r][col] for r in range(10)) == list(range(10))
    assert all(table[i][i] == 0 for i in range(10))
    for s, a, b in itertools.product(range(10), repeat=3):
        if a != b:
            assert table[table[s][a]][b] != table[table[s][b]][a], (s, a, b)


def _substitutions(code: str):
    for i, ch in enumerate(code):
        for d in DIGITS:
            if d != ch:
                yield code[:i] + d + code[i + 1:]


def _transpositions(code: str):
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            yield code[:i] + code[i + 1] + code[i] + code[i + 2:]


def test_every_typo_of_every_code_in_a_block_is_detected_exhaustively():
    """Brute force over 10,000 consecutive payloads: 720,000 typos, all caught."""
    checked = 0
    for n in range(1_000_000, 1_010_000):
        code = codes.with_check(str(n))
        assert codes.damm(code) == 0
        for typo in itertools.chain(_substitutions(code), _transpositions(code)):
            assert codes.damm(typo) != 0, (code, typo)
            checked += 1
    assert checked > 700_000


def test_a_typo_is_reported_as_a_typo_not_matched():
    rng = random.Random(7)
    for _ in range(200):
        code = codes.new_code(rng)
        for typo in itertools.chain(_substitutions(code), _transpositions(code)):
            if typo[0] == "0":
                continue  # never a valid code either: a format error
            with pytest.raises(codes.CodeError) as err:
                codes.parse(typo)
            assert err.value.reason == "check"


@pytest.mark.parametrize("typed", ["4821-0934", "4821 0934", "48210934", " ๔๘๒๑-๐๙๓๔ ",
                                   "4821–0934", "4821.0934", "48 21 09 34"])
def test_lookup_tolerates_spaces_dashes_and_thai_digits(typed):
    code = codes.with_check("4821093")
    assert code == "48210934"  # the example used in replies is itself valid
    assert codes.parse(typed) == code


@pytest.mark.parametrize("typed", ["", "1234", "4821-09347", "A821-0937", "0821-0937"])
def test_malformed_codes_are_format_errors(typed):
    with pytest.raises(codes.CodeError) as err:
        codes.parse(typed)
    assert err.value.reason == "format"


def test_codes_are_found_inside_sentences_and_written_for_reading_aloud():
    assert codes.find_in_text("เช็ครหัส ๔๘๒๑-๐๙๓๔ ให้หน่อย") == "48210934"
    assert codes.find_in_text("วิน 4821 0934 คิดแพง") == "48210934"
    assert codes.find_in_text("ไป 3 กิโล 50 บาท") is None
    assert codes.format_code("48210934") == "4821-0934"
    assert codes.spoken("48210934") == "4 8 2 1, 0 9 3 4"


def test_new_codes_never_start_with_zero():
    rng = random.Random(1)
    assert all(codes.new_code(rng)[0] != "0" for _ in range(2000))
