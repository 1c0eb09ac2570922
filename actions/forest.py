"""Forest actions: thin adapters from the conversation to ``skills.forest`` and back.

"ป่าแถวนี้เป็นยังไง" with a shared location or a typed place → the state of the forest there;
subscribing to an area's alarms and unsubscribing; reporting a fire (whom to call first, then a
case routed to the managing agency; a photo may follow); a 24-hour chart of one sensor. When a
question needs a place, the slot ``forest_pending`` says which one is waiting and ``expecting``
hands a typed place back to ``action_forest_place``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SkillAction, Turn, settings
from bot.kernel.answer import Answer
from bot.kernel.geo import resolve_place
from skills.forest import service
from skills.forest.config import texts

PENDING = "forest_pending"
POINT = "forest_point"
EXPECT_PLACE = "forest_place"
# words in a chart request → the property charted
CHART_WORDS = (("ความชื้นในดิน", "soil_moisture"), ("ดิน", "soil_moisture"),
               ("ความชื้น", "air_humidity"), ("ชื้น", "air_humidity"),
               ("อุณหภูมิ", "temperature"), ("ร้อน", "temperature"), ("ลม", "wind_speed"),
               ("ฝุ่น", "smoke_pm25"), ("ควัน", "smoke_pm25"), ("pm", "smoke_pm25"),
               ("ไฟ", "flame"), ("ndvi", "ndvi"), ("เขียว", "ndvi"))


def chart_key(text: str) -> str:
    low = text.lower()
    return next((key for word, key in CHART_WORDS if word in low), "temperature")


def typed_place(turn: Turn) -> tuple[float, float, str, Any] | None:
    """A single place named in the message: ``(lat, lon, name, place)``; ``None`` otherwise."""
    if not turn.text:
        return None
    places = resolve_place(turn.text, answer=turn.slot("expecting") == EXPECT_PLACE)
    if len(places) != 1:
        return None
    p = places[0]
    return p.lat, p.lon, p.name_th, p


def where(turn: Turn) -> tuple[float, float, str] | None:
    """The point the message means: a shared location on this turn, a typed place, or the
    location shared earlier in the conversation."""
    if turn.point is not None:
        return turn.point[0], turn.point[1], texts("report.point_words",
                                                   lat=f"{turn.point[0]:.4f}",
                                                   lon=f"{turn.point[1]:.4f}")
    typed = typed_place(turn)
    if typed is not None:
        return typed[0], typed[1], typed[2]
    if turn.shared_point is not None:
        lat, lon = turn.shared_point
        return lat, lon, texts("report.point_words", lat=f"{lat:.4f}", lon=f"{lon:.4f}")
    return None


class ForestAction(SkillAction):
    """A forest action (abstract)."""

    skill = "forest"

    def ask_place(self, turn: Turn, pending: str, text: str) -> list[dict[str, Any]]:
        turn.send(Answer(text))
        return [SlotSet(PENDING, pending), SlotSet("expecting", EXPECT_PLACE)]

    async def do(self, turn: Turn, pending: str, found: tuple[float, float, str]
                 ) -> list[dict[str, Any]]:
        """Answer the waiting question (``pending``) for the point ``found``."""
        lat, lon, name = found
        sender, base = turn.sender, settings().public_base_url
        done = [SlotSet(PENDING, None), SlotSet("expecting", None),
                SlotSet(POINT, f"{lat:.5f},{lon:.5f}")]
        if pending == "subscribe":
            turn.send(await turn.in_session(service.subscribe_point, sender, lat, lon))
        elif pending == "report":
            # a retried turn (same message id) files nothing twice
            message_id = (turn.tracker.latest_message or {}).get("message_id")
            key = f"{sender}:{message_id}" if message_id else None
            place = "" if name.startswith("พิกัด") else name
            _report, answer = await turn.in_session(service.report_fire, sender, lat, lon,
                                                    place, "", key)
            turn.send(answer)
        elif pending == "chart":
            turn.send(await turn.in_session(service.chart_answer, lat, lon,
                                            turn.slot("forest_chart_key") or "temperature",
                                            base))
        else:
            for answer in await turn.in_session(service.status, lat, lon, name, base):
                turn.send(answer)
        return done


class ActionForestStatus(ForestAction):
    def name(self) -> str:
        return "action_forest_status"

    async def answer(self, turn):
        found = where(turn)
        if found is None:
            return self.ask_place(turn, "status", texts("status.ask_place"))
        return await self.do(turn, "status", found)


class ActionForestPlace(ForestAction):
    """A typed reply to "which place?" (or a shared location while one is awaited)."""

    def name(self) -> str:
        return "action_forest_place"

    async def answer(self, turn):
        pending = turn.slot(PENDING) or "status"
        found = where(turn) if turn.point is not None else None
        if found is None:
            typed = typed_place(turn)
            found = typed[:3] if typed else None
        if found is None:
            turn.send(Answer(texts("status.place_unknown")))
            return [SlotSet("expecting", EXPECT_PLACE)]
        return await self.do(turn, pending, found)


class ActionForestLocation(ForestAction):
    """A shared location while talking about the forest: answers what is waiting, else status."""

    def name(self) -> str:
        return "action_forest_location"

    async def answer(self, turn):
        point = turn.shared_point
        if point is None:
            return self.ask_place(turn, "status", texts("status.ask_place"))
        lat, lon = point
        return await self.do(turn, turn.slot(PENDING) or "status", (
            lat, lon, texts("report.point_words", lat=f"{lat:.4f}", lon=f"{lon:.4f}")))


class ActionForestSubscribe(ForestAction):
    def name(self) -> str:
        return "action_forest_subscribe"

    async def answer(self, turn):
        typed = typed_place(turn)
        if typed is not None and typed[3].kind in ("district", "khet"):
            district = service.district_of(typed[0], typed[1])
            if district is not None:
                turn.send(await turn.in_session(service.subscribe_district, turn.sender,
                                                *district))
                return [SlotSet(PENDING, None), SlotSet("expecting", None)]
        found = where(turn)
        if found is None:
            last = turn.slot(POINT)
            if last:
                lat, lon = (float(v) for v in last.split(","))
                found = (lat, lon, "")
        if found is None:
            return self.ask_place(turn, "subscribe", texts(
                "subscribe.ask_place", km=service.chat_setting("subscribe_radius_km")))
        return await self.do(turn, "subscribe", found)


class ActionForestUnsubscribe(ForestAction):
    def name(self) -> str:
        return "action_forest_unsubscribe"

    async def answer(self, turn):
        turn.send(await turn.in_session(service.unsubscribe, turn.sender))
        return [SlotSet(PENDING, None)]


class ActionForestReportFire(ForestAction):
    """A fire: whom to call comes first, then the case (asking where when it is not known)."""

    def name(self) -> str:
        return "action_forest_report_fire"

    async def answer(self, turn):
        turn.send(service.emergency_first())
        found = where(turn) if turn.point is not None or typed_place(turn) else None
        if found is None:
            return self.ask_place(turn, "report", texts("report.ask_place"))
        return await self.do(turn, "report", found)


class ActionForestChart(ForestAction):
    def name(self) -> str:
        return "action_forest_chart"

    async def answer(self, turn):
        key = chart_key(turn.text)
        found = where(turn)
        if found is None and turn.slot(POINT):
            lat, lon = (float(v) for v in turn.slot(POINT).split(","))
            found = (lat, lon, "")
        events = [SlotSet("forest_chart_key", key)]
        if found is None:
            return events + self.ask_place(turn, "chart", texts("chart.ask_station"))
        lat, lon, _name = found
        turn.send(await turn.in_session(service.chart_answer, lat, lon, key,
                                        settings().public_base_url))
        return events + [SlotSet(POINT, f"{lat:.5f},{lon:.5f}")]


class ActionForestPhoto(ForestAction):
    """A picture after a fire report: attached to the conversation's latest report."""

    def name(self) -> str:
        return "action_forest_photo"

    async def answer(self, turn):
        ref = turn.slot("image_ref") or ""
        added = await turn.in_session(service.attach_photo, turn.sender, str(ref))
        if added is None:
            turn.send(Answer(texts("report.ask_place")))
            return [SlotSet(PENDING, "report"), SlotSet("expecting", EXPECT_PLACE)]
        turn.send(added)
        return []
