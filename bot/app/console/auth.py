"""Staff sign-in: argon2id password hashes, signed session cookies, CSRF tokens, login
throttling and the audit log.

A session is a cookie ``console_session`` = ``<payload>.<HMAC-SHA256>`` signed with the
app's ``SECRET_KEY``; the payload holds the user id, a random session nonce and the expiry.
The CSRF token of a session is an HMAC of its nonce: every console form carries it and every
POST is refused without it. Cookies are HttpOnly, SameSite=Strict, and Secure when the app is
reached over https (``PUBLIC_BASE_URL``).

>>> signer = Signer("k")
>>> cookie = signer.cookie(7, now=1000.0)
>>> signer.read(cookie, now=1001.0).user_id
7
>>> signer.read(cookie + "x", now=1001.0) is None, signer.read(cookie, now=10**9) is None
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.app.console.models import LoginFailure, StaffAudit, StaffUser
from bot.kernel.db import utcnow

COOKIE = "console_session"
SESSION_SECONDS = 8 * 3600  # one shift
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
_hasher = PasswordHasher()  # argon2id, the library's memory-hard defaults
# Verified when the user does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_ok(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class StaffSession:
    user_id: int
    nonce: str
    expires: float


class Signer:
    """Signs and reads session cookies and derives CSRF tokens from ``secret``."""

    def __init__(self, secret: str) -> None:
        self.key = hashlib.sha256(f"console:{secret}".encode()).digest()

    def mac(self, text: str) -> str:
        return _b64(hmac.new(self.key, text.encode(), hashlib.sha256).digest())

    def cookie(self, user_id: int, now: float | None = None) -> str:
        now = time.time() if now is None else now
        payload = _b64(json.dumps({"u": user_id, "n": secrets.token_urlsafe(16),
                                   "e": now + SESSION_SECONDS}).encode())
        return f"{payload}.{self.mac(payload)}"

    def read(self, cookie: str | None, now: float | None = None) -> StaffSession | None:
        """The session in ``cookie``, or None when absent, forged, malformed or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac.encode("utf-8", "surrogateescape"),
                                   self.mac(payload).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
            found = StaffSession(int(data["u"]), str(data["n"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        now = time.time() if now is None else now
        return found if found.expires > now else None

    def csrf(self, session: StaffSession) -> str:
        return self.mac(f"csrf:{session.nonce}")

    def csrf_ok(self, session: StaffSession, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(
            token.encode("utf-8", "surrogateescape"), self.csrf(session).encode())


def throttled(session: Session, username: str, address: str) -> bool:
    """Too many recent wrong passwords for this user name or from this address."""
    since = utcnow() - THROTTLE_WINDOW

    def count(key: str) -> int:
        return session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.key == key, LoginFailure.at >= since)) or 0

    return (count(f"user:{username.lower()}") >= MAX_FAILURES_PER_USER
            or count(f"addr:{address}") >= MAX_FAILURES_PER_ADDRESS)


def note_failure(session: Session, username: str, address: str) -> None:
    session.add_all([LoginFailure(key=f"user:{username.lower()[:100]}"),
                     LoginFailure(key=f"addr:{address[:100]}")])
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - THROTTLE_WINDOW))


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active user with this name and password, else None (same cost either way)."""
    user = session.scalars(select(StaffUser).where(
        func.lower(StaffUser.username) == username.lower())).first()
    if user is None or not user.active:
        password_ok(_DUMMY, password)
        return None
    return user if password_ok(user.password_hash, password) else None


def audit(session: Session, user: StaffUser | None, action: str, target: str = "",
          detail: str = "", address: str = "", username: str = "") -> None:
    """Record one staff action in the caller's transaction."""
    session.add(StaffAudit(user_id=user.id if user else None,
                           username=(user.username if user else username)[:64],
                           action=action[:32], target=target[:64], detail=detail[:2000],
                           address=address[:64]))


def create_user(session: Session, username: str, password: str, role: str,
                display_name: str = "", services: list[str] | None = None) -> StaffUser:
    user = StaffUser(username=username, display_name=display_name or username,
                     password_hash=hash_password(password), role=role,
                     services=list(services or []), active=True)
    session.add(user)
    session.flush()
    return user
