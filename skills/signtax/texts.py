"""The skill's Thai texts (``data/texts_th.yml``), through the kernel's one loader.

``text("bill_header", bill_number="ST…")``: a missing key raises ``MissingText`` naming the
file and the key (and ``python -m bot.tools.checks`` finds it before it runs).
"""

from __future__ import annotations

from pathlib import Path

from bot.kernel.texts import Texts

text = Texts.load(Path(__file__).resolve().parent / "data" / "texts_th.yml")
