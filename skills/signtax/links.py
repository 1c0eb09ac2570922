"""Signed links to a bill's page and QR image and to a receipt (no guessing other people's)."""

from __future__ import annotations

import hashlib
import hmac


def token(secret_key: str, kind: str, ident: str) -> str:
    """A short HMAC of ``kind:ident``; ``kind`` is ``bill`` or ``receipt``."""
    return hmac.new(secret_key.encode(), f"signtax:{kind}:{ident}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def valid(secret_key: str, kind: str, ident: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(token(secret_key, kind, ident), given)


def bill_url(base: str, secret_key: str, bill_number: str) -> str:
    return f"{base}/signtax/bills/{bill_number}?t={token(secret_key, 'bill', bill_number)}"


def bill_qr_url(base: str, secret_key: str, bill_number: str) -> str:
    return f"{base}/signtax/bills/{bill_number}/qr.png?t={token(secret_key, 'bill', bill_number)}"


def receipt_url(base: str, secret_key: str, number: str) -> str:
    return f"{base}/signtax/receipts/{number}?t={token(secret_key, 'receipt', number)}"
