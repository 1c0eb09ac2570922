"""Start and stop the product's processes: action server, Rasa engine, app web server.

Used by the run command (``bot.tools.run``) and by the system tests, so tests exercise the same
processes, flags and configuration a user gets. No secret is put on a command line (``ps``
shows those to every user): tokens travel in the environment. Every process creates its
files readable by its owner only (umask 077): databases and the tracker hold conversations.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PYTHON = ROOT / ".venv-engine" / "bin" / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
ENGINE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
              "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONUNBUFFERED": "1"}


# The values endpoints.yml reads besides the ports, tokens and the tracker's file: a whole
# tracker URL (empty: the file), and the lock store (in memory: right for one engine only).
ENDPOINT_DEFAULTS = {"TRACKER_URL": "", "LOCK_STORE": "in_memory", "REDIS_HOST": "127.0.0.1",
                     "REDIS_PORT": "6379", "REDIS_LOCK_DB": "1", "REDIS_PASSWORD": "",
                     "LOCK_KEY_PREFIX": "govbot"}

UMASK = 0o077  # state files 0600, state directories 0700


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a listening TCP socket on ``port`` (Linux ``/proc``):
    the action workers share one port, so its answering says nothing about one of them."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    with contextlib.suppress(OSError):
        for fd in os.scandir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(fd.path) in inodes:
                    return True
    return False


def build_model(config: Path = ROOT / "config.yml", quiet: bool = False) -> Path:
    """Train the model if it is missing or stale (engine runtime); return its path.
    ``quiet``: without the libraries' warnings (the run command's console is for people)."""
    env = {**os.environ, **ENGINE_ENV, **({"PYTHONWARNINGS": "ignore"} if quiet else {})}
    subprocess.run([str(ENGINE_PYTHON), "-m", "bot.tools.build", "--config", str(config)],
                   cwd=ROOT, env=env, check=True)
    info = json.loads((ROOT / "var" / "build" / f"{config.stem}.json").read_text())
    return Path(info["model"])


@dataclass
class Stack:
    """The three processes and the environment they share."""

    model: Path
    var_dir: Path = ROOT / "var"
    app_port: int = 8080
    engine_port: int = 5005
    action_port: int = 5055
    host: str = "127.0.0.1"
    log_dir: Path | None = None
    endpoints: str = "endpoints.yml"
    env: dict[str, str] = field(default_factory=dict)
    # The project the processes run from (its code, endpoints.yml, skills): another checkout,
    # such as the scaffold test's temporary copy, runs with the same virtual environments.
    root: Path = ROOT
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Scaled out on one machine (the production profile, docs/deployment.md): more engines
    # ("engine2", "engine3"… on these ports; the web apps take them all, in turn), more web
    # apps ("web2"… on these ports) and a load balancer (nginx, "balancer") on this port in
    # front of every web app. Several engines need the Redis lock store (LOCK_STORE=redis).
    more_engines: list[int] = field(default_factory=list)
    more_webs: list[int] = field(default_factory=list)
    balancer_port: int | None = None
    # Action-server workers ("actions", "actions2"…): separate processes on the one action
    # port (SO_REUSEPORT: the kernel spreads the engines' connections over them), each
    # supervised on its own, so that one that dies is one of M, restarted alone.
    action_workers: int = 1

    def __post_init__(self) -> None:
        self.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        base = {
            "VAR_DIR": str(self.var_dir),
            "ENGINE_TOKEN": os.environ.get("ENGINE_TOKEN") or secrets.token_urlsafe(24),
            "ACTION_TOKEN": os.environ.get("ACTION_TOKEN") or secrets.token_urlsafe(24),
            "APP_HOST": self.host, "APP_PORT": str(self.app_port),
            "ACTION_HOST": "127.0.0.1", "ACTION_PORT": str(self.action_port),
            "ACTION_WORKERS": str(self.action_workers),
            "ENGINE_URL": ",".join(f"http://127.0.0.1:{port}"
                                   for port in self.ports("engine").values()),
            "TRACKER_DIALECT": os.environ.get("TRACKER_DIALECT", "sqlite"),
            # The run's own conversations, in its own var dir (TRACKER_DB overrides it).
            "TRACKER_DB": os.environ.get("TRACKER_DB") or str(self.var_dir / "tracker.db"),
            # The rest of endpoints.yml: single-machine defaults (see there).
            **{key: os.environ.get(key) or default for key, default in ENDPOINT_DEFAULTS.items()},
            # The run command is a demonstration unless told otherwise: skills may seed
            # labelled synthetic records into empty tables. Production sets DEMO_DATA=0.
            "DEMO_DATA": os.environ.get("DEMO_DATA", "1"),
        }
        self.env = {**os.environ, **base, **self.env}

    def ports(self, kind: str) -> dict[str, int]:
        """The processes of one kind (``engine``, ``web``) by name, with their ports."""
        first, more = {"engine": (self.engine_port, self.more_engines),
                       "web": (self.app_port, self.more_webs)}[kind]
        return {kind: first, **{f"{kind}{n}": port for n, port in enumerate(more, 2)}}

    @property
    def front_port(self) -> int:
        """Where citizens' requests arrive: the load balancer, else the (one) web app."""
        return self.balancer_port or self.app_port

    @property
    def urls(self) -> dict[str, str]:
        return {"web chat": f"http://{self.host}:{self.front_port}/",
                "engine (token required)": f"http://127.0.0.1:{self.engine_port}/",
                "action server (token required)": f"http://127.0.0.1:{self.action_port}/"}

    def _spawn(self, name: str, cmd: list[str], extra_env: dict[str, str] | None = None) -> None:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            out = os.fdopen(os.open(self.log_dir / f"{name}.log",
                                    os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        self.procs[name] = subprocess.Popen(
            cmd, cwd=self.root, env={**self.env, **(extra_env or {})}, stdout=out,
            stderr=subprocess.STDOUT if out else None, start_new_session=True, umask=UMASK)
        if out is not None:
            out.close()  # the child has its own copy

    def start_actions(self, name: str = "actions") -> None:
        self._spawn(name, [str(APP_PYTHON), "-m", "bot.app.action_server"])

    def start_engine(self, name: str = "engine") -> None:
        # bot.engine.serve is `rasa run` with the HTTP API on and ENGINE_TOKEN read from the
        # environment, and Rasa's logging masked like ours.
        self._spawn(name, [
            str(ENGINE_PYTHON), "-m", "bot.engine.serve", "--model", str(self.model),
            "--interface", "127.0.0.1", "--port", str(self.ports("engine")[name]),
            "--endpoints", self.endpoints, "--credentials", "credentials.yml",
        ], ENGINE_ENV)

    def start_web(self, name: str = "web") -> None:
        env = {"APP_PORT": str(self.ports("web")[name])}
        if self.balancer_port and not os.environ.get("PUBLIC_BASE_URL"):
            env["PUBLIC_BASE_URL"] = f"http://{self.host}:{self.balancer_port}"
        self._spawn(name, [str(APP_PYTHON), "-m", "bot.app.web"], env)

    def start_balancer(self, name: str = "balancer") -> None:
        """nginx in front of every web app (Debian's ``nginx`` package), in the foreground,
        with its configuration, temporary files and logs under the var dir."""
        from bot.tools import balancer

        conf = balancer.write_config(self.var_dir / "balancer", self.host, self.balancer_port,
                                     list(self.ports("web").values()))
        self._spawn(name, [balancer.binary(), "-c", str(conf), "-p",
                           str(conf.parent), "-e", "stderr"])

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Block until every process answers its health check; raise if one dies."""
        token = self.env["ENGINE_TOKEN"]
        checks = {  # the action workers share one port: it answers once the first is up
            **{name: f"http://127.0.0.1:{self.action_port}/health"
               for name in self.action_names()},
            **{name: f"http://127.0.0.1:{port}/status?token={token}"
               for name, port in self.ports("engine").items()},
            **{name: f"http://{self.host}:{port}/healthz"
               for name, port in self.ports("web").items()},
        }
        if self.balancer_port:
            checks["balancer"] = f"http://{self.host}:{self.balancer_port}/healthz"
        deadline = time.monotonic() + timeout
        pending = {n: u for n, u in checks.items() if n in self.procs}
        while pending:
            for name, url in list(pending.items()):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with code {self.procs[name].returncode}")
                if name.startswith("actions") and not listens(self.procs[name].pid,
                                                              self.action_port):
                    continue
                try:
                    with urllib.request.urlopen(url, timeout=2) as resp:
                        if resp.status == 200:
                            del pending[name]
                except (urllib.error.URLError, OSError):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
            if pending:
                time.sleep(0.5)

    def action_names(self) -> list[str]:
        return ["actions", *(f"actions{n}" for n in range(2, self.action_workers + 1))]

    def names(self) -> list[str]:
        """Every process of this stack, in starting order."""
        return ([*self.action_names(), *self.ports("engine"), *self.ports("web")]
                + (["balancer"] if self.balancer_port else []))

    def start_one(self, name: str) -> None:
        kind = name.rstrip("0123456789")
        {"actions": self.start_actions, "engine": self.start_engine, "web": self.start_web,
         "balancer": self.start_balancer}[kind](name)

    def start(self, web: bool = True) -> None:
        subprocess.run([str(APP_PYTHON), "-m", "bot.kernel.db", "upgrade"], cwd=self.root, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, umask=UMASK)
        for name in self.names():
            if name != "balancer" and (web or not name.startswith("web")):
                self.start_one(name)
        self.wait_ready()
        if web and self.balancer_port:  # in front once there is something behind it
            self.start_one("balancer")
            self.wait_ready()

    def stop_one(self, name: str, grace: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        for name in reversed(self.names()):
            self.stop_one(name)

    def restart(self, name: str) -> None:
        """Start ``name`` again (``actions``, ``engine``, ``web2``…), without waiting."""
        self.stop_one(name)
        self.start_one(name)

    def restart_engine(self) -> None:
        self.restart("engine")
        self.wait_ready()
