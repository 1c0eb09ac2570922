"""What a collecting dispatcher holds, read as a user would see it (typed answers included)."""

from __future__ import annotations

from typing import Any

from bot.kernel.answer import KEY, Answer


def answers(messages: list[dict[str, Any]]) -> list[Answer]:
    """The typed answers among the dispatched messages, in order."""
    return [Answer.from_dict(m["custom"][KEY]) for m in messages
            if isinstance(m.get("custom"), dict) and KEY in m["custom"]]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """Every message's text in order: a typed answer's text, a plain text, or the name of
    a domain response (``utter_…``) where the domain would fill in its text."""
    out = []
    for m in messages:
        custom = m.get("custom") if isinstance(m.get("custom"), dict) else {}
        if KEY in custom:
            out.append(Answer.from_dict(custom[KEY]).text)
        else:
            out.append(m.get("text") or m.get("response") or "")
    return out
