"""What a user did, as a channel adapter read it from the platform's event.

What a user typed is only ever text. A message the gateway vouches for is a ``Payload``: a
choice it offered (a typed number, a pressed button) or one it built itself (a shared
location, a kept photo, the menu for a new friend). Only payloads reach the engine marked as
one (``metadata.choice``); the engine disarms Rasa's "/intent{...}" syntax in everything else.
Payloads are written by ``bot.kernel.answer.Target.message``, the one writer of that syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.kernel.answer import Target
from bot.kernel.point import check_point


class Payload(str):
    """A message the gateway vouches for: a choice it offered, or one it built (a location).

    Only these reach the engine as Rasa's "/intent{...}" syntax; a plain ``str`` is text.
    """

    @classmethod
    def of(cls, target: Target) -> Payload:
        return cls(target.message())


MENU = Payload.of(Target("greet"))  # what a sticker or a new friend gets: the greeting and menu


def coordinates(lat: Any, lon: Any) -> tuple[float, float]:
    """``(lat, lon)`` from a platform event (numbers only), or ``InvalidCoordinates``
    (a ``ValueError``): ``bot.kernel.point.check_point``, the one coordinate check.

    >>> coordinates(13.7, 100.5)
    (13.7, 100.5)
    """
    return check_point(lat, lon, numbers_only=True)


def location_message(lat: Any, lon: Any) -> Payload:
    """The engine message for a shared location; ``ValueError`` when the coordinates are not
    a place on Earth.

    >>> location_message(13.7465, 100.5348)
    '/share_location{"latitude": 13.7465, "longitude": 100.5348}'
    """
    lat, lon = coordinates(lat, lon)
    return Payload.of(Target("share_location", {"latitude": lat, "longitude": lon}))


def image_message(ref: str) -> Payload:
    """The engine message for a photo kept by ``bot.app.uploads``."""
    return Payload.of(Target("share_image", {"image_ref": ref}))


@dataclass(frozen=True)
class Inbound:
    """One thing a user did, for the gateway's pipeline; exactly one field is set.

    ``text``: typed, or a pressed button's data; a number or a button the gateway offered
    becomes that choice, anything else stays text. ``payload``: a message the gateway built.
    ``say``: a sentence the gateway answers itself, without the engine (a photo it could not
    keep, a location off the globe).
    """

    text: str | None = None
    payload: Payload | None = None
    say: str | None = None

    def __post_init__(self) -> None:
        if sum(v is not None for v in (self.text, self.payload, self.say)) != 1:
            raise ValueError("an inbound message is a text, a payload or a sentence to say")
