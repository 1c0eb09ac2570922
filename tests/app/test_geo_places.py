"""Typed places as citizens write them, through the shared resolver ``bot.kernel.geo.resolve_place``:
every kind of place, typos, abbreviations, romanised names, ambiguity, and everyday words
that must never become places."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bot.kernel import gazetteer
from bot.kernel.geo import admin_at, resolve_place
from bot.kernel.geo import places as geo_places
from bot.kernel.geo.places import COMMON_WORDS_FILE, LANDMARKS_FILE

ROOT = Path(__file__).resolve().parents[2]


def one(text: str, **kw):
    found = resolve_place(text, **kw)
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize("text, name, kind", [
    ("จังหวัดน่าน", "น่าน", "province"),
    ("อยู่เขตบางกะปิ", "บางกะปิ", "khet"),
    ("บ้านอยู่อำเภอแม่ริม", "แม่ริม", "district"),
    ("แขวงคลองจั่นค่ะ", "คลองจั่น", "khwaeng"),
    ("เกิดเหตุที่ตลาดนัดจตุจักร", "ตลาดนัดจตุจักร", "landmark"),
    ("หน้าเซ็นทรัลลาดพร้าว", "เซ็นทรัลลาดพร้าว", "landmark"),
    ("ซอยอารีย์", "ซอยอารีย์", "landmark"),
    ("ซ.ทองหล่อ", "ซอยทองหล่อ", "landmark"),
    ("ลงบีทีเอสอโศก", "สถานีรถไฟฟ้าอโศก", "landmark"),
    ("MRT สามย่าน", "สถานีรถไฟฟ้าใต้ดินสามย่าน", "landmark"),
    ("เรียนอยู่ม.เกษตร", "มหาวิทยาลัยเกษตรศาสตร์", "landmark"),
    ("นอนอยู่ รพ.ศิริราช", "โรงพยาบาลศิริราช", "landmark"),
    ("ถ.นิมมานเหมินท์", "ถนนนิมมานเหมินท์", "landmark"),
    ("ตลาดวโรรส", "ตลาดวโรรส", "landmark"),
    ("สน.ทองหล่อ", "สน.ทองหล่อ", "station"),
    ("โรงพักบางรัก", "สน.บางรัก", "station"),   # the police skill's word says which kind
])
def test_each_kind_of_place_resolves(text, name, kind):
    place = one(text)
    assert (place.name_th, place.kind) == (name, kind)


@pytest.mark.parametrize("text, name", [
    ("ลาดพราว", "ลาดพร้าว"),            # tone mark left out
    ("แถวลาดพร้าย", "ลาดพร้าว"),         # one wrong letter
    ("จตุจัก", "จตุจักร"),               # silent ending left out
    ("ตลาดนัดจตุจัก", "ตลาดนัดจตุจักร"),
    ("ศิริราด", "ศิริราช"),
    ("อำเภอแม่ริน", "แม่ริม"),
    ("มหาลัยเชียงใหม่", "มหาวิทยาลัยเชียงใหม่"),  # everyday short form of มหาวิทยาลัย
    ("มาบุญครอง", "เอ็มบีเคเซ็นเตอร์"),            # the old name people still use
    ("โคราช", "นครราชสีมา"),
])
def test_typos_and_everyday_names(text, name):
    assert one(text).name_th == name


@pytest.mark.parametrize("text, name", [
    ("Lat Phrao", "ลาดพร้าว"), ("near latphrao", "ลาดพร้าว"), ("Siam", "สถานีรถไฟฟ้าสยาม"),
    ("at Chatuchak Market", "ตลาดนัดจตุจักร"), ("Chiang Mai", "เชียงใหม่"),
    ("Siam Paragon", "สยามพารากอน"),
])
def test_romanised_names(text, name):
    assert one(text).name_th == name


@pytest.mark.parametrize("text", [
    "เลย", "ไปเลยค่ะ", "ดีมากเลย", "ตากผ้าอยู่", "แพร่ข่าว", "ลองดูก่อน", "สองคน", "ดี", "ใจ",
    "บาง", "ครับ", "ค่ะ", "ขอบคุณครับ", "สวัสดีค่ะ", "ขอเบอร์ด้วย", "เบอร์โรงพักนี้", "อันแรก",
    "แจ้งความที่ไหน", "ช่วยด้วย", "ขายดีเลย", "ท่าเรือ", "ชื่นชมมาก", "สังคมทุกวันนี้",
    "ป้ายกว้าง 3 ม. ยาว 2 ม.", "hello", "bang", "ไม่ปลอดภัยใจเลย", "ราตรีสวัสดิ์",
    "ป้ายร้านใหญ่มาก", "รอนานมาก", "ตากผ้าไว้",
])
def test_everyday_words_and_particles_are_never_places(text):
    assert resolve_place(text) == []


def test_everyday_word_names_count_with_a_cue_or_as_an_answer():
    assert one("จังหวัดเลย").name_th == "เลย"
    assert one("อยู่ตาก").name_th == "ตาก"
    assert one("อำเภอลอง").name_th == "ลอง"
    assert resolve_place("ตาก") == []
    assert one("ตาก", answer=True).name_th == "ตาก"  # the reply to "which place?"
    assert resolve_place("ไปเลย", answer=True) == []


def test_a_particle_does_not_move_a_bangkok_shop_out_of_bangkok():
    place = one("ร้านอยู่สีลม ขายดีเลย")
    assert place.name_th == "สีลม" and place.province_th == "กรุงเทพมหานคร"


def test_ambiguous_names_are_candidates():
    found = resolve_place("อยู่อำเภอเฉลิมพระเกียรติ")
    assert len(found) >= 3 and len({p.province_th for p in found}) == len(found)
    assert one("เฉลิมพระเกียรติ น่าน").province_th == "น่าน"
    road = resolve_place("ถนนสุขุมวิท")
    assert len(road) >= 2 and {p.category for p in road} == {"road"}
    assert len({p.district_th for p in road}) == len(road)


def test_common_word_list_names_real_places():
    names = {n for p in gazetteer.load_places() for n in (p.name_th, *p.aliases)}
    with open(COMMON_WORDS_FILE, encoding="utf-8") as fh:
        cue = [r["word"] for r in csv.DictReader(fh) if r["role"] == "cue"]
    assert cue and all(w in names for w in cue), [w for w in cue if w not in names]


def test_every_landmark_has_a_kind_a_source_a_date_and_lies_in_its_district():
    with open(LANDMARKS_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 80
    kinds = {r["category"] for r in rows}
    assert {"market", "mall", "rail", "university", "hospital", "road"} <= kinds
    for r in rows:
        assert r["source"] and r["checked"].startswith("2026-"), r["name_th"]
        area = admin_at(float(r["lat"]), float(r["lon"]))
        assert area is not None and area.province_th == r["province_th"], r["name_th"]
        assert area.district_th == r["district_th"], r["name_th"]


# --- places a skill contributes (bot.kernel.gazetteer's hook) ---------------------------------


def test_police_places_and_words_come_from_the_police_skill_not_the_kernel():
    assert [sid for sid, _ in gazetteer.skill_files(gazetteer.PLACES_FILE)].count("police") == 1
    stations = [p for p in gazetteer.load_places() if p.kind == "station"]
    assert len(stations) == 88 and {p.skill for p in stations} == {"police"}
    with open(gazetteer.DEFAULT_PATH, encoding="utf-8") as fh:
        assert {r["kind"] for r in csv.DictReader(fh)} == {"province", "district", "subdistrict"}
    police_words = {w.word for w in gazetteer.place_words() if w.skill == "police"}
    assert {"สน.", "สภ.", "โรงพัก"} <= police_words
    with open(COMMON_WORDS_FILE, encoding="utf-8") as fh:
        kernel_words = {r["word"] for r in csv.DictReader(fh)}
    kernel_words |= set(geo_places._PREFIXES) | set(geo_places._CUES)
    kernel_words |= {w for w, _ in geo_places._KIND_HINTS}
    assert not police_words & kernel_words


def _skill_with_places(tmp_path: Path, places: str, words: str) -> Path:
    """A skills folder holding one installed skill (the police manifest) with these files."""
    skill = tmp_path / "skills" / "police"
    (skill / "data").mkdir(parents=True)
    shutil.copy(ROOT / "skills" / "police" / "manifest.json", skill / "manifest.json")
    (skill / "data" / "places.csv").write_text(places, encoding="utf-8")
    (skill / "data" / "place_words.csv").write_text(words, encoding="utf-8")
    return skill.parent


def test_a_skill_s_places_reach_the_gazetteer_and_the_tokenizer_dictionary(tmp_path):
    skills = _skill_with_places(
        tmp_path,
        "name_th,kind,code,parent_th,province_th,lat,lon,aliases,source\n"
        "ป.ทดลองไพร,ranger,R-1,เมืองน่าน,น่าน,18.78,100.77,ทดลองไพร|ด่านทดลอง,test\n",
        "word,kind,roles,note\nป.,ranger,prefix kind_hint,test\n")
    [added] = [p for p in gazetteer.load_places(skills_dir=skills) if p.skill]
    assert (added.name_th, added.kind, added.skill, added.lat) == ("ป.ทดลองไพร", "ranger", "police", 18.78)
    assert added.aliases == ("ทดลองไพร", "ด่านทดลอง")
    words = gazetteer.dictionary_words(skills_dir=skills)
    # the bare names stay whole; the abbreviated one is cut at its dot by the tokenizer anyway
    assert {"ทดลองไพร", "ด่านทดลอง"} <= words and "ป.ทดลองไพร" not in words
    assert "ลุมพินี" in words  # the general gazetteer is still there
    [word] = gazetteer.place_words(skills_dir=skills)
    assert (word.word, word.kind, word.roles) == ("ป.", "ranger", frozenset({"prefix", "kind_hint"}))


def test_a_skill_s_place_file_with_a_wrong_column_or_role_is_refused_with_its_path(tmp_path):
    skills = _skill_with_places(tmp_path, "name_th,kind\nก,x\n", "word,kind,roles,note\nป.,x,guess,\n")
    with pytest.raises(ValueError, match="places.csv: missing columns"):
        gazetteer.load_places(skills_dir=skills)
    with pytest.raises(ValueError, match="place_words.csv: 'ป.': roles"):
        gazetteer.place_words(skills_dir=skills)

