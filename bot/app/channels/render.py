"""The one rendering layer: engine replies -> typed answers -> each platform's messages.

The engine's replies come in Rasa's REST format. An action sends a typed answer whole,
``{"custom": {"answer": {...}}}`` (``bot.kernel.answer``), and so does a notification
(``bot.kernel.notify``); a domain response comes as ``{"text", "buttons"}``, its button
payloads read with ``Target.parse``. ``normalize`` turns them into ``Answer`` objects whose
``text`` alone says everything: the numbered choices written into it (``numbered_text``, the
one writer of numbered lists), an image always with a text beside it. The platform functions
then only add what the platform can show on top of that text (quick replies, a call button, an
image; named links as "name: url" lines) and split long texts at paragraph, line or word
boundaries, never dropping a fact.

>>> [a.text for a in normalize([{"text": "เลือกบริการ", "buttons": [
...     {"title": "ตำรวจ", "payload": "/police_find_station"}]}])]
['เลือกบริการ\\n1. ตำรวจ']
>>> split_text("ก ข ค", 3)
['ก ข', 'ค']
"""

from __future__ import annotations

import dataclasses
import json
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.app.channels.texts import TEXTS
from bot.kernel.answer import (
    KEY,
    Answer,
    AnswerError,
    Call,
    Card,
    Choice,
    Image,
    Link,
    Target,
    numbered_text,
)

log = logging.getLogger(__name__)

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
# Cards. LINE Flex (https://developers.line.biz/en/reference/messaging-api/#flex-message):
# altText at most 1,500 characters, a bubble's JSON at most 30 KB, a Flex button's label at
# most 40 characters. Messenger generic template: title and subtitle at most 80 characters,
# at most 3 buttons, a button title at most 20 characters.
LINE_ALT_MAX = 1500
LINE_BUBBLE_BYTES = 30_000
LINE_FLEX_LABEL_MAX = 40
CARD_FIELDS_MAX = 12  # rows shown on a card (the text has them all)
CARD_VALUE_MAX = 160
CARD_BUTTONS_MAX = 4
MESSENGER_CARD_TEXT_MAX = 80
MESSENGER_CARD_BUTTONS_MAX = 3
# A card's status colour (white text on it has a contrast of at least 4.5:1).
TONE_COLOURS = {"info": "#1A4F8B", "ok": "#17653A", "warn": "#8A5300", "danger": "#B3261E"}


def complete(answer: Answer) -> Answer:
    """``answer`` with its numbered choices written into its text (unless listed already)."""
    return dataclasses.replace(answer, text=numbered_text(answer.text, answer.choices))


def choices_from_buttons(buttons: Iterable[Any]) -> tuple[Choice, ...]:
    """Choices from buttons in the engine's shape, ``{"title", "payload"}`` (a domain
    response's buttons, or choices stored before they were typed; the payload is
    "/intent{json}" or a text); malformed ones are left out.

    >>> choices_from_buttons([{"title": "คำนวณภาษีป้าย", "payload": "/signtax_calculate"}])[0].target
    Target(intent='signtax_calculate', entities={}, text=None)
    """
    out = []
    for button in buttons:
        if isinstance(button, dict):
            payload = str(button.get("payload") or button.get("title") or "").strip()
            title = str(button.get("title") or "").strip() or payload
            if payload:
                out.append(Choice(title, Target.parse(payload)))
    return tuple(out)


def _typed(raw: Any) -> list[Answer]:
    """An action's answer; one that cannot be read is said by its text alone, if it has one
    (its extras are lost, its facts are not)."""
    try:
        return [complete(Answer.from_dict(raw))]
    except AnswerError as exc:
        text = raw.get("text") if isinstance(raw, dict) else None
        log.warning("an answer that cannot be read (%s): %s", exc,
                    "its text alone is shown" if isinstance(text, str) and text.strip()
                    else "left out")
        return [Answer(text)] if isinstance(text, str) and text.strip() else []


