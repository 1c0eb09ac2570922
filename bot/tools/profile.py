"""The production profile on one machine: what it needs, checked before anything starts.

``PROFILE=production make run`` (or ``make run PROFILE=production``) runs several engines
sharing the tracker store on PostgreSQL and Rasa's lock store on Redis, several action-server
workers on one port, several web apps on the app database on PostgreSQL (sharing rate limits
and live-stream wake-ups in Redis), and nginx in front of the web apps. Every missing piece is
named at once, with what to set or install, before any process starts::

    problems = missing(os.environ)       # [] when the profile can start
    options = stack_options(os.environ)  # Stack(**options): ports of the extra processes
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

from bot.tools import balancer

PROFILES = ("single", "production")


def _postgres_answers(url: str) -> str | None:
    """None when PostgreSQL at ``url`` lets us in, else why not."""
    import psycopg
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    try:
        with psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                             user=parsed.username, password=parsed.password,
                             dbname=parsed.database, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = s.recv(64)
    except OSError:
        return False
    # a password-protected Redis answers NOAUTH: it is there (Rasa sends REDIS_PASSWORD)
    return reply.startswith((b"+PONG", b"-NOAUTH"))


def missing(env: Mapping[str, str]) -> list[str]:
    """What the production profile lacks here, each with what to do about it."""
    problems = []
    for name, example in (("DATABASE_URL", "postgresql+psycopg://bot@127.0.0.1:5432/bot"),
                          ("TRACKER_URL", "postgresql://bot@127.0.0.1:5432/bot_tracker")):
        url = env.get(name, "")
        if not url.startswith("postgresql"):
            problems.append(f"{name} must name a PostgreSQL database, e.g. {example}")
            continue
        why = _postgres_answers(url)
        if why:
            problems.append(f"{name}: PostgreSQL does not let us in ({why}); create the "
                            f"database and the user, or correct the URL")
    host, port = env.get("REDIS_HOST") or "127.0.0.1", int(env.get("REDIS_PORT") or 6379)
    if not _redis_answers(host, port):
        problems.append(f"Redis (Rasa's lock store) does not answer at {host}:{port}: start "
                        f"it (apt-get install redis-server) or set REDIS_HOST and REDIS_PORT")
    try:
        balancer.binary()
    except balancer.Missing as exc:
        problems.append(str(exc))
    for name in ("ENGINES", "WEB_APPS", "ACTION_WORKERS"):
        value = env.get(name, "2")
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 16:
            problems.append(f"{name} must be a number from 1 to 16 (it is {value!r})")
    if not env.get("SECRET_KEY"):
        problems.append("SECRET_KEY must be set: every web app signs and checks links with it")
    return problems


def stack_options(env: Mapping[str, str]) -> dict:
    """Ports of the extra processes: engines after ENGINE_PORT, web apps after APP_PORT
    (where the load balancer listens); how many action-server workers share ACTION_PORT."""
    engine_port = int(env.get("ENGINE_PORT", "5005"))
    app_port = int(env.get("APP_PORT", "8080"))
    engines, webs = int(env.get("ENGINES", "2")), int(env.get("WEB_APPS", "2"))
    return {"engine_port": engine_port,
            "more_engines": [engine_port + n for n in range(1, engines)],
            "app_port": app_port + 1,
            "more_webs": [app_port + n for n in range(2, webs + 1)],
            "balancer_port": app_port,
            "action_workers": int(env.get("ACTION_WORKERS", "2"))}

