"""Runtime settings of the app processes, read once from the environment.

Skills never read the environment; the app passes them what they need. Defaults keep
everything on loopback with embedded SQLite files under ``var/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    engine_url: str
    engine_token: str
    action_token: str
    app_host: str
    app_port: int
    action_host: str
    action_port: int
    engine_timeout: float

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR", ROOT / "var"))
        return cls(
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'app.db'}",
            engine_url=env.get("ENGINE_URL", "http://127.0.0.1:5005").rstrip("/"),
            engine_token=env.get("ENGINE_TOKEN", ""),
            action_token=env.get("ACTION_TOKEN", ""),
            app_host=env.get("APP_HOST", "127.0.0.1"),
            app_port=int(env.get("APP_PORT", "8080")),
            action_host=env.get("ACTION_HOST", "127.0.0.1"),
            action_port=int(env.get("ACTION_PORT", "5055")),
            engine_timeout=float(env.get("ENGINE_TIMEOUT", "20")),
        )
