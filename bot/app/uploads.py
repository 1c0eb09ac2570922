"""Images that citizens send (a vest QR photo, a damaged sign), kept briefly for the skills.

A channel stores the bytes and hands the engine an opaque reference; the skill that asked for
the photo loads it by that reference. Only real images (checked by their first bytes, not just
the declared type) within ``MAX_BYTES`` are kept, in the app database (table ``uploads``), so
that a photo received by one web app is read by an action server on any machine; photos older
than ``RETENTION`` are removed whenever a new one is saved::

    ref = save(database_url, data, "image/jpeg")   # 'u3f9c…' (random, 32 hex digits)
    data = load(database_url, ref)
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.app.models import Upload
from bot.kernel.db import session_factory, utcnow

MAX_BYTES = 10 * 1024 * 1024  # LINE's own limit for an image message
RETENTION = 7 * 24 * 3600  # seconds a photo is kept
MAX_FILES = 10_000  # oldest removed beyond this, whatever their age
REF = re.compile(r"^u[0-9a-f]{32}$")

# Declared content type -> the first bytes such a file starts with.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


class UploadRejected(ValueError):
    """The data is not an image we keep (``reason``: ``type``, ``size`` or ``empty``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_image(data: bytes, content_type: str) -> bool:
    starts = SIGNATURES.get(content_type)
    if starts is None or not data.startswith(starts):
        return False
    return content_type != "image/webp" or data[8:12] == b"WEBP"


def save(database_url: str, data: bytes, content_type: str) -> str:
    """Keep one image and return its reference; ``UploadRejected`` if it is not a kept image."""
    content_type = content_type.split(";")[0].strip().lower()
    if not data:
        raise UploadRejected("empty")
    if len(data) > MAX_BYTES:
        raise UploadRejected("size")
    if not _is_image(data, content_type):
        raise UploadRejected("type")
    prune(database_url)
    ref = "u" + secrets.token_hex(16)
    with session_factory(database_url).begin() as session:
        session.add(Upload(ref=ref, content_type=content_type, data=data))
    return ref


def load(database_url: str, ref: str) -> bytes:
    """The image saved as ``ref``; ``KeyError`` if the reference is malformed, unknown or expired."""
    if not isinstance(ref, str) or not REF.match(ref):
        raise KeyError(ref)
    with session_factory(database_url)() as session:
        found = session.execute(select(Upload.data).where(
            Upload.ref == ref, Upload.created_at > _expired())).scalar_one_or_none()
    if found is None:
        raise KeyError(ref)
    return found


def prune(database_url: str, now: datetime | None = None) -> int:
    """Remove expired images (and the oldest beyond ``MAX_FILES``); return how many went."""
    with session_factory(database_url).begin() as session:
        removed = session.execute(delete(Upload).where(
            Upload.created_at <= _expired(now))).rowcount
        beyond = select(Upload.ref).order_by(Upload.created_at.desc()).offset(MAX_FILES)
        removed += session.execute(delete(Upload).where(
            Upload.ref.in_(beyond.scalar_subquery()))).rowcount
    return removed


def _expired(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(seconds=RETENTION)
