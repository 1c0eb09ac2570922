"""Runtime settings of the app processes, read once from the environment.

Skills never read the environment; the app passes them what they need. Defaults keep
everything on loopback with embedded SQLite files under ``var/``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


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
    # Where citizens reach the app from outside (QR codes, shared links, receipts).
    public_base_url: str
    # Signs links and QR codes; from SECRET_KEY, else a random key kept in var/secret_key.
    secret_key: str
    # Seed labelled synthetic demo records into empty tables (the run command sets it).
    demo_data: bool
    # PromptPay bill payment: biller id (tax id + suffix) and the bank callback's shared secret.
    promptpay_biller_id: str
    payment_callback_secret: str
    # Channels: a channel without credentials is off. *_api_base lets tests use a fake platform.
    line_channel_secret: str
    line_channel_access_token: str
    line_api_base: str
    messenger_app_secret: str
    messenger_page_token: str
    messenger_verify_token: str
    graph_api_base: str
    # Behind a reverse proxy, rate limits key on the address the proxy saw (X-Forwarded-For).
    trust_proxy: bool = False
    # Rasa's SQL tracker store (endpoints.yml): conversation events older than
    # tracker_retention_days are deleted by the web app's housekeeping (0: kept forever).
    tracker_url: str = ""  # a whole SQLAlchemy URL of the tracker store; wins when set
    tracker_dialect: str = "sqlite"
    tracker_db: str = ""
    tracker_retention_days: int = 30
    # Messages per minute one client address may send to the web chat API (burst: half).
    chat_rate_per_minute: float = 60.0
    # Forest skill: the MQTT broker its sensors publish to (mqtt://host:1883); empty: no
    # MQTT subscriber, and the demo simulator sends over HTTP.
    forest_mqtt_url: str = ""
    # Several web apps (the production profile, LOCK_STORE=redis): the Redis of Rasa's lock
    # store also carries what they share (rate limits, live-stream wake-ups; bot.app.shared),
    # under this key prefix. Empty: each web app keeps its own, right for one web app.
    redis_url: str = ""
    redis_prefix: str = "govbot"
    # Action-server workers sharing ACTION_PORT (separate processes; bot.app.action_server).
    action_workers: int = 1

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR", ROOT / "var"))
        app_port = int(env.get("APP_PORT", "8080"))
        return cls(
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'app.db'}",
            engine_url=env.get("ENGINE_URL", "http://127.0.0.1:5005").rstrip("/"),
            engine_token=env.get("ENGINE_TOKEN", ""),
            action_token=env.get("ACTION_TOKEN", ""),
            app_host=env.get("APP_HOST", "127.0.0.1"),
            app_port=app_port,
            action_host=env.get("ACTION_HOST", "127.0.0.1"),
            action_port=int(env.get("ACTION_PORT", "5055")),
            engine_timeout=float(env.get("ENGINE_TIMEOUT", "20")),
            public_base_url=(env.get("PUBLIC_BASE_URL")
                             or f"http://127.0.0.1:{app_port}").rstrip("/"),
            secret_key=env.get("SECRET_KEY") or _local_secret(var_dir),
            demo_data=env.get("DEMO_DATA", "0").strip().lower() in ("1", "true", "yes"),
            promptpay_biller_id=env.get("PROMPTPAY_BILLER_ID", ""),
            payment_callback_secret=env.get("PAYMENT_CALLBACK_SECRET", ""),
            line_channel_secret=env.get("LINE_CHANNEL_SECRET", ""),
            line_channel_access_token=env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
            line_api_base=env.get("LINE_API_BASE", "https://api.line.me").rstrip("/"),
            messenger_app_secret=env.get("MESSENGER_APP_SECRET", ""),
            messenger_page_token=env.get("MESSENGER_PAGE_TOKEN", ""),
            messenger_verify_token=env.get("MESSENGER_VERIFY_TOKEN", ""),
            graph_api_base=env.get("GRAPH_API_BASE",
                                   "https://graph.facebook.com/v21.0").rstrip("/"),
            trust_proxy=env.get("TRUST_PROXY", "0").strip().lower() in ("1", "true", "yes"),
            tracker_url=env.get("TRACKER_URL", "").strip(),
            tracker_dialect=env.get("TRACKER_DIALECT") or "sqlite",
            tracker_db=env.get("TRACKER_DB") or str(var_dir / "tracker.db"),
            tracker_retention_days=int(env.get("TRACKER_RETENTION_DAYS") or "30"),
            chat_rate_per_minute=float(env.get("CHAT_RATE_PER_MINUTE", "60")),
            forest_mqtt_url=env.get("FOREST_MQTT_URL", "").strip(),
            redis_url=_redis_url(env),
            redis_prefix=env.get("LOCK_KEY_PREFIX") or "govbot",
            action_workers=int(env.get("ACTION_WORKERS") or "1"),
        )


def _redis_url(env) -> str:
    """The lock store's Redis as a URL when ``LOCK_STORE=redis``, else "".

    >>> _redis_url({"LOCK_STORE": "redis", "REDIS_PORT": "6380", "REDIS_PASSWORD": "p/w"})
    'redis://:p%2Fw@127.0.0.1:6380/1'
    >>> _redis_url({"LOCK_STORE": "in_memory"})
    ''
    """
    if env.get("LOCK_STORE", "").strip().lower() != "redis":
        return ""
    password = quote(env.get("REDIS_PASSWORD") or "", safe="")
    return (f"redis://{':' + password + '@' if password else ''}"
            f"{env.get('REDIS_HOST') or '127.0.0.1'}:{env.get('REDIS_PORT') or '6379'}"
            f"/{env.get('REDIS_LOCK_DB') or '1'}")


def _local_secret(var_dir: Path) -> str:
    """A per-installation random key under ``var/`` (never in git) when SECRET_KEY is unset."""
    path = var_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        try:
            with open(path, "x", encoding="ascii") as f:  # first writer wins
                f.write(key)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        return key
