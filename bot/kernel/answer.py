"""What a skill says, as one typed value from the action to the channel's renderer.

An ``Answer`` is a text that is complete on its own (a screen reader, a notification or an old
phone loses nothing), plus what a platform may add on top of it: numbered ``Choice``s, a phone
to ``Call``, an ``Image`` with its alt text, named ``Link``s. An action sends it whole as one
custom payload (``{"answer": ...}``); the renderer reads it whole; the gateway remembers its
choices typed. A choice's ``Target`` is an intent with entities, or a reply said as text; only
``Target.message`` writes Rasa's "/intent{...}" syntax, and only the gateway calls it.

>>> a = ask("เลือกบริการ", [("ตำรวจ", Target("police_find_station"))])
>>> a.text
'เลือกบริการ\\n1. ตำรวจ'
>>> Answer.from_dict(a.to_dict()) == a
True
>>> Target("police_station_phone", {"police_station": "ลุมพินี"}).message()
'/police_station_phone{"police_station": "ลุมพินี"}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KEY = "answer"  # the custom payload's key: {"custom": {"answer": {...}}}
_INTENT = re.compile(r"^[a-z][a-z0-9_]{0,80}$")
_TEL = re.compile(r"^\+?[0-9]{3,15}$")
_PAYLOAD = re.compile(r"^/([a-z][a-z0-9_]{0,80})(\{.*\})?$", re.S)


class AnswerError(ValueError):
    """A value that is not a well-formed answer (raised when reading one from outside)."""


@dataclass(frozen=True)
class Target:
    """Where a choice leads: ``intent`` with ``entities``, or ``text`` said as the reply.

    A ``text`` target answers the skill's own question ("2" to a numbered list it asked),
    exactly as if the user had typed it.
    """

    intent: str | None = None
    entities: Mapping[str, Any] = field(default_factory=dict)
    text: str | None = None

    def __post_init__(self) -> None:
        if (self.intent is None) == (self.text is None):
            raise AnswerError("a target is an intent or a text, not both or neither")
        if self.intent is not None and not _INTENT.match(self.intent):
            raise AnswerError(f"not an intent name: {self.intent!r}")
        if not isinstance(self.entities, Mapping):
            raise AnswerError("entities must be a mapping")
        object.__setattr__(self, "entities", dict(self.entities))

    def __hash__(self) -> int:
        return hash((self.intent, self.text, json.dumps(self.entities, sort_keys=True)))

    def message(self) -> str:
        """The engine message this target stands for (Rasa's "/intent{json}" for an intent)."""
        if self.text is not None:
            return self.text
        if not self.entities:
            return f"/{self.intent}"
        return f"/{self.intent}{json.dumps(self.entities, ensure_ascii=False)}"

    @classmethod
    def parse(cls, payload: str) -> Target:
        """A target from a domain response's button payload ("/intent{json}" or a text).

        >>> Target.parse('/police_station_phone{"police_station": "ลุมพินี"}').entities
        {'police_station': 'ลุมพินี'}
        >>> Target.parse("2").text
        '2'
        """
        m = _PAYLOAD.match(payload.strip())
        if m is None:
            return cls(text=payload)
        entities: Any = {}
        if m.group(2):
            try:
                entities = json.loads(m.group(2))
            except json.JSONDecodeError:
                return cls(text=payload)
            if not isinstance(entities, dict):
                return cls(text=payload)
        return cls(intent=m.group(1), entities=entities)

    def to_dict(self) -> dict[str, Any]:
        if self.text is not None:
            return {"text": self.text}
        return {"intent": self.intent, "entities": dict(self.entities)}

    @classmethod
    def from_dict(cls, raw: Any) -> Target:
        if not isinstance(raw, dict):
            raise AnswerError("a target must be an object")
        if isinstance(raw.get("text"), str):
            return cls(text=raw["text"])
        return cls(intent=raw.get("intent"), entities=raw.get("entities") or {})


@dataclass(frozen=True)
class Choice:
    """One numbered choice: what the user sees, and where it leads."""

    title: str
    target: Target

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "target": self.target.to_dict()}

    @classmethod
    def from_dict(cls, raw: Any) -> Choice:
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str) \
                or not raw["title"].strip():
            raise AnswerError("a choice needs a title")
        return cls(raw["title"].strip(), Target.from_dict(raw.get("target")))


