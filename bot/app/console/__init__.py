"""The operator console: staff accounts, live human handoff on every channel, case queues.

``models`` (tables), ``auth`` (passwords, sessions, CSRF, throttling, audit), ``handoff``
(the paused conversations: queue, claim, reply, transfer, hand back, reply times; the
gateway's checks), ``queues`` (each service's cases and the skills' actions on them), ``keys``
(agencies' API keys: the admin page and the commands), ``web`` (the pages under
``/console/``), ``__main__`` (``python -m bot.app.console create-admin``).
"""
