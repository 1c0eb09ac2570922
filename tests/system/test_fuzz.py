"""Property-based fuzzing of the running app: never a 500, whatever arrives.

One stack of its own (engine, action server, web app) with every feature on: LINE and
Messenger (against the fake platforms of ``bot.app.channels.testing``), agency API keys and
PromptPay payments. It is fuzzed from the OpenAPI description the project keeps
(``bot/app/web/openapi.yaml``, with schemathesis: every operation, staff ones with and without
their agency's key) and with hypothesis strategies aimed at what attackers and unlucky users send:
chat bodies with lone surrogates, control characters and huge numbers; LINE, Messenger and
bank-callback bodies signed correctly over fuzzed content; pages with fuzzed paths and queries.

Bounded and reproducible for CI: fixed example counts, ``derandomize=True``, no example
database. Every request is tallied; the figures (operations, requests, responses by status
class, 5xx) are printed in pytest's summary, and each 5xx with a reproduction in the failure.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from bot.app.channels.testing import FakeGraph, FakeLine, line_signature, messenger_signature
from bot.kernel.db import upgrade
from bot.tools.stack import Stack, free_port
from tests.keys import add_key
from tests.system.conftest import ROOT, model_path

DESCRIPTION = ROOT / "bot" / "app" / "web" / "openapi.yaml"
LINE_SECRET, LINE_TOKEN = "fuzz-line-secret", "fuzz-line-access-token"
FB_SECRET, FB_TOKEN, FB_VERIFY = "fuzz-fb-secret", "fuzz-fb-page-token", "fuzz-fb-verify"
PAY_SECRET = "fuzz-payment-secret"
# agency API keys (stored before the stack starts): DDPM's for every service but forest
# (the disaster host), DNP's for forest (a forest agency)
STAFF_KEY, FOREST_KEY = "ak_fuzz-staff-key", "ak_fuzz-forest-key"
BILLER_ID = "010555500000101"
DEMO_RIDER = "2998-5002"  # a labelled synthetic demo rider (README)

# Example counts: about two minutes on two cores with the stack's start-up (see the figures).
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=200,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large,
                                       HealthCheck.large_base_example,
                                       HealthCheck.function_scoped_fixture,
                                       HealthCheck.differing_executors],
                print_blob=False)
PER_OPERATION = 20  # schemathesis examples per operation, per generation mode and token variant


# --- tally -------------------------------------------------------------------------------

@dataclass
class Tally:
    """Every request the fuzzers sent: the figures, and a reproduction of each 5xx."""

    operations: set[str] = field(default_factory=set)
    requests: int = 0
    classes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    notes: list[str] = field(default_factory=list)

    def record(self, operation: str, response, allowed_5xx: frozenset = frozenset()) -> None:
        self.operations.add(operation)
        self.requests += 1
        status = response.status_code
        self.classes[f"{status // 100}xx"] += 1
        self.statuses[status] += 1
        if status >= 500 and status not in allowed_5xx:
            self.errors.append(reproduction(operation, response))

    def errors_of(self, prefix: str) -> list[dict]:
        return [e for e in self.errors if e["operation"].startswith(prefix)]

    def figures(self) -> list[str]:
        fivexx = sum(n for s, n in self.statuses.items() if s >= 500)
        described = len({o for o in self.operations if o.startswith("schema ")})
        return [f"operations fuzzed: {described} from openapi.yaml (schemathesis), "
                f"{len(self.operations) - described} targeted (hypothesis)",
                *self.notes,
                f"requests sent: {self.requests} in {time.monotonic() - self.started:.0f} s",
                "responses by status class: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(self.classes.items())),
                "responses by status: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(self.statuses.items())),
                f"5xx responses: {fivexx} (500: {self.statuses.get(500, 0)}; "
                f"not allowed: {len(self.errors)})"]


def reproduction(operation: str, response) -> dict:
    """Method, URL, headers and body of the request that got a 5xx (body cut at 400 bytes)."""
    req = response.request
    body = req.body if isinstance(req.body, bytes) else (req.body or "").encode(
        "utf-8", "surrogatepass")
    headers = {k: v for k, v in req.headers.items()
               if k.lower() not in ("user-agent", "accept-encoding", "accept", "connection",
                                    "content-length", "x-forwarded-for")}
    return {"operation": operation, "status": response.status_code, "method": req.method,
            "url": req.url, "headers": headers, "body": body[:400], "body_bytes": len(body)}


def report(errors: list[dict]) -> str:
    lines = [f"{len(errors)} response(s) of 5xx; reproductions (first of each operation and status):"]
    seen = set()
    for e in errors:
        if (e["operation"], e["status"]) in seen:
            continue
        seen.add((e["operation"], e["status"]))
        lines.append(f"  [{e['status']}] {e['method']} {e['url']}\n      headers={e['headers']}"
                     f"\n      body({e['body_bytes']} bytes)={e['body']!r}")
    return "\n".join(lines)


class FiguresInSummary:
    """Prints the tally in pytest's terminal summary (shown under -q too)."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.section("fuzzing figures (tests/system/test_fuzz.py)")
        for line in self.tally.figures():
            terminalreporter.write_line(line)
        if self.tally.errors:
            terminalreporter.write_line(report(self.tally.errors))


