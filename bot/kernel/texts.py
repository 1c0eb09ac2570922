"""The one loader for Thai texts kept in YAML (a skill's ``data/texts_th.yml``, the channels').

User-facing Thai lives in data, not in code. ``Texts.load(path)`` gives a callable: a text by
key (dotted for a nested section), ``{values}`` filled with ``str.format``. A key that is not
in the file is a bug and says so with the file and the key; ``bot.tools.checks`` finds such
keys before they run (``text_key_problems``: every literal key used exists). The file is read
on first use, never at import time, and once per process.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "texts_th.yml"
>>> _ = path.write_text('hello: "สวัสดี {name}"\\npage:\\n  title: "หน้าแรก"\\n', encoding="utf-8")
>>> t = Texts.load(path)
>>> t("hello", name="สมชาย")
'สวัสดี สมชาย'
>>> t("page.title"), t.section("page")("title")
('หน้าแรก', 'หน้าแรก')
>>> t("missing")
Traceback (most recent call last):
bot.kernel.texts.MissingText: no text 'missing' in texts_th.yml
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

_CACHE: dict[Path, Mapping[str, Any]] = {}
_LOCK = threading.Lock()


class MissingText(KeyError):
    """A key that is not in the texts file (a bug: the check ``text_key_problems`` finds it)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _read(path: Path) -> Mapping[str, Any]:
    with _LOCK:
        if path not in _CACHE:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, Mapping):
                raise ValueError(f"{path}: texts must be a mapping of keys to texts")
            _CACHE[path] = data
        return _CACHE[path]


class Texts:
    """Texts of one YAML file (or one section of it), looked up by key."""

    def __init__(self, path: Path | str, prefix: str = ""):
        self.path = Path(path).resolve()
        self.prefix = prefix

    @classmethod
    def load(cls, path: Path | str) -> Texts:
        """The texts of ``path`` (read on first use, then kept)."""
        return cls(path)

    def __repr__(self) -> str:
        return f"Texts({str(self.path)!r}{', ' + repr(self.prefix) if self.prefix else ''})"

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _node(self, name: str) -> Any:
        node: Any = _read(self.path)
        for part in name.split(".") if name else ():
            if not isinstance(node, Mapping) or part not in node:
                raise MissingText(f"no text {name!r} in {self.path.name}")
            node = node[part]
        return node

    def value(self, key: str) -> Any:
        """The entry ``key`` as it is in the file: a text, or a table (mapping or list)."""
        return self._node(self._name(key))

    def __call__(self, key: str, **values: Any) -> str:
        """Text ``key`` with ``values`` filled in."""
        template = self.value(key)
        if not isinstance(template, str):
            raise MissingText(f"{self._name(key)!r} in {self.path.name} is a table, not a text")
        return template.format(**values) if values else template

    def __getitem__(self, key: str) -> Any:
        return self.value(key)

    def __contains__(self, key: object) -> bool:
        try:
            self.value(str(key))
        except MissingText:
            return False
        return True

    def section(self, key: str) -> Texts:
        """A nested section as texts of its own (``t.section("page")("title")``)."""
        if not isinstance(self.value(key), Mapping):
            raise MissingText(f"{self._name(key)!r} in {self.path.name} is not a section")
        return Texts(self.path, self._name(key))

    def keys(self) -> Iterator[str]:
        """The keys at this level (a section's own keys)."""
        return iter(self._node(self.prefix))


def has_key(path: Path, key: str) -> bool:
    """Whether ``key`` (dotted) is in the texts file ``path`` (for ``bot.tools.checks``)."""
    return key in Texts(path)
