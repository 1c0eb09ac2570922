"""Masking of personal data (citizen IDs, phone numbers) before anything is logged.

>>> mask("บัตร 1101700203451 โทร 081-234-5678")
'บัตร 1-XXXX-XXXXX-45-1 โทร 08X-XXX-X678'
"""

from __future__ import annotations

import logging
import re

# 13-digit Thai citizen ID, with or without the usual dashes/spaces (1-2345-67890-12-3).
_CITIZEN_ID = re.compile(r"(?<!\d)(\d)[- ]?\d{4}[- ]?\d{5}[- ]?(\d{2})[- ]?(\d)(?!\d)")
# Thai phone numbers: mobile 0[689]x-xxx-xxxx, landline 0x-xxx-xxxx; +66 forms.
_PHONE = re.compile(r"(?<![\d])(?:\+66[- ]?|0)(\d)[\d -]{4,10}(\d{3})(?!\d)")


def mask(text: str) -> str:
    """Return ``text`` with citizen IDs and phone numbers masked."""
    text = _CITIZEN_ID.sub(lambda m: f"{m[1]}-XXXX-XXXXX-{m[2]}-{m[3]}", text)
    return _PHONE.sub(lambda m: f"0{m[1]}X-XXX-X{m[2]}", text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(level: int = logging.INFO) -> None:
    """Configure root logging for an app process with personal data masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
