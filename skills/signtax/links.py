"""Signed, expiring links to a bill's page and QR image and to a receipt.

A link carries ``t=<expiry>.<hmac>``: the expiry (Unix seconds) and a MAC over the kind, the
document number and that expiry, so nobody can guess another person's bill or stretch a link
past its lifetime. An expired link is told apart from a forged one, so the page can say how
to get a new link (ask the chat again) instead of "not found".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

LINK_LIFETIME_DAYS = 90  # bills and receipts: long enough to print, short enough to retire
LIFETIME_SECONDS = LINK_LIFETIME_DAYS * 24 * 3600
OK, BAD, EXPIRED = "ok", "bad", "expired"
_TOKEN = re.compile(r"([0-9]{1,12})\.([0-9a-f]{32})")
_LEGACY = re.compile(r"[0-9a-f]{32}")  # tokens from before links expired


def _mac(secret_key: str, kind: str, ident: str, expiry: int) -> str:
    return hmac.new(secret_key.encode(), f"signtax:{kind}:{ident}:{expiry}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def token(secret_key: str, kind: str, ident: str, now: float | None = None,
          lifetime: int = LIFETIME_SECONDS) -> str:
    """``<expiry>.<hmac>`` for ``kind`` (``bill`` or ``receipt``) and ``ident``, valid for
    ``lifetime`` seconds from ``now`` (Unix seconds; the clock when omitted)."""
    expiry = int(time.time() if now is None else now) + int(lifetime)
    return f"{expiry}.{_mac(secret_key, kind, ident, expiry)}"


def check(secret_key: str, kind: str, ident: str, given: str | None,
          now: float | None = None) -> str:
    """``OK``, ``EXPIRED`` (genuine but past its expiry, or an old link without one) or
    ``BAD`` (missing, malformed, forged, for another document). Never raises."""
    if not given or not isinstance(given, str) or len(given) > 64:
        return BAD
    m = _TOKEN.fullmatch(given)
    if m is None:
        # Links sent before expiry existed carry a bare 32-hex MAC: send the reader for a
        # fresh link rather than saying the document does not exist.
        return EXPIRED if _LEGACY.fullmatch(given) else BAD
    expiry, mac = int(m.group(1)), m.group(2)
    # Both sides are ASCII by the pattern above; compare bytes all the same.
    if not hmac.compare_digest(_mac(secret_key, kind, ident, expiry).encode(), mac.encode()):
        return BAD
    if expiry <= (time.time() if now is None else now):
        return EXPIRED
    return OK


def valid(secret_key: str, kind: str, ident: str, given: str | None,
          now: float | None = None) -> bool:
    """True when ``given`` is a genuine, unexpired token for this document."""
    return check(secret_key, kind, ident, given, now) == OK


def bill_url(base: str, secret_key: str, bill_number: str, now: float | None = None) -> str:
    """The bill's printable page."""
    return f"{base}/signtax/bills/{bill_number}?t={token(secret_key, 'bill', bill_number, now)}"


def bill_qr_url(base: str, secret_key: str, bill_number: str, now: float | None = None) -> str:
    """The bill's PromptPay QR image."""
    return (f"{base}/signtax/bills/{bill_number}/qr.png"
            f"?t={token(secret_key, 'bill', bill_number, now)}")


def receipt_url(base: str, secret_key: str, number: str, now: float | None = None) -> str:
    """The receipt's printable page."""
    return f"{base}/signtax/receipts/{number}?t={token(secret_key, 'receipt', number, now)}"
