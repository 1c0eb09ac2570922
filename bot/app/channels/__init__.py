"""Channel gateways (LINE, Messenger, web chat) on one pipeline, the rendering layer, the notifier.

``gateway`` runs every message through inbound → dedupe → resolve → ask → render → deliver
with one small part per job (``dedupe``, ``contacts``, ``ask``, ``outbox``); ``line``,
``messenger`` and ``web`` are thin adapters (platform parsing, signature check, platform
sending). Conversations are ``bot.kernel.sender.Sender`` values (``line:<userId>``,
``fb:<psid>``, ``web:<session>``), and the channel travels to the engine in the message's
metadata. ``render`` reads the engine's replies as typed answers (``bot.kernel.answer``);
``notifier`` pushes the outbox of ``bot.kernel.notify`` within each platform's rules.
"""
