"""A local HTTP server speaking the part of Twilio's Messages API the worker uses.

The real `twilio` client talks to it (TWILIO_API_BASE_URL): POST …/Messages.json creates a
message (201, Twilio-shaped JSON), GET …/Messages.json lists them newest first. Tests
script failures (429, 5xx, 4xx, a 5xx *after* creating, a response that never comes)
and read what arrived: every POST, and sends counted per outbox row (the `m` marker of
the StatusCallback URL), which is how "never sent twice" is checked.
"""
import base64
import json
import threading
import uuid
from collections import Counter, deque
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token-for-tests"
FROM = "+15005550006"
ERRORS = {
    429: {"code": 20429, "message": "Too Many Requests"},
    500: {"code": 20500, "message": "Internal Server Error"},
    503: {"code": 20503, "message": "Service Unavailable"},
    400: {"code": 21211, "message": "The 'To' number is not a valid phone number."},
    401: {"code": 20003, "message": "Authenticate"},
}


class FakeTwilio:
    def __init__(self, delay: float = 0.0):
        self.clock = lambda: datetime.now(timezone.utc)  # Twilio's date_created; tests set their clock
        self.lock = threading.Lock()
        self.messages: list[dict] = []  # every message "Twilio" holds, oldest first
        self.posts: list[dict] = []  # every create request, whatever its outcome
        self.sends = Counter()  # outbox row id (StatusCallback ?m=) → messages created for it
        self.script: deque = deque()  # per POST: 201, 429, 500, 400, "created-then-500", "hang"
        self.list_calls = 0
        self.delay = delay
        self.release = threading.Event()  # lets a "hang" response go
        self.hanging = threading.Event()  # set when a request is hanging
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def bodies_to(self, phone: str) -> list[str]:
        return [m["body"] for m in self.messages if m["to"] == phone]

    def _create(self, form: dict) -> dict:
        marker = parse_qs(urlsplit(form.get("StatusCallback", "")).query).get("m", ["?"])[0]
        now = self.clock()
        message = {
            "sid": "SM" + uuid.uuid4().hex, "account_sid": ACCOUNT_SID, "api_version": "2010-04-01",
            "to": form["To"], "from": form.get("From") or FROM, "body": form["Body"],
            "messaging_service_sid": form.get("MessagingServiceSid"), "status": "queued",
            "direction": "outbound-api", "num_segments": "1", "num_media": "0", "price": None,
            "price_unit": "USD", "error_code": None, "error_message": None,
            "date_created": format_datetime(now), "date_updated": format_datetime(now), "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SMx.json", "subresource_uris": {},
        }
        with self.lock:
            self.messages.append(message)
            self.sends[marker] += 1
        return message

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._reply(401, {**ERRORS[401], "status": 401})
                    return False
                return True

            def do_POST(self):
                if not self._authorised():
                    return
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    fake.posts.append(form)
                    step = fake.script.popleft() if fake.script else 201
                if fake.delay:
                    threading.Event().wait(fake.delay)
                if step in (201, "created-then-500", "hang"):
                    message = fake._create(form)
                    if step == "hang":  # created, but the answer never reaches the worker
                        fake.hanging.set()
                        fake.release.wait(30)
                        return
                    if step == 201:
                        return self._reply(201, message)
                    step = 500
                self._reply(step, {**ERRORS[step], "more_info": "https://www.twilio.com/docs/errors", "status": step})

            def do_GET(self):
                if not self._authorised():
                    return
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with fake.lock:
                    fake.list_calls += 1
                    found = [m for m in reversed(fake.messages) if m["to"] == query.get("To", m["to"])]
                size = int(query.get("PageSize", 50))
                self._reply(200, {"messages": found[:size], "end": min(size, len(found)) - 1, "start": 0, "page": 0,
                                  "page_size": size, "first_page_uri": self.path, "next_page_uri": None,
                                  "previous_page_uri": None, "uri": self.path})

        return Handler