def normalize(replies: list[dict[str, Any]]) -> list[Answer]:
    """Engine replies as ``Answer`` objects with complete texts; empty replies are dropped.

    An action's typed answer is read whole; a domain response's ``text``, ``buttons`` (and
    ``image``, shown with its text as the alt text) make one answer.
    """
    out: list[Answer] = []
    for r in replies:
        if not isinstance(r, dict):
            continue
        custom = r.get("custom") if isinstance(r.get("custom"), dict) else {}
        if KEY in custom:  # a typed answer, whole
            out += _typed(custom[KEY])
            continue
        choices = choices_from_buttons(r.get("buttons") or ())
        image = r.get("image") if isinstance(r.get("image"), str) and r.get("image") else None
        text = numbered_text(str(r.get("text") or "").strip()
                             or (TEXTS["image_without_text"] if image else ""), choices)
        if text:
            out.append(Answer(text, choices=choices, image=Image(image, text) if image else None))
    return out


def offered_choices(answers: Sequence[Answer]) -> tuple[Choice, ...]:
    """The choices a typed number refers to: those of the last answer that offered any."""
    for answer in reversed(answers):
        if answer.choices:
            return answer.choices
    return ()


def card_choices(answers: Sequence[Answer]) -> tuple[Choice, ...]:
    """The choice buttons on the cards of ``answers``: pressed, they count as a press even
    when no numbered choice offered the same (``Contacts.offer``)."""
    return tuple(b for a in answers if a.card for b in a.card.buttons if isinstance(b, Choice))


# A phone-sized bubble in UTF-16 code units: about bot.kernel.text.BUBBLE_MAX visible Thai
# characters together with the vowel and tone marks above and below them.
PHONE_UNITS = 450


def fit(answers: list[Answer], room: int, limit: int) -> list[Answer]:
    """Consecutive texts joined into phone-sized bubbles; into bigger ones (up to ``limit``)
    only when phone-sized ones would take more than ``room`` platform messages.

    >>> parts = normalize([{"text": "ก" * 300}, {"text": "ข" * 300}, {"text": "ค"}])
    >>> [len(a.text) for a in fit(parts, room=5, limit=5000)]
    [300, 303]
    >>> [len(a.text) for a in fit(parts, room=1, limit=5000)]
    [605]
    """
    phone = compact(answers, PHONE_UNITS)
    return phone if len(phone) <= room else compact(answers, limit)


def compact(answers: list[Answer], limit: int) -> list[Answer]:
    """Consecutive texts joined into one message (as the engine wrote them, paragraphs apart)
    while the result fits ``limit``, so an answer needs fewer platform messages (LINE takes
    five per reply). A message with choices, links or an image ends a run; its extras stay
    last."""
    out: list[Answer] = []
    for answer in answers:
        last = out[-1] if out else None
        if (last is not None and not last.choices and not last.image and not last.links
                and not last.card and not answer.card and not answer.image and _units(last.text) + 2 + _units(answer.text) <= limit):
            out[-1] = dataclasses.replace(answer, text=f"{last.text}\n\n{answer.text}",
                                          call=answer.call or last.call)
        else:
            out.append(answer)
    return out


def with_links(answer: Answer) -> str:
    """The text with each named link written as "name: url" (unless the text has its url),
    for platforms that show links only as text.

    >>> from bot.kernel.answer import Link
    >>> with_links(Answer("ใบเสร็จพร้อมแล้ว", links=(Link("ดูใบเสร็จ", "https://x.th/r/1"),)))
    'ใบเสร็จพร้อมแล้ว\\nดูใบเสร็จ: https://x.th/r/1'
    """
    lines = [f"{link.title}: {link.url}" for link in answer.links if link.url not in answer.text]
    return "\n".join([answer.text, *lines])


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


def _https_image(answer: Answer) -> str | None:
    url = answer.image.url if answer.image else None
    return url if url and url.startswith("https://") and len(url) <= LINE_URL_MAX else None


