"""The framework of the Thai government-services assistant.

Shared kernel (importable from both runtimes: Python 3.10 engine and Python 3.12 app):
``bot.text`` (Thai normalisation), ``bot.gazetteer`` (place names), ``bot.emergency``
(danger-now detection), ``bot.registry`` (skill manifests). Engine-only code lives in
``bot.nlu`` and ``bot.engine``; app-only code in ``bot.web``, ``bot.db`` and friends.
"""
