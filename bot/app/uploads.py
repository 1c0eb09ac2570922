"""Images that citizens send (a vest QR photo, a damaged sign), kept briefly for the skills.

A channel stores the bytes and hands the engine an opaque reference; the skill that asked for
the photo loads it by that reference. Only real images (checked by their first bytes, not just
the declared type) within ``MAX_BYTES`` are kept, under ``<var>/uploads``, and files older than
``RETENTION`` are removed whenever a new one is saved::

    ref = save(var_dir, data, "image/jpeg")   # 'u3f9c…' (random, 32 hex digits)
    data = load(var_dir, ref)
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

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


def _folder(var_dir: Path | str) -> Path:
    return Path(var_dir) / "uploads"


def _is_image(data: bytes, content_type: str) -> bool:
    starts = SIGNATURES.get(content_type)
    if starts is None or not data.startswith(starts):
        return False
    return content_type != "image/webp" or data[8:12] == b"WEBP"


def save(var_dir: Path | str, data: bytes, content_type: str) -> str:
    """Keep one image and return its reference; ``UploadRejected`` if it is not a kept image."""
    content_type = content_type.split(";")[0].strip().lower()
    if not data:
        raise UploadRejected("empty")
    if len(data) > MAX_BYTES:
        raise UploadRejected("size")
    if not _is_image(data, content_type):
        raise UploadRejected("type")
    folder = _folder(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    prune(var_dir)
    ref = "u" + secrets.token_hex(16)
    tmp = folder / f".{ref}.tmp"
    with open(tmp, "xb") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    tmp.replace(folder / ref)  # readers never see half a file
    return ref


def load(var_dir: Path | str, ref: str) -> bytes:
    """The image saved as ``ref``; ``KeyError`` if the reference is malformed, unknown or expired."""
    if not isinstance(ref, str) or not REF.match(ref):
        raise KeyError(ref)
    path = _folder(var_dir) / ref
    try:
        if time.time() - path.stat().st_mtime > RETENTION:
            raise KeyError(ref)
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyError(ref) from None


def prune(var_dir: Path | str, now: float | None = None) -> int:
    """Remove expired images (and the oldest beyond ``MAX_FILES``); return how many went."""
    folder = _folder(var_dir)
    now = time.time() if now is None else now
    try:
        entries = sorted((e.stat().st_mtime, e.path) for e in os.scandir(folder) if e.is_file())
    except FileNotFoundError:
        return 0
    removed = 0
    for index, (mtime, path) in enumerate(entries):
        if now - mtime > RETENTION or len(entries) - index > MAX_FILES:
            try:
                os.unlink(path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed
