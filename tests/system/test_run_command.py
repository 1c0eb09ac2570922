"""The run command as a user runs it: starts everything, prints the URLs, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import requests

from bot.stack import APP_PYTHON, ROOT, free_port


def test_run_prints_urls_serves_the_chat_and_stops_on_ctrl_c(tmp_path):
    ports = {"APP_PORT": free_port(), "ENGINE_PORT": free_port(), "ACTION_PORT": free_port()}
    env = {**os.environ, "VAR_DIR": str(tmp_path), **{k: str(v) for k, v in ports.items()}}
    proc = subprocess.Popen([str(APP_PYTHON), "-m", "bot.run"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "press Ctrl-C to stop" in line:
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{ports['APP_PORT']}/" in text, text[-3000:]
        page = requests.get(f"http://127.0.0.1:{ports['APP_PORT']}/", timeout=10)
        assert page.status_code == 200 and 'lang="th"' in page.text
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
