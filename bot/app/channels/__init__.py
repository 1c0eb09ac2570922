"""Channel gateways (LINE, Messenger, web chat), the one rendering layer and the notifier.

Each platform module verifies the platform's signature, drops redeliveries, turns platform
events into engine messages (sender ids ``line:<userId>``, ``fb:<psid>``, ``web:<session>``)
and sends the engine's replies back through ``render``. ``notifier`` pushes the outbox of
``bot.kernel.notify`` within each platform's rules.
"""
