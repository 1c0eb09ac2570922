"""The run command: build the model if needed, start every service on loopback, stop on Ctrl-C.

    python -m bot.tools.run        (what ``make run`` calls, in the app runtime)

The three processes are supervised: one that dies is started again after a back-off (1 s,
doubling up to a minute, back to 1 s once it has stayed up for a while), and the others keep
serving meanwhile. While the engine or the action server is away the web app answers every
message with the outage text (the hotline first for danger now); conversations are in the
tracker database and survive the restart.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.tools import profile
from bot.tools.stack import ROOT, Stack, build_model

FIRST_BACKOFF, MAX_BACKOFF = 1.0, 60.0
STABLE_AFTER = 120.0  # seconds up after which a process's back-off starts again from 1 s
NAMES = {"actions": "action server", "engine": "engine", "web": "web app",
         "balancer": "load balancer"}


def named(name: str) -> str:
    """``engine2`` -> "engine 2", ``web`` -> "web app"."""
    kind = name.rstrip("0123456789")
    return NAMES.get(kind, kind) + (f" {name[len(kind):]}" if name != kind else "")


def say(message: str, err: bool = False) -> None:
    print(message, file=sys.stderr if err else sys.stdout, flush=True)


@dataclass
class Supervisor:
    """Restarts the stack's processes that exit, each with its own back-off."""

    stack: Stack
    clock: Callable[[], float] = time.monotonic
    started: dict[str, float] = field(default_factory=dict)
    backoff: dict[str, float] = field(default_factory=dict)
    due: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = self.clock()
        self.started = {name: now for name in self.stack.procs}

    def check(self) -> None:
        """Notice exits and start what is due; call it every half second or so."""
        now = self.clock()
        for name, proc in list(self.stack.procs.items()):
            if name in self.due or proc.poll() is None:
                continue
            up = now - self.started.get(name, now)
            wait = FIRST_BACKOFF if up >= STABLE_AFTER else min(
                MAX_BACKOFF, self.backoff.get(name, FIRST_BACKOFF / 2) * 2)
            self.backoff[name], self.due[name] = wait, now + wait
            say(f"{named(name)} stopped unexpectedly (exit code {proc.returncode}); "
                f"starting it again in {wait:.0f} s; the other services keep running", err=True)
        for name, when in list(self.due.items()):
            if now >= when:
                del self.due[name]
                self.stack.restart(name)
                self.started[name] = now
                say(f"{named(name)} started again")


def make_stack(model: Path, env: dict[str, str] | os._Environ) -> Stack | None:
    """The stack of the profile ``PROFILE`` names (``single``, the default, or
    ``production``); None, after saying what is missing, when it cannot start."""
    name = env.get("PROFILE", "single") or "single"
    common = {"model": model, "var_dir": Path(env.get("VAR_DIR") or ROOT / "var"),
              "host": env.get("APP_HOST", "127.0.0.1"),
              "action_port": int(env.get("ACTION_PORT", "5055"))}
    if name == "single":
        return Stack(**common, app_port=int(env.get("APP_PORT", "8080")),
                     engine_port=int(env.get("ENGINE_PORT", "5005")))
    if name != "production":
        say(f"PROFILE must be one of {', '.join(profile.PROFILES)} (it is {name!r})", err=True)
        return None
    problems = profile.missing(env)
    if problems:
        say("the production profile cannot start here:", err=True)
        for problem in problems:
            say(f"  - {problem}", err=True)
        say("(docs/deployment.md; `make run` without PROFILE runs the single-machine profile)",
            err=True)
        return None
    own = {"LOCK_STORE": "redis", "DEMO_DATA": env.get("DEMO_DATA", "0")}
    return Stack(**common, **profile.stack_options(env), env=own)


def main() -> int:
    os.umask(0o077)  # var/ and everything in it: owner only
    model = build_model(quiet=True)
    stack = make_stack(model, os.environ)
    if stack is None:
        return 2
    stopping = False

    def request_stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C while starting
    say(f"starting {len(stack.names())} processes: {stack.action_workers} action server(s), "
        f"{len(stack.ports('engine'))} engine(s) (loading the model), "
        f"{len(stack.ports('web'))} web app(s)"
        + (" and the load balancer…" if stack.balancer_port else "…"))
    try:
        stack.start()
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        say("\nready:")
        for name, url in stack.urls.items():
            say(f"  {name:<32} {url}")
        say("\npress Ctrl-C to stop\n")
        supervisor = Supervisor(stack)
        while not stopping:
            supervisor.check()
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as exc:
        say(f"could not start: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        say("stopping…")
        stack.stop()
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
