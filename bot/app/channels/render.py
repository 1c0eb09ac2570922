"""The one rendering layer: engine replies -> each platform's messages, text form always complete.

An engine reply (Rasa REST format, or a ``bot.kernel.notify`` notification's ``as_message()``) is
``{"text", "buttons", "image", "custom"}``. ``normalize`` turns a list of them into ``Reply``
objects whose ``text`` alone says everything: the numbered choices are written into it when the
engine's text does not list them already, and an image always has a text beside it. The
platform functions then only add what the platform can show on top of that text (quick replies,
an image) and split long texts at paragraph, line or word boundaries, never dropping a fact.

>>> [r.text for r in normalize([{"text": "เลือกบริการ", "buttons": [
...     {"title": "ตำรวจ", "payload": "/police"}]}])]
['เลือกบริการ\\n1. ตำรวจ']
>>> split_text("ก ข ค", 3)
['ก ข', 'ค']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.app.channels.texts import TEXTS
from bot.kernel import answer

# LINE Messaging API limits (https://developers.line.biz/en/reference/messaging-api/).
LINE_TEXT_MAX = 5000  # characters (UTF-16 code units) of a text message
LINE_MESSAGES_PER_CALL = 5  # messages in one reply or push
LINE_QUICK_REPLY_MAX = 13
LINE_LABEL_MAX = 20
LINE_POSTBACK_DATA_MAX = 300
LINE_URL_MAX = 2000
# Messenger Send API limits (https://developers.facebook.com/docs/messenger-platform/).
MESSENGER_TEXT_MAX = 2000
MESSENGER_QUICK_REPLY_MAX = 13
MESSENGER_TITLE_MAX = 20
MESSENGER_PAYLOAD_MAX = 1000


@dataclass
class Reply:
    """One message in platform-neutral form: ``text`` is complete on its own."""

    text: str
    choices: list[dict[str, str]] = field(default_factory=list)
    image: str | None = None
    alt: str | None = None
    # A number to call (``tel:+6622555994``) already written in ``text``; platforms that can
    # add a call button do so.
    call: str | None = None


def _choices(raw: Any) -> list[dict[str, str]]:
    out = []
    for button in raw or []:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title or payload:
            out.append({"title": title or payload, "payload": payload})
    return out


def choices_text(text: str, choices: list[dict[str, str]]) -> str:
    """``text`` with the numbered choices written out, unless it already lists them all."""
    lines = [f"{i}. {c['title']}" for i, c in enumerate(choices, start=1)]
    if all(line in text for line in lines):
        return text
    return "\n".join(part for part in (text.rstrip(), *lines) if part)


def _alt(reply: dict[str, Any]) -> str | None:
    custom = reply.get("custom")
    alt = custom.get("alt") if isinstance(custom, dict) else None
    return alt.strip() if isinstance(alt, str) and alt.strip() else None


_TEL = re.compile(r"^tel:\+?[0-9]{3,15}$")


def _call(custom: dict[str, Any]) -> str | None:
    tel = custom.get("tel")
    return tel if isinstance(tel, str) and _TEL.match(tel) else None


def normalize(replies: list[dict[str, Any]]) -> list[Reply]:
    """Engine replies as ``Reply`` objects with complete texts; empty replies are dropped.

    Rasa's REST channel sends one ``utter_message(text, image, json_message)`` as separate
    messages: the text, then ``{"custom": {"alt": ...}}``, then ``{"image": ...}``; the alt
    text is joined back to its image here.
    """
    out = []
    pending_alt = None
    for r in replies:
        if not isinstance(r, dict):
            continue
        custom = r.get("custom") if isinstance(r.get("custom"), dict) else {}
        if answer.KEY in custom:  # a typed answer, whole
            try:
                a = answer.Answer.from_dict(custom[answer.KEY])
            except answer.AnswerError:
                continue
            out.append(Reply(
                text=answer.numbered_text(a.text, a.choices),
                choices=[{"title": c.title, "payload": c.target.message()} for c in a.choices],
                image=a.image.url if a.image else None, alt=a.image.alt if a.image else None,
                call=a.call.uri if a.call else None))
            continue
        choices = _choices(r.get("buttons"))
        image = r.get("image") if isinstance(r.get("image"), str) and r.get("image") else None
        alt = _alt(r)
        call = _call(custom)
        if call and out and not r.get("text") and not image:
            out[-1].call = call  # the number belongs to the message just before
            call = None
        if alt and not image and not r.get("text"):
            pending_alt = alt  # belongs to the image that follows
            continue
        if image and not alt:
            alt, pending_alt = pending_alt, None
        text = str(r.get("text") or custom.get("text") or "").strip()
        if image and not text:
            text = alt or TEXTS["image_without_text"]
        text = choices_text(text, choices)
        if text or image:
            out.append(Reply(text=text, choices=choices, image=image, call=call,
                             alt=alt or (text if image else None)))
    return out


# A phone-sized bubble in UTF-16 code units: about bot.kernel.text.BUBBLE_MAX visible Thai
# characters together with the vowel and tone marks above and below them.
PHONE_UNITS = 450


def fit(replies: list[Reply], room: int, limit: int) -> list[Reply]:
    """Consecutive texts joined into phone-sized bubbles; into bigger ones (up to ``limit``)
    only when phone-sized ones would take more than ``room`` platform messages.

    >>> parts = normalize([{"text": "ก" * 300}, {"text": "ข" * 300}, {"text": "ค"}])
    >>> [len(r.text) for r in fit(parts, room=5, limit=5000)]
    [300, 303]
    >>> [len(r.text) for r in fit(parts, room=1, limit=5000)]
    [605]
    """
    phone = compact(replies, PHONE_UNITS)
    return phone if len(phone) <= room else compact(replies, limit)


def compact(replies: list[Reply], limit: int) -> list[Reply]:
    """Consecutive texts joined into one message (as the engine wrote them, paragraphs apart)
    while the result fits ``limit``, so an answer needs fewer platform messages (LINE takes
    five per reply). A message with choices or an image ends a run; its choices stay last."""
    out: list[Reply] = []
    for reply in replies:
        last = out[-1] if out else None
        if (last is not None and not last.choices and not last.image and not reply.image
                and _units(last.text) + 2 + _units(reply.text) <= limit):
            out[-1] = Reply(text=f"{last.text}\n\n{reply.text}", choices=reply.choices,
                            call=reply.call or last.call)
        else:
            out.append(reply)
    return out


def offered_choices(replies: list[Reply]) -> list[dict[str, str]]:
    """The choices a typed number refers to: those of the last message that offered any."""
    for reply in reversed(replies):
        if reply.choices:
            return reply.choices
    return []


def _units(text: str) -> int:
    """Length as LINE counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _joins_previous(ch: str) -> bool:
    """A Thai vowel or tone mark written after its consonant (never the start of a part)."""
    return "\u0e30" <= ch <= "\u0e3a" or "\u0e45" <= ch <= "\u0e4e" or bool(
        unicodedata.combining(ch))


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` so the head fits ``limit``: at a paragraph, line or space, or
    failing those at a character that starts a syllable (Thai marks stay with their consonant)."""
    end = units = 0
    for ch in text:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        end += 1
    if text[end].isspace():
        return end
    head = text[:end]
    for sep in ("\n\n", "\n", " "):
        at = head.rfind(sep)
        if at > limit // 4:
            return at
    while end > 1 and (_joins_previous(text[end]) or "\u0e40" <= text[end - 1] <= "\u0e44"):
        end -= 1
    return end


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` units; joined back they say the same."""
    parts = []
    rest = text.strip()
    while _units(rest) > limit:
        at = _cut(rest, limit)
        parts.append(rest[:at].rstrip())
        rest = rest[at:].strip()
    if rest:
        parts.append(rest)
    return parts


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _https(url: str | None) -> bool:
    return bool(url) and url.startswith("https://") and len(url) <= LINE_URL_MAX


def line_messages(replies: list[Reply]) -> list[dict[str, Any]]:
    """LINE message objects (JSON form). Images only from https URLs, each followed by its text;
    quick replies (at most 13) on the last message; every text within LINE's length limit."""
    out: list[dict[str, Any]] = []
    for reply in replies:
        if _https(reply.image):
            out.append({"type": "image", "originalContentUrl": reply.image,
                        "previewImageUrl": reply.image})
        out.extend({"type": "text", "text": part} for part in split_text(reply.text,
                                                                          LINE_TEXT_MAX))
    choices = offered_choices(replies)
    call = next((r.call for r in reversed(replies) if r.call), None)
    if (choices or call) and out:
        items = []
        for i, choice in enumerate(choices[:LINE_QUICK_REPLY_MAX - bool(call)], start=1):
            label = _short(f"{i}. {choice['title']}", LINE_LABEL_MAX)
            if len(choice["payload"]) <= LINE_POSTBACK_DATA_MAX:
                action = {"type": "postback", "label": label, "data": choice["payload"],
                          "displayText": _short(choice["title"], LINE_POSTBACK_DATA_MAX)}
            else:  # typing the number picks the same choice
                action = {"type": "message", "label": label, "text": str(i)}
            items.append({"type": "action", "action": action})
        if call:  # tap to call: the number is also in the text, for reading and copying
            number = call.removeprefix("tel:")
            number = "0" + number[3:] if number.startswith("+66") else number
            label = _short(TEXTS["call_button"].format(number=number), LINE_LABEL_MAX)
            items.append({"type": "action", "action": {"type": "uri", "label": label,
                                                        "uri": call}})
        out[-1]["quickReply"] = {"items": items}
    return out