# --- the stack -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz(tmp_path_factory, request):
    """A stack with everything on, the fake platforms, a tally and a real bill to pay."""
    line, graph = FakeLine(LINE_TOKEN).start(), FakeGraph(FB_TOKEN).start()
    var = tmp_path_factory.mktemp("fuzz-var")
    upgrade(f"sqlite:///{var / 'app.db'}")
    add_key(f"sqlite:///{var / 'app.db'}", STAFF_KEY, "DDPM",
            ["police", "motortaxi", "signtax", "disaster"])
    add_key(f"sqlite:///{var / 'app.db'}", FOREST_KEY, "DNP", ["forest"])
    stack = Stack(model=model_path(), var_dir=var,
                  app_port=free_port(), engine_port=free_port(), action_port=free_port(),
                  log_dir=var / "logs", env={
                      "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                      "TRACKER_DB": str(var / "tracker.db"),
                      "LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
                      "LINE_API_BASE": line.url, "MESSENGER_APP_SECRET": FB_SECRET,
                      "MESSENGER_PAGE_TOKEN": FB_TOKEN, "MESSENGER_VERIFY_TOKEN": FB_VERIFY,
                      "GRAPH_API_BASE": graph.api_base,
                      "PAYMENT_CALLBACK_SECRET": PAY_SECRET, "PROMPTPAY_BILLER_ID": BILLER_ID,
                      # each fuzzed request comes from its own address (X-Forwarded-For), so
                      # per-client rate limits do not turn the run into a run of 429s
                      "TRUST_PROXY": "1", "DEMO_DATA": "1"})
    try:
        stack.start()
    except Exception:
        for log in sorted((var / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        stack.stop()
        raise
    tally = Tally()
    request.config.pluginmanager.register(FiguresInSummary(tally), "fuzz-figures")
    f = Fuzz(stack=stack, line=line, graph=graph, tally=tally, var=var)
    f.bill_number, f.bill_link = f.make_bill()
    tally.notes.append(f"real bill for signed callbacks and links: {f.bill_number or 'none made'}")
    yield f
    stack.stop()
    line.stop()
    graph.stop()


@dataclass
class Fuzz:
    stack: Stack
    line: FakeLine
    graph: FakeGraph
    tally: Tally
    var: Path
    bill_number: str | None = None
    bill_link: str | None = None
    session: requests.Session = field(default_factory=requests.Session)
    _addresses: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.stack.app_port}"

    def client_address(self) -> str:
        """A new documentation-range address per request (rate limits are per client)."""
        n = next(self._addresses)
        return f"2001:db8::{n // 65536:x}:{n % 65536:x}"

    def send(self, operation: str, method: str, path: str, *, allowed_5xx=frozenset(),
             headers: dict | None = None, **kwargs) -> requests.Response:
        headers = {"X-Forwarded-For": self.client_address(), **(headers or {})}
        resp = self.session.request(method, self.base + path, headers=headers, timeout=60,
                                    allow_redirects=False, **kwargs)
        self.tally.record(operation, resp, allowed_5xx)
        return resp

    def make_bill(self) -> tuple[str | None, str | None]:
        """Talk a real unpaid bill into being (as a citizen does), so that signed payment
        confirmations and signed bill links reach the code behind the signature checks."""
        sender, url = uuid.uuid4().hex, self.base + "/api/chat"
        said = ""
        for text in ("ภาษีป้าย ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร", "1", "เขตจตุจักร",
                     "1", "ร้านทดสอบการฟัซซิง"):
            resp = requests.post(url, json={"sender": sender, "text": text}, timeout=60)
            if resp.status_code != 200:
                return None, None
            said = "\n".join(m.get("text", "") for m in resp.json()["messages"])
        number = re.search(r"เลขที่ (ST\d+)", said)
        link = re.search(r"http://\S+(/signtax/bills/\S+)", said)
        return (number.group(1) if number else None), (link.group(1) if link else None)


# --- strategies --------------------------------------------------------------------------

# Text as people and attackers type it: Thai, emoji, zero-width and bidi marks, control
# characters, lone surrogates (valid JSON "\ud800" escapes), digits of every script.
nasty_chars = st.one_of(
    st.characters(),
    st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Nd"]),
    st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F),  # Thai
    st.sampled_from(["/", "{", "}", "\u200b", "\u3000", "\ufeff", "\x00", "\n", "%", "\\"]),
)
nasty_text = st.text(nasty_chars, max_size=60) | st.text(nasty_chars, min_size=900, max_size=1100)
huge_numbers = st.one_of(
    st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10 ** 309, -(10 ** 309), 2 ** 63, 1e308, -0.0, 90, 90.0000001, 180]),
)
json_leaf = st.one_of(st.none(), st.booleans(), huge_numbers, nasty_text)
any_json = st.recursive(json_leaf, lambda kids: st.lists(kids, max_size=4)
                        | st.dictionaries(nasty_text, kids, max_size=4), max_leaves=12)


