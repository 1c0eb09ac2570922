"""The run command as a user runs it: starts everything, prints the URLs, brings back a
service that dies, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import requests

from bot.tools.stack import APP_PYTHON, ROOT, free_port


def children(pid: int, marker: str) -> list[int]:
    """Processes started by ``pid`` whose command line contains ``marker`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and marker in cmdline:
            found.append(int(entry.name))
    return found


def read_until(proc: subprocess.Popen, needle: str, output: list[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return False
        output.append(line)
        if needle in line:
            return True
    return False


def test_run_prints_urls_serves_restarts_a_dead_service_and_stops_on_ctrl_c(tmp_path):
    ports = {"APP_PORT": free_port(), "ENGINE_PORT": free_port(), "ACTION_PORT": free_port()}
    env = {**os.environ, "VAR_DIR": str(tmp_path), **{k: str(v) for k, v in ports.items()},
           "TRACKER_DB": "", "ENGINE_TOKEN": "", "ACTION_TOKEN": ""}  # its own, random
    proc = subprocess.Popen([str(APP_PYTHON), "-m", "bot.tools.run"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []
    chat = f"http://127.0.0.1:{ports['APP_PORT']}/api/chat"
    try:
        assert read_until(proc, "press Ctrl-C to stop", output, 300), "".join(output)[-3000:]
        text = "".join(output)
        assert f"http://127.0.0.1:{ports['APP_PORT']}/" in text, text[-3000:]
        assert "DeprecationWarning" not in text, text[-3000:]  # a console a person can read
        page = requests.get(f"http://127.0.0.1:{ports['APP_PORT']}/", timeout=10)
        assert page.status_code == 200 and 'lang="th"' in page.text
        # no secret on a command line: nothing started carries the engine token in its argv
        for pid in children(proc.pid, "bot."):
            argv = (Path("/proc") / str(pid) / "cmdline").read_bytes()
            assert b"--auth-token" not in argv
        # state files are the owner's only
        for name in ("app.db", "secret_key", "tracker.db"):
            if (tmp_path / name).exists():
                assert (tmp_path / name).stat().st_mode & 0o077 == 0, name

        actions = children(proc.pid, "bot.app.action_server")
        assert len(actions) == 1
        os.kill(actions[0], signal.SIGKILL)
        assert read_until(proc, "action server started again", output, 60), (
            "".join(output)[-3000:])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # back, and answering with its skills
            reply = requests.post(chat, timeout=30, json={"sender": uuid.uuid4().hex,
                                                          "text": "เบอร์โทร สน.ลุมพินี"})
            if reply.status_code == 200 and "ลุมพินี" in reply.text:
                break
            time.sleep(1)
        else:
            raise AssertionError(f"no answer after the restart: {reply.text}")
        assert children(proc.pid, "bot.app.action_server") != actions

        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest[-2000:]
    assert "stopped" in rest
    for port in ports.values():  # every service let go of its port
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
