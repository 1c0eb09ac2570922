"""The framework of the Thai government-services assistant, in four layers.

``bot.kernel``  shared by both runtimes and the skills: Thai text, place names, danger-now
                detection, hotlines, the skill registry, the answer type, settings, database,
                outbox, privacy. Imports no other layer.
``bot.engine``  engine runtime only (Python 3.10, Rasa 3.6): the Thai NLU components
                (``bot.engine.nlu``), the REST channel, the server entry point.
``bot.app``     app runtime only (Python 3.12): the action server, the channel gateways
                (``bot.app.channels``: LINE, Messenger, web chat), the web app.
``bot.tools``   tooling run from ``make``: build (train), checks, run, stack, scaffold.

``python -m bot.tools.checks`` enforces the layering (and the skills' import rules).
"""