def header_value(raw: bytes) -> bytes:
    """Arbitrary bytes as one header value that reaches the app: non-ASCII and non-UTF-8
    bytes stay; control characters go (aiohttp's parser refuses them with a 400 itself)."""
    return bytes(b for b in raw if b >= 0x20 and b != 0x7F).lstrip()


def deep(depth: int, leaf: str = "1") -> str:
    """JSON nested ``depth`` levels deep (a recursion bomb for a naive parser)."""
    return "[" * depth + leaf + "]" * depth


def encode(value, ascii_only: bool) -> bytes:
    """JSON bytes; with ``ascii_only`` off, lone surrogates become invalid UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def json_bytes(draw, structured) -> bytes:
    """A body: structured JSON, any JSON, a deep nest, or bytes that are not JSON."""
    kind = draw(st.sampled_from(["structured", "structured", "structured", "any", "deep", "raw"]))
    if kind == "deep":
        return deep(draw(st.integers(min_value=900, max_value=4000))).encode()
    if kind == "raw":
        return draw(st.binary(max_size=200))
    value = draw(structured if kind == "structured" else any_json)
    return encode(value, draw(st.booleans()))


sender_ids = st.one_of(st.just("fuzz" + "a" * 12), st.from_regex(r"\A[A-Za-z0-9_-]{8,64}\Z"),
                       st.just("abcdefgh\n"), nasty_text, json_leaf)
chat_bodies = st.one_of(
    st.fixed_dictionaries({"sender": sender_ids, "text": nasty_text | json_leaf}),
    st.fixed_dictionaries({"sender": sender_ids, "location": st.one_of(
        st.fixed_dictionaries({"latitude": huge_numbers, "longitude": huge_numbers}),
        st.fixed_dictionaries({"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}),
        any_json)}),
    st.fixed_dictionaries({"sender": sender_ids, "text": nasty_text, "location": any_json}),
)

line_user = st.sampled_from(["U" + "f" * 32, "U" + "e" * 32]) | nasty_text
line_message = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "id": nasty_text, "text": nasty_text}),
    st.fixed_dictionaries({"type": st.just("location"), "id": nasty_text, "title": nasty_text,
                           "address": nasty_text, "latitude": huge_numbers,
                           "longitude": huge_numbers}),
    st.fixed_dictionaries({"type": st.sampled_from(["image", "sticker", "video", "audio", "file"]),
                           "id": nasty_text, "contentProvider": st.just({"type": "line"})}),
    any_json,
)
line_event = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "postback", "follow", "unfollow", "join", "beacon",
                              "accountLink", "memberJoined", "unsend", "videoPlayComplete"])
     | nasty_text,
     "mode": st.sampled_from(["active", "standby"]) | json_leaf,
     "timestamp": huge_numbers | json_leaf,
     "source": st.fixed_dictionaries({"type": st.sampled_from(["user", "group", "room"]),
                                      "userId": line_user}) | any_json,
     "webhookEventId": nasty_text | json_leaf,
     "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans() | json_leaf}),
     "replyToken": nasty_text},
    optional={"message": line_message,
              "postback": st.fixed_dictionaries({"data": nasty_text | json_leaf}),
              "unsend": any_json, "link": any_json})
line_bodies = st.fixed_dictionaries({"destination": nasty_text | json_leaf,
                                     "events": st.lists(line_event | any_json, max_size=3)
                                     | json_leaf})

fb_attachment = st.fixed_dictionaries({
    "type": st.sampled_from(["location", "image", "audio", "file", "fallback"]) | nasty_text,
    "payload": st.one_of(
        st.fixed_dictionaries({"coordinates": st.fixed_dictionaries(
            {"lat": huge_numbers | json_leaf, "long": huge_numbers | json_leaf})}),
        # only loopback or non-URLs: the gateway downloads pictures from the URL given
        st.fixed_dictionaries({"url": st.sampled_from(["http://127.0.0.1:9/x.jpg", "not a url",
                                                       ""]) | nasty_text.map(lambda s: "x" + s)}),
        any_json)})
fb_event = st.fixed_dictionaries(
    {"sender": st.fixed_dictionaries({"id": st.sampled_from(["2000000000000001", "7"])
                                      | json_leaf}) | any_json,
     "recipient": st.fixed_dictionaries({"id": st.just("1000000000000001")}),
     "timestamp": huge_numbers | json_leaf},
    optional={"message": st.fixed_dictionaries(
                  {"mid": nasty_text | json_leaf},
                  optional={"text": nasty_text | json_leaf, "is_echo": st.booleans() | json_leaf,
                            "quick_reply": st.fixed_dictionaries({"payload": nasty_text
                                                                  | json_leaf}) | any_json,
                            "attachments": st.lists(fb_attachment | any_json, max_size=2)
                            | json_leaf}) | any_json,
              "postback": st.fixed_dictionaries({"title": nasty_text, "payload": nasty_text
                                                 | json_leaf, "mid": nasty_text}) | any_json})
fb_bodies = st.fixed_dictionaries({
    "object": st.just("page") | json_leaf,
    "entry": st.lists(st.fixed_dictionaries({"id": nasty_text, "time": huge_numbers,
                                             "messaging": st.lists(fb_event | any_json,
                                                                   max_size=3) | json_leaf})
                      | any_json, max_size=2) | json_leaf})

money = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e999999999", "-1e-999999999", "1E+1000000", "0.001", "2340.00", "2,340",
                     "๒๓๔๐", "  2340 ", "NaN", "sNaN", "-0"]),
    huge_numbers, json_leaf)
moments = st.one_of(st.datetimes().map(lambda d: d.isoformat()),
                    st.sampled_from(["2026-13-45T99:99:99", "9999-12-31T23:59:59+14:00",
                                     "0001-01-01T00:00:00-23:59", "2026-01-01T00:00:00Z"]),
                    nasty_text, json_leaf)


# --- the fuzzers -------------------------------------------------------------------------

def schema_fuzzer(fuzz, strategy, headers: dict, label: str, allowed: frozenset):
    """A hypothesis test sending schemathesis cases of one operation, tallied."""
    @settings(FUZZ, max_examples=PER_OPERATION)
    @given(case=strategy)
    def run(case):
        sent = {"X-Forwarded-For": fuzz.client_address(), **headers}
        try:
            resp = case.call(base_url=fuzz.base, headers=sent, timeout=60, allow_redirects=False)
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            return  # the client itself refuses to send it; nothing reached the app
        fuzz.tally.record(label, resp, allowed)
    return run


def test_every_described_operation_answers_without_a_server_error(fuzz):
    """schemathesis over bot/app/web/openapi.yaml: valid and invalid requests for every
    operation; staff operations both with their agency's key and without it."""
    schema = schemathesis.openapi.from_path(DESCRIPTION)
    ran = 0
    for result in schema.get_all_operations():
        op = result.ok()
        label = f"schema {op.method.upper()} {op.path}"
        documented_503 = frozenset({503}) if "503" in op.definition.raw.get("responses", {}) \
            else frozenset()
        staff = bool(op.definition.raw.get("security"))
        key = FOREST_KEY if "forest" in op.definition.raw.get("tags", []) else STAFF_KEY
        for headers in ([{"Authorization": f"Bearer {key}"}, {}] if staff else [{}]):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = op.as_strategy(generation_mode=mode)

                run = schema_fuzzer(fuzz, strategy, headers, label, documented_503)
                try:
                    run()
                except Unsatisfiable:  # nothing to make invalid (no inputs, free strings)
                    continue
                ran += 1
    assert ran >= 40  # every operation; both modes where there is input; staff ones twice
    errors = fuzz.tally.errors_of("schema ")
    assert not errors, report(errors)