def _alt(text: str) -> str:
    """``text`` as a Flex alt text: whole when it fits 1,500 characters, else cut at a
    syllable boundary with "…" (the text itself is then sent too)."""
    if _units(text) <= LINE_ALT_MAX:
        return text
    return split_text(text, LINE_ALT_MAX - 1)[0] + "…"


def _card_buttons(card: Card) -> list[Choice | Call | Link]:
    return [b for b in card.buttons if not isinstance(b, Link)
            or b.url.startswith(("https://", "http://"))][:CARD_BUTTONS_MAX]


def _line_action(button: Choice | Call | Link, limit: int = LINE_FLEX_LABEL_MAX) -> dict:
    """A LINE action for a card button: a postback with the choice's message, a tel: link,
    or an https link."""
    if isinstance(button, Call):
        label = _short(TEXTS("call_button", number=button.local), limit)
        return {"type": "uri", "label": label, "uri": button.uri}
    if isinstance(button, Link):
        return {"type": "uri", "label": _short(button.title, limit), "uri": button.url}
    data = button.target.message()
    if len(data) > LINE_POSTBACK_DATA_MAX:
        return {"type": "message", "label": _short(button.title, limit),
                "text": _short(button.title, LINE_POSTBACK_DATA_MAX)}
    return {"type": "postback", "label": _short(button.title, limit), "data": data,
            "displayText": _short(button.title, 100)}


def _flex_text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def flex_bubble(card: Card, text: str = "") -> dict[str, Any]:
    """A LINE Flex bubble for ``card``: title, subtitle, the status in words on its colour,
    label/value rows, then ``text`` (the answer's complete text, so the card loses nothing
    the text says), and up to four buttons (dark text on white, white on dark: high
    contrast). Rows are left off the end until its JSON fits LINE's 30 KB (the text has
    them all)."""
    rows = [f for f in card.fields if f[0].strip() and f[1].strip()][:CARD_FIELDS_MAX]
    while True:
        bubble = _bubble(card, rows, text)
        if not rows or len(json.dumps(bubble).encode()) <= LINE_BUBBLE_BYTES:
            return bubble
        rows = rows[:-1]


def _bubble(card: Card, rows: list[tuple[str, str]], text: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_flex_text(_short(card.title, 100), weight="bold", size="xl",
                                             color="#111111")]
    if card.subtitle:
        body.append(_flex_text(_short(card.subtitle, 200), size="md", color="#444444"))
    if card.status:
        body.append({"type": "box", "layout": "vertical", "cornerRadius": "md",
                     "paddingAll": "md", "backgroundColor": TONE_COLOURS[card.tone],
                     "contents": [_flex_text(_short(card.status, 200), weight="bold",
                                             size="lg", color="#FFFFFF")]})
    if rows:
        body.append({"type": "separator", "margin": "md"})
        body += [{"type": "box", "layout": "baseline", "spacing": "md", "contents": [
            _flex_text(_short(label, 40), size="sm", color="#444444", flex=2),
            _flex_text(_short(value, CARD_VALUE_MAX), size="md", color="#111111", flex=5,
                       weight="bold")]} for label, value in rows]
    if text:
        body += [{"type": "separator", "margin": "md"},
                 _flex_text(text, size="sm", color="#222222")]
    bubble: dict[str, Any] = {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "spacing": "md", "contents": body}}
    buttons = _card_buttons(card)
    if buttons:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "button", "height": "sm", "style": "primary" if i == 0 else "secondary",
             "color": TONE_COLOURS["info"] if i == 0 else "#E8E8E8",
             "action": _line_action(b)} for i, b in enumerate(buttons)]}
    return bubble


def line_card(answer: Answer) -> dict[str, Any]:
    """A Flex message for an answer with a card; its alt text is the answer's complete text,
    and so is the bubble's last part when the text fits the alt text (a longer text is sent
    as text messages before the card)."""
    whole = with_links(answer)
    return {"type": "flex", "altText": _alt(whole),
            "contents": flex_bubble(answer.card, whole if _units(whole) <= LINE_ALT_MAX
                                    else "")}


