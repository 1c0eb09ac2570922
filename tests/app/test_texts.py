"""Thai texts: one loader (``bot.kernel.texts``) and a check that every key used exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kernel.texts import MissingText, Texts
from bot.tools.checks import text_key_problems

YAML = 'hello: "สวัสดี {name}"\npage:\n  title: "หน้าแรก"\nkinds:\n  road: "ถนน"\n'


def test_a_text_is_filled_and_a_missing_key_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "texts_th.yml"
    path.write_text(YAML, encoding="utf-8")
    t = Texts.load(path)
    assert t("hello", name="สมชาย") == "สวัสดี สมชาย"
    assert t("page.title") == t.section("page")("title") == t.section("page")["title"]
    assert t.value("kinds") == {"road": "ถนน"} and "kinds.road" in t and "kinds.sea" not in t
    with pytest.raises(MissingText) as missing:
        t("helo")
    assert "helo" in str(missing.value) and "texts_th.yml" in str(missing.value)
    with pytest.raises(MissingText):
        t("page")  # a section is not a text


def _skill(root: Path, service: str, other: str) -> None:
    data = root / "skills" / "demo" / "data"
    data.mkdir(parents=True)
    (data / "texts_th.yml").write_text(YAML, encoding="utf-8")
    (root / "skills" / "demo" / "__init__.py").write_text("", encoding="utf-8")
    (root / "skills" / "demo" / "service.py").write_text(service, encoding="utf-8")
    (root / "actions").mkdir()
    (root / "actions" / "demo.py").write_text(other, encoding="utf-8")
    for folder in ("bot", "tests"):
        (root / folder).mkdir()


SERVICE = '''from pathlib import Path

from bot.kernel.texts import Texts

t = Texts.load(Path(__file__).resolve().parent / "data" / "texts_th.yml")


def greet(name):
    return t("hello", name=name) + t("goodbye")
'''
ACTION = '''from skills.demo import service
from skills.demo.service import t as texts


def page():
    page = service.t.section("page")
    return texts("page.title") + page["titel"] + service.t.value("kinds")["road"]
'''


def test_the_check_reports_each_missing_key_with_its_file_and_line(tmp_path):
    _skill(tmp_path, SERVICE, ACTION)
    assert sorted(text_key_problems(tmp_path)) == [
        "actions/demo.py:7: text key 'page.titel' is not in skills/demo/data/texts_th.yml",
        "skills/demo/service.py:9: text key 'goodbye' is not in skills/demo/data/texts_th.yml",
    ]


def test_every_text_key_the_project_uses_exists():
    assert text_key_problems() == []
