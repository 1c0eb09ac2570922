"""The engine's entry point: Rasa's server with masked logs and the token from the environment.

    ENGINE_TOKEN=... python -m bot.engine.serve --model models/x.tar.gz --interface 127.0.0.1 \\
        --port 5005 --endpoints endpoints.yml --credentials credentials.yml

It serves what ``rasa run --enable-api --auth-token …`` serves, with three differences:

- the token comes from ``ENGINE_TOKEN`` (the process refuses to start without it), so no
  secret is on the command line for ``ps`` to show;
- every log line — Rasa's, Sanic's, TensorFlow's, structlog's, Python warnings (Rasa's
  warning about an unparsable ``/intent{…}`` message quotes the user's text) and uncaught
  tracebacks — goes through :class:`bot.kernel.privacy.MaskingFormatter`: phone numbers, citizen IDs
  and secrets are masked; other libraries' deprecation warnings are hidden (``LOG_LEVEL``,
  default INFO, changes the level; DEBUG shows them);
- files it creates (the SQLite tracker store) are readable by this user only (umask 077).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from bot.kernel import privacy

# Quiet, private defaults; the environment may override them.
ENV_DEFAULTS = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ start-up notices (not Python logging)
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "LOG_LEVEL_LIBRARIES": "ERROR",  # Rasa's level for Sanic, TensorFlow, asyncio, …
}

log = logging.getLogger("bot.engine.serve")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: the parts of ``rasa run`` the project uses."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.engine.serve",
        description="Rasa server with the HTTP API on, token from ENGINE_TOKEN, masked logs.")
    parser.add_argument("--model", required=True, help="trained model (.tar.gz)")
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("--response-timeout", type=int, default=None,
                        help="seconds to wait for a reply (Rasa's default if unset)")
    return parser.parse_args(argv)


def configure_logging(level: int) -> None:
    """Route Rasa's, Sanic's, TensorFlow's and structlog's output through the masking handler.

    Rasa's own set-up (``rasa.__main__``) would add coloredlogs' handler to the root logger and
    give Sanic and TensorFlow loggers that bypass it; here Rasa sets its levels and warning
    filters, then :func:`bot.kernel.privacy.install` takes every logger over.
    """
    import rasa.utils.common as rasa_common
    from rasa.utils.log_utils import configure_structlog

    rasa_common.configure_logging_and_warnings(
        level, None, warn_only_once=True, filter_repeated_logs=False)
    handler = privacy.install(level)
    handler.addFilter(rasa_common.RepeatedLogFilter())
    configure_structlog(level)
    _structlog_keeps_thai()
    # serve_application() sets Sanic's loggers not to propagate just before serving: take
    # them over again right after, or Sanic's errors would print unmasked (Python's
    # last-resort handler) or not at all.
    sanic_levels = rasa_common.update_sanic_log_level

    def update_sanic_log_level(*args, **kwargs):
        sanic_levels(*args, **kwargs)
        privacy.adopt()

    rasa_common.update_sanic_log_level = update_sanic_log_level
    _keep_root_logger(level)


def _keep_root_logger(level: int) -> None:
    """Keep the root logger a plain logger at ``level`` for the life of the process.

    While the model loads, skops walks scikit-learn's packages and so imports
    ``numpy.distutils.log``, which turns the root logger into distutils' ``Log``: its records
    (Rasa's "Rasa server is up and running", any ``logging.info(...)``) would be printed raw,
    unmasked, and the level set to WARNING. Import it now, once, and undo both.
    """
    import warnings

    with warnings.catch_warnings(), contextlib.suppress(ImportError):
        warnings.simplefilter("ignore")
        import numpy.distutils.log  # noqa: F401  (gone in numpy 2: nothing to undo)

    root = logging.getLogger()
    root.__class__ = logging.RootLogger
    root.setLevel(level)
    root.setLevel = lambda _level: None  # distutils' set_threshold() must not change it again


def _structlog_keeps_thai() -> None:
    """Render structlog's JSON with Thai characters as they are.

    Rasa renders structlog events as JSON with ``\\uXXXX`` escapes when not on a terminal;
    a phone number in Thai digits would then pass the masking unrecognised.
    """
    import structlog

    processors = list(structlog.get_config()["processors"])
    if processors and isinstance(processors[-1], structlog.processors.JSONRenderer):
        processors[-1] = structlog.processors.JSONRenderer(ensure_ascii=False)
        structlog.configure(processors=processors)


def main(argv: list[str] | None = None) -> int:
    """Start the engine; returns when the server stops."""
    os.umask(0o077)  # the tracker database and anything else written: this user only
    args = parse_args(argv)
    token = os.environ.get("ENGINE_TOKEN", "").strip()
    if not token:
        raise SystemExit("ENGINE_TOKEN must be set: the engine refuses to run open")
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    level = privacy.log_level()
    # Before Rasa and TensorFlow are imported: their import-time warnings are logged (masked)
    # and library deprecation warnings filtered from the start.
    privacy.install(level)
    import sanic.app  # noqa: F401  (on import, Sanic asks to see every DeprecationWarning once)
    import skops.io  # noqa: F401  (loads the classifier; walks every loaded module on import:
    # before Rasa and TensorFlow are, it takes seconds, not half the start; bench/README.md)

    privacy.quiet_warnings(level)  # … which the libraries imported next would flood
    import rasa.api
    import rasa.core.run
    import rasa.server  # noqa: F401  (imports Sanic, which sets a warnings filter of its own)
    from rasa.utils.tensorflow import environment as tf_env

    configure_logging(level)
    tf_env.setup_tf_environment()
    sys.path.insert(1, os.getcwd())  # as `rasa run` does: custom components and channels

    extra = {} if args.response_timeout is None else {"response_timeout": args.response_timeout}
    rasa.api.run(model=args.model, endpoints=args.endpoints, credentials=args.credentials,
                 enable_api=True, auth_token=token, interface=args.interface, port=args.port,
                 **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