def test_chat_api_bodies_never_get_a_server_error(fuzz):
    @FUZZ
    @given(body=json_bytes(chat_bodies),
           content_type=st.sampled_from(["application/json", "application/json; charset=utf-8",
                                         "text/plain", "application/json; charset=latin-1"]))
    def run(body, content_type):
        fuzz.send("chat POST /api/chat", "POST", "/api/chat", data=body,
                  headers={"Content-Type": content_type})

    run()
    errors = fuzz.tally.errors_of("chat ")
    assert not errors, report(errors)


def test_line_webhook_correctly_signed_fuzzed_bodies_never_get_a_server_error(fuzz):
    @FUZZ
    @given(body=json_bytes(line_bodies), bad_signature=st.none() | st.binary(max_size=60))
    def run(body, bad_signature):
        signature = line_signature(LINE_SECRET, body).encode()
        if bad_signature is not None:  # now and then a forged, non-ASCII signature header
            signature = header_value(bad_signature)
        fuzz.send("line POST /webhooks/line", "POST", "/webhooks/line", data=body,
                  headers={"Content-Type": "application/json", "X-Line-Signature": signature})

    run()
    errors = fuzz.tally.errors_of("line ")
    assert not errors, report(errors)


def test_messenger_webhook_correctly_signed_fuzzed_bodies_never_get_a_server_error(fuzz):
    @FUZZ
    @given(body=json_bytes(fb_bodies), bad_signature=st.none() | st.binary(max_size=80),
           verify=st.fixed_dictionaries({}, optional={
               "hub.mode": st.just("subscribe") | nasty_text,
               "hub.verify_token": st.just(FB_VERIFY) | nasty_text,
               "hub.challenge": nasty_text}))
    def run(body, bad_signature, verify):
        signature = messenger_signature(FB_SECRET, body).encode()
        if bad_signature is not None:
            signature = header_value(bad_signature)
        fuzz.send("messenger POST /webhooks/messenger", "POST", "/webhooks/messenger",
                  data=body, headers={"Content-Type": "application/json",
                                      "X-Hub-Signature-256": signature})
        query = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}"
                         for k, v in verify.items())
        fuzz.send("messenger GET /webhooks/messenger", "GET", "/webhooks/messenger?" + query)

    run()
    errors = fuzz.tally.errors_of("messenger ")
    assert not errors, report(errors)