@dataclass(frozen=True)
class Call:
    """A phone number to call (digits, ``+`` allowed) and whom it reaches. The number is
    already written in the answer's text; platforms that can add a call button do so."""

    number: str
    name: str = ""

    def __post_init__(self) -> None:
        if not _TEL.match(self.number):
            raise AnswerError(f"not a phone number: {self.number!r}")

    @property
    def uri(self) -> str:
        """``tel:`` URI; a Thai number written with a leading 0 becomes +66."""
        n = self.number
        if n.startswith("0") and len(n) in (9, 10):
            n = "+66" + n[1:]
        return f"tel:{n}"

    @property
    def local(self) -> str:
        """The number as a Thai caller dials it (``+6622…`` → ``022…``)."""
        return "0" + self.number[3:] if self.number.startswith("+66") else self.number


@dataclass(frozen=True)
class Image:
    """A picture and the text that says the same thing (never empty)."""

    url: str
    alt: str

    def __post_init__(self) -> None:
        if not self.url or not self.alt.strip():
            raise AnswerError("an image needs its url and an alt text")


@dataclass(frozen=True)
class Link:
    """A link with a name that says where it goes (never a bare URL)."""

    title: str
    url: str

    def __post_init__(self) -> None:
        if not self.title.strip() or not self.url.startswith(("https://", "http://", "/")):
            raise AnswerError("a link needs a name and an http(s) or site-relative url")


TONES = ("info", "ok", "warn", "danger")  # a card's status colour, said in words too


@dataclass(frozen=True)
class Card:
    """The facts of an answer people act on, laid out as a card (a LINE Flex bubble, a
    Messenger generic template, an HTML section in the web chat).

    A card never replaces the answer's text: the text says everything (it is the card's alt
    text); the card shows the same facts at a glance. ``status`` is said in words (never by
    colour alone); ``tone`` picks its colour. ``buttons`` are choices, calls or links.

    >>> c = Card("สน.ลุมพินี", fields=(("ระยะทาง", "1.2 กม."),), buttons=(Call("191"),))
    >>> Card.from_dict(c.to_dict()) == c
    True
    """

    title: str
    subtitle: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    status: str = ""
    tone: str = "info"
    buttons: tuple[Choice | Call | Link, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple((str(k), str(v)) for k, v in self.fields))
        object.__setattr__(self, "buttons", tuple(self.buttons))
        if not self.title.strip():
            raise AnswerError("a card needs a title")
        if self.tone not in TONES:
            raise AnswerError(f"a card's tone is one of {TONES}")
        if any(not isinstance(b, (Choice, Call, Link)) for b in self.buttons):
            raise AnswerError("a card's buttons are choices, calls or links")

    def to_dict(self) -> dict[str, Any]:
        buttons: list[dict[str, Any]] = []
        for b in self.buttons:
            if isinstance(b, Choice):
                buttons.append({"choice": b.to_dict()})
            elif isinstance(b, Call):
                buttons.append({"call": {"number": b.number, "name": b.name}})
            else:
                buttons.append({"link": {"title": b.title, "url": b.url}})
        return {"title": self.title, "subtitle": self.subtitle,
                "fields": [list(f) for f in self.fields], "status": self.status,
                "tone": self.tone, "buttons": buttons}

    @classmethod
    def from_dict(cls, raw: Any) -> Card:
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
            raise AnswerError("a card needs a title")
        buttons: list[Choice | Call | Link] = []
        for b in raw.get("buttons") or ():
            if not isinstance(b, dict):
                raise AnswerError("a card button must be an object")
            if "choice" in b:
                buttons.append(Choice.from_dict(b["choice"]))
            elif "call" in b:
                buttons.append(Call(str(b["call"]["number"]), str(b["call"].get("name") or "")))
            elif "link" in b:
                buttons.append(Link(str(b["link"]["title"]), str(b["link"]["url"])))
            else:
                raise AnswerError("a card button is a choice, a call or a link")
        fields = raw.get("fields") or ()
        if not all(isinstance(f, (list, tuple)) and len(f) == 2 for f in fields):
            raise AnswerError("a card's fields are (label, value) pairs")
        return cls(raw["title"], str(raw.get("subtitle") or ""),
                   tuple((str(k), str(v)) for k, v in fields), str(raw.get("status") or ""),
                   str(raw.get("tone") or "info"), tuple(buttons))