def _line_answer(answer: Answer) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    image = _https_image(answer)
    if image:
        out.append({"type": "image", "originalContentUrl": image, "previewImageUrl": image})
    whole = with_links(answer)
    if answer.card is not None:
        if _units(whole) > LINE_ALT_MAX:  # the alt text is cut: the text goes too, whole
            out.extend({"type": "text", "text": part} for part in split_text(whole,
                                                                              LINE_TEXT_MAX))
        out.append(line_card(answer))
        return out
    out.extend({"type": "text", "text": part} for part in split_text(whole, LINE_TEXT_MAX))
    return out


def line_messages(answers: list[Answer]) -> list[dict[str, Any]]:
    """LINE message objects (JSON form). Images only from https URLs, each followed by its text;
    an answer with a card as a Flex message whose alt text is its text; quick replies (at
    most 13) on the last message: the choices, a call button, and the location picker or the
    camera when the answer asks for a place or a photo; every text within LINE's limits."""
    out: list[dict[str, Any]] = []
    for answer in answers:
        out += _line_answer(answer)
    choices = offered_choices(answers)
    call = next((a.call for a in reversed(answers) if a.call), None)
    last = answers[-1] if answers else None
    tools: list[dict[str, Any]] = []
    if last is not None and last.ask_location:
        tools.append({"type": "location", "label": _short(TEXTS["location_button"],
                                                          LINE_LABEL_MAX)})
    if last is not None and last.ask_photo:
        tools += [{"type": "camera", "label": _short(TEXTS["camera_button"], LINE_LABEL_MAX)},
                  {"type": "cameraRoll", "label": _short(TEXTS["photo_button"],
                                                         LINE_LABEL_MAX)}]
    if (choices or call or tools) and out:
        items = [{"type": "action", "action": tool} for tool in tools]
        room = LINE_QUICK_REPLY_MAX - bool(call) - len(items)
        for i, choice in enumerate(choices[:room], start=1):
            label = _short(f"{i}. {choice.title}", LINE_LABEL_MAX)
            data = choice.target.message()
            if len(data) <= LINE_POSTBACK_DATA_MAX:
                action = {"type": "postback", "label": label, "data": data,
                          "displayText": _short(choice.title, LINE_POSTBACK_DATA_MAX)}
            else:  # typing the number picks the same choice
                action = {"type": "message", "label": label, "text": str(i)}
            items.append({"type": "action", "action": action})
        if call:  # tap to call: the number is also in the text, for reading and copying
            label = _short(TEXTS("call_button", number=call.local), LINE_LABEL_MAX)
            items.append({"type": "action", "action": {"type": "uri", "label": label,
                                                        "uri": call.uri}})
        out[-1]["quickReply"] = {"items": items}
    return out


def batches(messages: list[Any], size: int = LINE_MESSAGES_PER_CALL) -> list[list[Any]]:
    """Messages in groups a single LINE call accepts, in order."""
    return [messages[i:i + size] for i in range(0, len(messages), size)]


def owners(answers: list[Answer], platform: Callable[[list[Answer]], list[Any]]) -> list[int]:
    """For each message ``platform(answers)`` makes, the index of the answer it came from."""
    out: list[int] = []
    for index, answer in enumerate(answers):
        out += [index] * len(platform([answer]))
    return out


