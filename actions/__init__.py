"""rasa-sdk actions: thin adapters from the conversation tracker to the skills and back.

The action server (``python -m bot.app.action_server``) registers every concrete ``Action``
in this package. Core actions are in ``core``; each skill's are in ``actions/<skill>.py``.
"""
