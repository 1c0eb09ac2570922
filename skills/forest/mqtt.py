"""MQTT ingest through a real broker (Mosquitto), with aiomqtt (asyncio, over paho-mqtt 2).

Devices publish SensorThings observations to ``v1.1/Datastreams(<id>)/Observations`` at QoS 1
(QoS 0 may drop or reorder). The subscriber runs in the web app's process (``web.setup`` adds
it when ``settings.forest_mqtt_url`` is set), collects what arrives for a few milliseconds and
ingests it in one transaction off the event loop; it reconnects with backoff when the broker
goes away and subscribes again each time (the FROST pain point of silent subscriptions after a
reconnect). Devices authenticate to the broker (Mosquitto password file and ACL per device).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiomqtt

from .ingest import topic_datastream

log = logging.getLogger(__name__)
SUBSCRIBE = "v1.1/+/Observations"  # "+" must fill a whole level; the id is read from it
QOS = 1
BATCH_WINDOW_S = 0.05
MAX_BATCH = 500


def broker(url: str) -> dict[str, Any]:
    """aiomqtt connection arguments from ``mqtt://user:pass@host:1883``."""
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r}")
    return {"hostname": parts.hostname or "127.0.0.1", "port": parts.port or 1883,
            "username": parts.username, "password": parts.password}


def prefix(url: str) -> str:
    """The topic prefix a URL's path names (``mqtt://host/pilot`` → ``"pilot/"``), so one broker
    can carry several installations; ``""`` for none (the plain SensorThings topics)."""
    path = urlsplit(url if "://" in url else f"mqtt://{url}").path.strip("/")
    return f"{path}/" if path else ""


def topic(datastream_id: int, url: str = "") -> str:
    return f"{prefix(url)}v1.1/Datastreams({datastream_id})/Observations"


def decode(topic_name: str, payload: bytes, url: str = "") -> tuple[str, Any]:
    """``(datastream ref, observation)``; an unreadable payload is kept as text (rejected later
    as ``malformed``), an unknown topic as ``unknown_datastream``."""
    topic_name = topic_name.removeprefix(prefix(url))
    ref = topic_datastream(topic_name) or topic_name[:64]
    try:
        return ref, json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ref, payload.decode("utf-8", "replace")[:4000]


async def subscribe_forever(url: str, handle: Callable[[list[tuple[str, Any]]], Any],
                            ready: asyncio.Event | None = None, client_id: str = "") -> None:
    """Subscribe and hand batches to ``handle`` (a coroutine function) until cancelled."""
    backoff = 1.0
    while True:
        try:
            async with aiomqtt.Client(**broker(url), identifier=client_id or None,
                                      clean_session=not client_id) as client:
                await client.subscribe(prefix(url) + SUBSCRIBE, qos=QOS)
                log.info("forest MQTT subscriber on %s", prefix(url) + SUBSCRIBE)
                backoff = 1.0
                if ready is not None:
                    ready.set()
                await _pump(client, handle, url)
        except aiomqtt.MqttError as exc:
            log.warning("forest MQTT: %s; reconnecting in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)


async def _pump(client: aiomqtt.Client, handle, url: str) -> None:
    queue: asyncio.Queue = asyncio.Queue()

    async def reader():
        async for message in client.messages:
            await queue.put(decode(str(message.topic), bytes(message.payload or b""), url))

    task = asyncio.create_task(reader())
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                task.result()  # the connection's error goes to the reconnect loop
                return
            batch = [getter.result()]
            await asyncio.sleep(BATCH_WINDOW_S)
            while not queue.empty() and len(batch) < MAX_BATCH:
                batch.append(queue.get_nowait())
            try:
                await handle(batch)
            except Exception:  # a bad batch is logged; the subscription stays up
                log.exception("forest MQTT batch of %d failed", len(batch))
    finally:
        task.cancel()


async def publish(url: str, items: list[tuple[int, dict]]) -> None:
    """Publish observations at QoS 1 (used by the simulator and the benchmark)."""
    async with aiomqtt.Client(**broker(url)) as client:
        for ds, obs in items:
            await client.publish(topic(ds, url), json.dumps(obs), qos=QOS)