def generic_template(card: Card) -> dict[str, Any]:
    """A Messenger generic template for ``card`` (title and subtitle within 80 characters,
    at most three buttons); the text sent before it says everything."""
    sub = " · ".join(p for p in [card.status, card.subtitle,
                                 *(f"{k} {v}" for k, v in card.fields)] if p)
    buttons: list[dict[str, Any]] = []
    for b in _card_buttons(card)[:MESSENGER_CARD_BUTTONS_MAX]:
        if isinstance(b, Call):
            buttons.append({"type": "phone_number", "payload": "+66" + b.local[1:]
                            if b.local.startswith("0") else b.number,
                            "title": _short(TEXTS("call_button", number=b.local),
                                            MESSENGER_TITLE_MAX)})
        elif isinstance(b, Link):
            buttons.append({"type": "web_url", "url": b.url,
                            "title": _short(b.title, MESSENGER_TITLE_MAX)})
        elif len(b.target.message()) <= MESSENGER_PAYLOAD_MAX:
            buttons.append({"type": "postback", "payload": b.target.message(),
                            "title": _short(b.title, MESSENGER_TITLE_MAX)})
    element: dict[str, Any] = {"title": _short(card.title, MESSENGER_CARD_TEXT_MAX)}
    if sub:
        element["subtitle"] = _short(sub, MESSENGER_CARD_TEXT_MAX)
    if buttons:
        element["buttons"] = buttons
    return {"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": [element]}}}


def messenger_messages(answers: list[Answer]) -> list[dict[str, Any]]:
    """Messenger Send API ``message`` objects: text parts within 2,000 characters, images from
    https URLs before their text, a card as a generic template after its text (Messenger has
    no alt text: the text comes first, whole), quick replies (at most 13) on the last text.
    Messenger's location quick reply is deprecated by Meta: an answer asking for a place says
    in its text how to send one (the attachment button, or a typed place name)."""
    out: list[dict[str, Any]] = []
    for answer in answers:
        image = _https_image(answer)
        if image:
            out.append({"attachment": {"type": "image",
                                       "payload": {"url": image, "is_reusable": True}}})
        out.extend({"text": part} for part in split_text(with_links(answer), MESSENGER_TEXT_MAX))
        if answer.card is not None:
            out.append(generic_template(answer.card))
    choices = offered_choices(answers)
    texts = [m for m in out if "text" in m]
    if choices and texts:
        quick = []
        for i, choice in enumerate(choices[:MESSENGER_QUICK_REPLY_MAX], start=1):
            payload = choice.target.message()
            quick.append({"content_type": "text",
                          "title": _short(f"{i}. {choice.title}", MESSENGER_TITLE_MAX),
                          "payload": payload if len(payload) <= MESSENGER_PAYLOAD_MAX
                          else str(i)})
        texts[-1]["quick_replies"] = quick
    return out


def web_card(card: Card) -> dict[str, Any]:
    """A card for the web chat: buttons as ``{"kind", "title", ...}`` (a choice's payload to
    send back, a call's number and tel: URI, a link's URL)."""
    buttons: list[dict[str, Any]] = []
    for b in card.buttons[:CARD_BUTTONS_MAX]:
        if isinstance(b, Choice):
            buttons.append({"kind": "choice", "title": b.title, "payload": b.target.message()})
        elif isinstance(b, Call):
            buttons.append({"kind": "call", "title": TEXTS("call_button", number=b.local),
                            "number": b.local, "uri": b.uri})
        else:
            buttons.append({"kind": "link", "title": b.title, "url": b.url})
    return {"title": card.title, "subtitle": card.subtitle, "status": card.status,
            "tone": card.tone, "colour": TONE_COLOURS[card.tone],
            "fields": [{"label": k, "value": v} for k, v in card.fields[:CARD_FIELDS_MAX]],
            "buttons": buttons}


def web_messages(answers: list[Answer]) -> list[dict[str, Any]]:
    """The web chat's format, per message: ``text`` (complete), ``buttons`` (``title`` and the
    ``payload`` to send back as text), ``image`` and its ``alt``, named ``links``, ``call``."""
    return [{"text": a.text,
             "buttons": [{"title": c.title, "payload": c.target.message()} for c in a.choices],
             "image": a.image.url if a.image else None,
             "alt": a.image.alt if a.image else None,
             "links": [{"title": link.title, "url": link.url} for link in a.links],
             "call": {"number": a.call.local, "name": a.call.name, "uri": a.call.uri}
             if a.call else None,
             "card": web_card(a.card) if a.card else None,
             "ask_location": a.ask_location, "ask_photo": a.ask_photo}
            for a in answers]
