"""Masking of personal data (citizen IDs, phone numbers) and secrets before anything is logged.

>>> mask("บัตร 1101700203451 โทร 081-234-5678")
'บัตร 1-XXXX-XXXXX-45-1 โทร 08X-XXX-X678'
>>> mask("โทร ๐๘๑-๒๓๔-๕๖๗๘ บัตร ๑๑๐๑๗๐๐๒๐๓๔๕๑")
'โทร 08X-XXX-X678 บัตร 1-XXXX-XXXXX-45-1'
>>> mask("081.234.5678 / 02.123.4567 / 02 123 4567")
'08X-XXX-X678 / 02X-XXX-X567 / 02X-XXX-X567'
>>> mask("66812345678, 66 81 234 5678, +66 (0)81 234 5678")
'08X-XXX-X678, 08X-XXX-X678, 08X-XXX-X678'
>>> mask("1.1017.00203.45.1 และ 1 1017 00203 45 1")
'1-XXXX-XXXXX-45-1 และ 1-XXXX-XXXXX-45-1'

Ordinary figures stay readable: amounts, dates, sizes, vest codes, case and bill numbers.

>>> mask("1,500 บาท 2567-01-15 120x240 วินรหัส 2998-5002 MT-2567-000123 H-000042 ST66100000123")
'1,500 บาท 2567-01-15 120x240 วินรหัส 2998-5002 MT-2567-000123 H-000042 ST66100000123'

Every process logs through :func:`install`: one handler whose :class:`MaskingFormatter` masks
the whole formatted record (message, arguments, traceback, stack) and the values of the secret
environment variables. This module uses only the standard library: both runtimes import it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import warnings

# Arabic and Thai digits; one optional separator between digits (dash, dot, space).
_D = "[0-9\u0e50-\u0e59]"
_S = "[-. \u00a0]?"
# Not inside a longer number, a decimal fraction or a Latin code (bill "ST66…", "DEMO01…").
_START = rf"(?<!{_D})(?<!{_D}[.,])(?<![A-Za-z])"
_END = rf"(?!{_D})"
# 13-digit Thai citizen ID, plain or grouped (1-1017-00203-45-1, dots or spaces).
_CITIZEN_ID = re.compile(rf"{_START}{_D}(?:{_S}{_D}){{12}}{_END}")
# Thai phone numbers: the international form +66 / 66 with an optional "(0)" and 8-9 digits,
# or 0X then 7-8 digits (landline 02-123-4567, mobile 081-234-5678).
_NZ = "[1-9\u0e51-\u0e59]"
_PHONE = re.compile(
    rf"{_START}(?:\+66|[6\u0e56]{{2}}){_S}(?:\(0\){_S})?{_NZ}(?:{_S}{_D}){{7,8}}{_END}"
    rf"|{_START}[0\u0e50]{_NZ}(?:{_S}{_D}){{7,8}}{_END}")
# Terminal colours (Rasa colours its warnings): plain text in logs and log files.
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Environment variables whose values never appear in a log (when at least 8 characters long).
SECRET_VARIABLES = (
    "ENGINE_TOKEN", "ACTION_TOKEN", "SECRET_KEY", "PAYMENT_CALLBACK_SECRET",
    "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "MESSENGER_APP_SECRET",
    "MESSENGER_PAGE_TOKEN", "MESSENGER_VERIFY_TOKEN",
)
SECRET_MIN_LENGTH = 8
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Warnings from these packages are ours and always shown; other libraries' deprecation
# notices are noise for whoever runs the service.
OWN_MODULES = r"(bot|skills|actions|tests)(\.|$)"


def _digits(text: str) -> str:
    return "".join(c for c in text.translate(_THAI_DIGITS) if c.isdigit())


def _citizen_id(m: re.Match) -> str:
    d = _digits(m[0])
    return f"{d[0]}-XXXX-XXXXX-{d[-3:-1]}-{d[-1]}"


def _phone(m: re.Match) -> str:
    text = m[0].translate(_THAI_DIGITS).replace("(0)", "")
    d = _digits(text)
    national = d[2:] if text.startswith(("+66", "66")) else d[1:]
    return f"0{national[0]}X-XXX-X{d[-3:]}"


def mask(text: str) -> str:
    """Return ``text`` with citizen IDs and phone numbers masked (Thai digits too)."""
    return _PHONE.sub(_phone, _CITIZEN_ID.sub(_citizen_id, text))


def secret_values(env: dict[str, str] | None = None) -> list[str]:
    """The values of the secret environment variables long enough to recognise, longest first."""
    env = os.environ if env is None else env
    values = {env.get(name, "").strip() for name in SECRET_VARIABLES}
    return sorted((v for v in values if len(v) >= SECRET_MIN_LENGTH), key=len, reverse=True)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Return ``text`` with the given secrets replaced by ``[secret]`` and personal data masked."""
    for value in secrets:
        text = text.replace(value, "[secret]")
    return mask(text)


