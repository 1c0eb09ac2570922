"""The run command: build the model if needed, start every service on loopback, stop on Ctrl-C.

    python -m bot.run        (what ``make run`` calls, in the app runtime)
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from bot.stack import ROOT, Stack, build_model


def main() -> int:
    model = build_model()
    env = os.environ
    stack = Stack(model=model, var_dir=Path(env.get("VAR_DIR") or ROOT / "var"),
                  host=env.get("APP_HOST", "127.0.0.1"),
                  app_port=int(env.get("APP_PORT", "8080")),
                  engine_port=int(env.get("ENGINE_PORT", "5005")),
                  action_port=int(env.get("ACTION_PORT", "5055")))
    stopping = False

    def request_stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C while starting
    print("starting the action server, the engine (loading the model) and the web app…")
    try:
        stack.start()
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        print("\nready:")
        for name, url in stack.urls.items():
            print(f"  {name:<32} {url}")
        print("\npress Ctrl-C to stop\n", flush=True)
        while not stopping:
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    print(f"{name} stopped unexpectedly (code {proc.returncode}); stopping all",
                          file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…", flush=True)
        stack.stop()
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
