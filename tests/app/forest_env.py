"""Shared setup for the forest skill's app tests: a migrated database with stations, the
skill's web routes on a real loopback server, a real Mosquitto broker, PostgreSQL if it answers."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.kernel.db import session_factory, upgrade
from bot.kernel.settings import Settings
from skills.forest import pilot

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)  # 13:00 in Thailand, the dry season


@dataclass
class Station:
    thing_id: int
    streams: dict[str, int]
    secret: str


def make_settings(var: Path, **extra: str) -> Settings:
    env = {"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
           "SECRET_KEY": "test-secret", "PUBLIC_BASE_URL": "http://127.0.0.1:9", **extra}
    s = Settings.from_env(env)
    upgrade(s.database_url)
    return s


def add_station(url: str, name: str, lat: float = 18.85, lon: float = 98.92,
                props=pilot.ALL, interval_s: int = 600) -> Station:
    with session_factory(url).begin() as session:
        thing, streams, secret = pilot.register(
            session, pilot.Station(name, lat, lon, 1000, tuple(props)), interval_s=interval_s,
            source="test")
        return Station(thing.id, streams, secret)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mosquitto():
    """``mqtt://127.0.0.1:<port>``: the broker on 1883 when it answers, else our own Mosquitto
    (Debian's package installed with apt-get when missing and we are root)."""
    if _answers("127.0.0.1", 1883):
        yield "mqtt://127.0.0.1:1883"
        return
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists() and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "mosquitto"], check=False,
                       capture_output=True)
    if not Path(binary).exists():
        pytest.skip("no MQTT broker on 1883 and Mosquitto could not be installed")
    port = _free_port()
    proc = subprocess.Popen([binary, "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if _answers("127.0.0.1", port):
                break
            time.sleep(0.1)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(5)


@contextmanager
def postgres_url():
    """A fresh PostgreSQL database (dropped after) when the server lets ``postgres`` in."""
    psycopg = pytest.importorskip("psycopg")
    admin = os.environ.get("TEST_POSTGRES_ADMIN_URL") or "host=127.0.0.1 port=5432 user=postgres"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL does not answer: {exc}")
    name = f"forest_test_{secrets.token_hex(4)}"
    info = conn.info.get_parameters()
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        user = info.get("user", "postgres")
        password = conn.info.password
        auth = user + (f":{password}" if password else "")
        yield f"postgresql+psycopg://{auth}@{conn.info.host}:{conn.info.port}/{name}"
    finally:
        from bot.kernel.db import engine_for
        engine_for.cache_clear()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
