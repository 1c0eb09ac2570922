"""The disaster skill's Thai texts (``data/texts_th.yml``), loaded once for its modules."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.texts import Texts

texts = Texts.load(Path(__file__).resolve().parent / "data" / "texts_th.yml")
