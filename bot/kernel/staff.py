"""The one check for agency staff APIs: ``Authorization: Bearer <STAFF_TOKEN>``.

Skills' web modules call it and answer in their own words: 503 when no staff token is
configured (the API is off), 401 when the header does not carry it.

>>> refusal("s3cret", "Bearer s3cret") is None
True
>>> refusal("", "Bearer anything"), refusal("s3cret", "s3cret")
('not_configured', 'unauthorized')
"""

from __future__ import annotations

import hmac

NOT_CONFIGURED, UNAUTHORIZED = "not_configured", "unauthorized"


def refusal(staff_token: str, authorization: str | None) -> str | None:
    """``None`` if ``authorization`` is the configured staff token, else why it is refused."""
    if not staff_token:
        return NOT_CONFIGURED
    # aiohttp keeps undecodable header bytes as surrogates: encode them back, never fail
    given = (authorization or "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, f"Bearer {staff_token}".encode()):
        return UNAUTHORIZED
    return None
