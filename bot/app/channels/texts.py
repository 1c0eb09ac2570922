"""The few sentences the channels layer says itself (everything else comes from the engine).

Kept together in ``texts_th.yml`` beside this module so they can be reviewed in one place; all
Thai, complete on their own. ``TEXTS["engine_down"]`` is the template; ``TEXTS("call_button",
number="191")`` fills it (``bot.kernel.texts``: a missing key names the file and the key).
"""

from pathlib import Path

from bot.kernel.texts import Texts

TEXTS = Texts.load(Path(__file__).resolve().parent / "texts_th.yml")
