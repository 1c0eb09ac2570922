"""The real servers tests need: the machine's own when it answers, else one of our own.

PostgreSQL: the server at 127.0.0.1:5432 when the ``postgres`` role gets in (or
``TEST_POSTGRES_ADMIN_URL``); otherwise a private one made with initdb and pg_ctl in a
temporary directory. Redis: the server at 127.0.0.1:6379 when it answers PING (or
``TEST_REDIS_URL``); otherwise ``redis-server`` on a free port, keeping nothing on disk.
A missing Debian package (``postgresql``, ``redis-server``) is installed with apt-get when
the tests run as root or with password-less sudo; otherwise the caller is told why not.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bot.tools.stack import free_port


class Unavailable(RuntimeError):
    """No such server answers here and none can be started (the message says why)."""


def install_debian_package(package: str) -> None:
    """``apt-get install package``; raise ``Unavailable`` saying why when it cannot be."""
    if not shutil.which("apt-get"):
        raise Unavailable(f"{package} is not installed and there is no apt-get to install it")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not (shutil.which("sudo") and subprocess.run(
                ["sudo", "-n", "true"], capture_output=True).returncode == 0):
            raise Unavailable(f"{package} is not installed and installing it needs root")
        prefix = ["sudo", "-n"]
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]):
        done = subprocess.run(prefix + ["env", "DEBIAN_FRONTEND=noninteractive", *cmd],
                              capture_output=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise Unavailable(f"`{' '.join(cmd)}` failed: {done.stderr.decode()[-300:]}")


# --- PostgreSQL ---------------------------------------------------------------------------

def _pg_can_connect(conninfo: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _pg_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if PostgreSQL's server programs are here."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


class PrivatePostgres:
    """A PostgreSQL server of our own on a free loopback port, in a temporary directory;
    ``conninfo`` is its admin connection. ``restart()`` stops and starts it (fault tests)."""

    def __init__(self) -> None:
        bindir = _pg_binaries()
        if bindir is None:
            install_debian_package("postgresql")
            bindir = _pg_binaries()
            if bindir is None:
                raise Unavailable("initdb not found after installing postgresql")
        self.bindir, self.run_as, owner = bindir, [], getpass.getuser()
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the package's own user
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                raise Unavailable("running as root and there is no `postgres` user to run as")
            self.run_as, owner = ["runuser", "-u", "postgres", "--"], "postgres"
        self.home = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.home / "data"
        if self.run_as:
            shutil.chown(self.home, user="postgres")
        self.port = free_port()
        self.conninfo = f"host=127.0.0.1 port={self.port} user={owner} dbname=postgres"
        subprocess.run([*self.run_as, str(bindir / "initdb"), "-D", str(self.data), "-U", owner,
                        "--auth=trust", "-E", "UTF8", "--no-locale"],
                       check=True, capture_output=True)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                       check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("-w", "-l", str(self.home / "server.log"), "-o",
                  f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                        "fast", "stop"], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[str]:
    """A PostgreSQL server of our own on a free loopback port; yields its admin conninfo."""
    with own_postgres() as server:
        yield server.conninfo


@contextlib.contextmanager
def _started(server):
    """``server`` started, and removed (stopped, its files deleted) afterwards."""
    try:
        server.start()
        yield server
    finally:
        server.remove()


def own_postgres() -> contextlib.AbstractContextManager[PrivatePostgres]:
    """A started ``PrivatePostgres``, removed afterwards."""
    return _started(PrivatePostgres())


@contextlib.contextmanager
def postgres_admin() -> Iterator[str]:
    """Admin conninfo of a PostgreSQL server: the machine's, else a private one."""
    admin = os.environ.get("TEST_POSTGRES_ADMIN_URL") or "host=127.0.0.1 port=5432 user=postgres"
    if _pg_can_connect(admin):
        yield admin
    else:
        with private_postgres() as own:
            yield own


@contextlib.contextmanager
def postgres_database(admin: str, prefix: str = "bot_test_") -> Iterator[dict[str, str]]:
    """A new empty database with a random name, dropped afterwards. Yields its URLs: ``app``
    (SQLAlchemy 2 with psycopg 3, the app's) and ``engine`` (psycopg2, Rasa's)."""
    import psycopg

    info = psycopg.conninfo.conninfo_to_dict(admin)
    name = prefix + secrets.token_hex(6)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    auth = info.get("user", "postgres") + (f":{info['password']}" if info.get("password") else "")
    where = f"{auth}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"
    try:
        yield {"app": f"postgresql+psycopg://{where}", "engine": f"postgresql://{where}",
               "name": name}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Redis --------------------------------------------------------------------------------

def redis_ping(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when a Redis server answers PING at host:port (plain RESP, no client library)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class PrivateRedis:
    """``redis-server`` of our own on a free loopback port, keeping nothing on disk;
    ``restart()`` stops and starts it on the same port (fault tests)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            install_debian_package("redis-server")
            binary = shutil.which("redis-server")
            if binary is None:
                raise Unavailable("redis-server not found after installing it")
        self.binary, self.port = binary, free_port()
        self.home = Path(tempfile.mkdtemp(prefix="redistest-"))
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.home)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not redis_ping("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise Unavailable(f"redis-server did not start (exit code {self.proc.poll()})")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def own_redis() -> contextlib.AbstractContextManager[PrivateRedis]:
    """A started ``PrivateRedis``, removed afterwards."""
    return _started(PrivateRedis())


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, int]]:
    """(host, port) of a Redis server: the machine's, else ``redis-server`` of our own."""
    host, port = "127.0.0.1", 6379
    if os.environ.get("TEST_REDIS_URL"):
        from urllib.parse import urlsplit

        parts = urlsplit(os.environ["TEST_REDIS_URL"])
        host, port = parts.hostname or host, parts.port or port
    if redis_ping(host, port):
        yield host, port
        return
    with own_redis() as server:
        yield "127.0.0.1", server.port