class MaskingFormatter(logging.Formatter):
    """Formats a record as usual, then masks the whole output.

    The output includes the message with its arguments, the exception traceback and the stack,
    so a phone number inside an exception's text is masked as well as one in the message.
    Colour codes are dropped and other terminal escapes made visible.
    Secrets are read from the environment when the formatter is made (pass ``secrets`` to
    choose them).
    """

    def __init__(self, fmt: str | None = FORMAT, datefmt: str | None = None,
                 secrets: list[str] | None = None) -> None:
        super().__init__(fmt, datefmt)
        self.secrets = secret_values() if secrets is None else list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        text = _COLOUR.sub("", super().format(record))
        # Any other escape sequence came from outside (a user's text): shown, not obeyed.
        return redact(text.replace("\x1b", "\\x1b"), self.secrets)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's message.

    Kept for handlers that are not ours; it cannot see tracebacks, so processes use
    :func:`install` (a :class:`MaskingFormatter`) instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _MaskingHandler(logging.StreamHandler):
    """The one console handler of a process (marked so that :func:`adopt` keeps it)."""


def log_level(env: dict[str, str] | None = None) -> int:
    """The level named by ``LOG_LEVEL`` (default INFO; an unknown name also gives INFO)."""
    name = (os.environ if env is None else env).get("LOG_LEVEL", "INFO").strip().upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.INFO


def install(level: int | None = None, stream=None) -> logging.Handler:
    """Configure logging for this process: every record goes through one masking handler.

    Safe to call again after a library configured loggers of its own (Sanic, Rasa,
    TensorFlow): their handlers are removed and their records reach the masking handler
    instead, so nothing is printed unmasked and nothing twice. Python warnings become log
    records; other libraries' deprecation warnings are hidden unless ``LOG_LEVEL=DEBUG``.
    Uncaught exceptions are logged (masked) too.
    """
    level = log_level() if level is None else level
    handler = _MaskingHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(MaskingFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # When no handler is found (a logger that does not propagate), this one is used.
    last_resort = _MaskingHandler(handler.stream)
    last_resort.setFormatter(handler.formatter)
    last_resort.setLevel(logging.WARNING)
    logging.lastResort = last_resort
    adopt()
    logging.captureWarnings(True)
    quiet_warnings(level)
    _log_uncaught()
    return handler


def adopt() -> None:
    """Send every existing logger's records to the root's masking handler.

    Libraries attach their own console handlers (Sanic's dictConfig) or stop propagation
    (Rasa for Sanic and TensorFlow): handlers that are not ours are removed and propagation
    is restored. Levels set by the libraries are kept.
    """
    for logger in list(logging.root.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue
        logger.handlers[:] = [h for h in logger.handlers if isinstance(h, _MaskingHandler)]
        logger.propagate = True


def quiet_warnings(level: int) -> None:
    """Hide other libraries' deprecation and future warnings unless debugging.

    Explicit ``-W`` options or ``PYTHONWARNINGS`` win: then nothing is changed.
    """
    if sys.warnoptions or level <= logging.DEBUG:
        return
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
        warnings.filterwarnings("default", category=category, module=OWN_MODULES)


def _log_uncaught() -> None:
    """Log uncaught exceptions through the masking handler instead of raw stderr."""
    log = logging.getLogger("uncaught")

    def excepthook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, value, tb))

    def thread_excepthook(args):
        if args.exc_type is SystemExit:
            return
        log.critical("uncaught exception in thread %s",
                     getattr(args.thread, "name", "?"),
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