def batches(messages: list[Any], size: int = LINE_MESSAGES_PER_CALL) -> list[list[Any]]:
    """Messages in groups a single LINE call accepts, in order."""
    return [messages[i:i + size] for i in range(0, len(messages), size)]


def owners(replies: list[Reply], platform) -> list[int]:
    """For each message ``platform(replies)`` makes, the index of the reply it came from."""
    out: list[int] = []
    for index, reply in enumerate(replies):
        out += [index] * len(platform([reply]))
    return out


def messenger_messages(replies: list[Reply]) -> list[dict[str, Any]]:
    """Messenger Send API ``message`` objects: text parts within 2,000 characters, images from
    https URLs before their text, quick replies (at most 13) on the last text."""
    out: list[dict[str, Any]] = []
    for reply in replies:
        if _https(reply.image):
            out.append({"attachment": {"type": "image",
                                       "payload": {"url": reply.image, "is_reusable": True}}})
        out.extend({"text": part} for part in split_text(reply.text, MESSENGER_TEXT_MAX))
    choices = offered_choices(replies)
    texts = [m for m in out if "text" in m]
    if choices and texts:
        texts[-1]["quick_replies"] = [
            {"content_type": "text",
             "title": _short(f"{i}. {c['title']}", MESSENGER_TITLE_MAX),
             "payload": c["payload"] if len(c["payload"]) <= MESSENGER_PAYLOAD_MAX else str(i)}
            for i, c in enumerate(choices[:MESSENGER_QUICK_REPLY_MAX], start=1)]
    return out


def web_messages(replies: list[Reply]) -> list[dict[str, Any]]:
    """The web chat's format: ``{"text", "buttons", "image", "alt"}`` per message."""
    return [{"text": r.text, "buttons": r.choices, "image": r.image, "alt": r.alt}
            for r in replies]