@dataclass(frozen=True)
class Answer:
    """One message: ``text`` complete on its own, and what platforms may show beside it.

    ``card``: the same facts as a card (``Card``). ``ask_location`` / ``ask_photo``: the
    answer asks for a place or a photo, so a platform may offer its location picker or camera
    as a one-tap button (the text says how to answer without it).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    call: Call | None = None
    image: Image | None = None
    links: tuple[Link, ...] = ()
    card: Card | None = None
    ask_location: bool = False
    ask_photo: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "links", tuple(self.links))
        if not self.text.strip():
            raise AnswerError("an answer needs a text")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.choices:
            out["choices"] = [c.to_dict() for c in self.choices]
        if self.call:
            out["call"] = {"number": self.call.number, "name": self.call.name}
        if self.image:
            out["image"] = {"url": self.image.url, "alt": self.image.alt}
        if self.links:
            out["links"] = [{"title": link.title, "url": link.url} for link in self.links]
        if self.card:
            out["card"] = self.card.to_dict()
        if self.ask_location:
            out["ask_location"] = True
        if self.ask_photo:
            out["ask_photo"] = True
        return out

    def payload(self) -> dict[str, Any]:
        """The custom payload an action sends (``json_message``)."""
        return {KEY: self.to_dict()}

    @classmethod
    def from_dict(cls, raw: Any) -> Answer:
        """Read an answer, or ``AnswerError`` with the reason."""
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise AnswerError("an answer needs a text")
        try:
            call = raw.get("call")
            image = raw.get("image")
            return cls(
                text=raw["text"],
                choices=tuple(Choice.from_dict(c) for c in raw.get("choices") or ()),
                call=Call(str(call["number"]), str(call.get("name") or "")) if call else None,
                image=Image(str(image["url"]), str(image["alt"])) if image else None,
                links=tuple(Link(str(link["title"]), str(link["url"]))
                            for link in raw.get("links") or ()),
                card=Card.from_dict(raw["card"]) if raw.get("card") else None,
                ask_location=raw.get("ask_location") is True,
                ask_photo=raw.get("ask_photo") is True,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise AnswerError(f"malformed answer: {exc}") from exc


def numbered_text(text: str, choices: Iterable[Choice]) -> str:
    """``text`` with the choices written as "1. title" lines, unless it lists them all already.

    The one place numbered choices are written: a typed "1" (or "๑") then picks the first.
    """
    lines = [f"{i}. {c.title}" for i, c in enumerate(choices, start=1)]
    if all(line in text for line in lines):
        return text
    return "\n".join(part for part in (text.rstrip(), *lines) if part)


def numbered(items: Iterable[tuple[str, Target] | Choice]) -> tuple[Choice, ...]:
    """Choices from ``(title, target)`` pairs (or choices), in the order they will be numbered."""
    return tuple(i if isinstance(i, Choice) else Choice(i[0], i[1]) for i in items)


def ask(text: str, items: Iterable[tuple[str, Target] | Choice], **extra: Any) -> Answer:
    """An answer offering numbered choices: the numbers are written into its text.

    >>> ask("ต้องการอะไรต่อ", [("ดูโรงพักใกล้ที่สุด", Target("police_nearest_stations"))]).text
    'ต้องการอะไรต่อ\\n1. ดูโรงพักใกล้ที่สุด'
    """
    choices = numbered(items)
    return Answer(numbered_text(text, choices), choices=choices, **extra)