def test_payment_callback_correctly_signed_fuzzed_bodies_never_get_a_server_error(fuzz):
    bills = [fuzz.bill_number] if fuzz.bill_number else []
    confirmation = st.fixed_dictionaries(
        {"transaction_id": st.from_regex(r"\A[A-Za-z0-9-]{1,40}\Z") | nasty_text | json_leaf,
         "bill_number": st.sampled_from(bills + ["ST0000000000"]) | nasty_text | json_leaf,
         "amount": money, "paid_at": moments},
        optional={"extra": any_json})

    @FUZZ
    @given(body=json_bytes(confirmation), bad_signature=st.none() | st.binary(max_size=80),
           prefixed=st.booleans())
    def run(body, bad_signature, prefixed):
        digest = hmac.new(PAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
        signature = (("sha256=" if prefixed else "") + digest).encode()
        if bad_signature is not None:
            signature = header_value(bad_signature)
        fuzz.send("payment POST /api/signtax/payments/callback", "POST",
                  "/api/signtax/payments/callback", data=body,
                  allowed_5xx=frozenset({503}),  # documented: payments not configured
                  headers={"Content-Type": "application/json", "X-Signature": signature})

    run()
    errors = fuzz.tally.errors_of("payment ")
    assert not errors, report(errors)


PAGES = ["/motortaxi/v/{}", "/motortaxi/trip/{}", "/signtax/bills/{}", "/signtax/bills/{}/qr.png",
         "/signtax/receipts/{}", "/static/{}", "/{}"]
QUERY_APIS = ["/api/police/station", "/api/police/warnings", "/api/motortaxi/verify",
              "/webhooks/messenger", "/signtax/bills/{bill}", "/"]
STAFF_GETS = ["/api/motortaxi/activity", "/api/motortaxi/complaints",
              "/api/signtax/held-payments", "/api/motortaxi/riders/2998-5002/vest.svg"]
query_values = nasty_text | huge_numbers.map(str) | st.sampled_from(
    ["13.7316", "100.5417", "TH1007", DEMO_RIDER, "๒๙๙๘-๕๐๐๒", "1e309", "nan", "-inf"])


def test_public_pages_with_fuzzed_paths_and_queries_never_get_a_server_error(fuzz):
    signed = fuzz.bill_link  # a real signed bill link: the page behind the signature check

    @settings(FUZZ, max_examples=300)
    @given(page=st.sampled_from(PAGES), segment=nasty_text | st.from_regex(r"\A[A-Za-z0-9_-]{1,80}\Z"),
           api=st.sampled_from(QUERY_APIS), query=st.dictionaries(
               st.sampled_from(["lat", "lon", "code", "t", "district", "district_code",
                                "province", "hub.mode", "hub.challenge"]) | nasty_text,
               query_values, max_size=4),
           raw_query=st.binary(max_size=60), staff=st.sampled_from(STAFF_GETS),
           authorization=st.binary(max_size=60), use_signed=st.booleans())
    def run(page, segment, api, query, raw_query, staff, authorization, use_signed):
        path = page.format(quote(segment, safe="", errors="surrogatepass"))
        fuzz.send("pages GET " + page, "GET", path)
        target = api.replace("{bill}", fuzz.bill_number or "ST0")
        if use_signed and signed:
            target = signed.split("?")[0]
            query = {**query, "t": signed.split("t=")[-1] if "t=" in signed else ""}
        encoded = "&".join(f"{quote(k, safe='', errors='surrogatepass')}="
                           f"{quote(v, safe='', errors='surrogatepass')}" for k, v in query.items())
        fuzz.send("pages GET " + api + "?query", "GET", f"{target}?{encoded}")
        # percent-encoded arbitrary bytes (not UTF-8) as the whole query string
        fuzz.send("pages GET " + api + "?bytes", "GET",
                  f"{target}?{quote(raw_query, safe='=&')}")
        # a staff API with an arbitrary (non-ASCII, non-UTF-8) Authorization header
        fuzz.send("pages GET " + staff + " (Authorization)", "GET", staff,
                  allowed_5xx=frozenset({503}),
                  headers={"Authorization": b"Bearer " + header_value(authorization)})

    run()
    errors = fuzz.tally.errors_of("pages ")
    assert not errors, report(errors)


def logged_errors(log: str) -> Counter:
    """ERROR records of a log, counted by message and final exception line (digits and
    escaped characters folded, so one defect is one entry)."""
    found = Counter()
    for record in re.split(r"(?m)^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )", log):
        if " ERROR " not in record.split("\n", 1)[0]:
            continue
        head = record.split(" ERROR ", 1)[1].split("\n", 1)[0]
        if "aiohttp.http_exceptions." in record:
            continue  # aiohttp's parser refused a malformed request (too long, bad bytes): 400
        raised = re.findall(r"(?m)^[\w.]+(?:Error|Exception|Exit)\b.*$", record)
        key = head + (" | " + raised[-1] if raised else "")
        found[re.sub(r"\\u\w{4}|\\x\w\w|\d+", "#", key)[:300]] += 1
    return found


def test_no_unhandled_errors_behind_the_answers(fuzz):
    """Webhook events are answered 200 first and handled after: a crash there is silent to
    the platform, but the citizen gets no reply. The web app's log must show none."""
    errors = logged_errors((fuzz.var / "logs" / "web.log").read_text(errors="replace"))
    print(f"\nerrors logged by the web app during the fuzz run: {sum(errors.values())}")
    assert not errors, "\n".join(f"{n:5d} x {key}" for key, n in errors.most_common())
