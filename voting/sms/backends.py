"""Where messages go: Twilio (through the official client) or the console (development).

The worker talks to a backend through two calls: `send` and, to recover an attempt
whose outcome it never learnt, `find_sent`. A failure is classified here, because only
here do we know the provider: transient (retry later) or permanent (give up, say why),
and for a transient one whether the provider may have accepted the message anyway.
"""
import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..privacy import mask_phone
from .settings import setting, twilio_configured

log = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(minutes=2)  # between our clock and the provider's date_created


@dataclass(frozen=True)
class SendOutcome:
    sid: str
    status: str  # the provider's status: queued / accepted / sent / delivered …


class TransientSendError(Exception):
    """Try again later. `ambiguous`: the provider may have accepted the message (5xx, timeout)."""

    def __init__(self, reason: str, ambiguous: bool):
        super().__init__(reason)
        self.reason, self.ambiguous = reason, ambiguous


class PermanentSendError(Exception):
    """The provider refused the message for good (a 4xx other than 429): do not retry."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _same_text(a: str | None, b: str) -> bool:
    return a is not None and unicodedata.normalize("NFC", a.strip()) == unicodedata.normalize("NFC", b.strip())


class TwilioBackend:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, messaging_service_sid: str,
                 timeout: float, base_url: str = "", lookback: int = 50):
        # No retries inside the HTTP client: a silent retry of a POST could send twice.
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if base_url:  # a Twilio-compatible endpoint (the tests' local fake)
            self.client.api.base_url = base_url.rstrip("/")
        self.from_number, self.service_sid, self.lookback = from_number, messaging_service_sid, lookback

    def _classify(self, exc: Exception) -> Exception:
        status = getattr(exc, "status", None)
        if isinstance(exc, TwilioException) and isinstance(status, int):
            detail = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
            reason = f"HTTP {status}（Twilio {getattr(exc, 'code', '')}）：{detail}"[:480]
            if status == 429:
                return TransientSendError(reason, ambiguous=False)  # throttled before anything was created
            if status >= 500:
                return TransientSendError(reason, ambiguous=True)
            return PermanentSendError(reason)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransientSendError(f"连接超时：{exc}"[:480], ambiguous=False)
        # A reset or read timeout may come after Twilio created the message.
        return TransientSendError(f"网络错误：{type(exc).__name__}: {exc}"[:480], ambiguous=True)

    def send(self, to: str, body: str, status_callback: str | None) -> SendOutcome:
        params = {"to": to, "body": body}
        if self.service_sid:
            params["messaging_service_sid"] = self.service_sid
        else:
            params["from_"] = self.from_number
        if status_callback:
            params["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**params)
        except (TwilioException, requests.exceptions.RequestException) as exc:
            raise self._classify(exc) from exc
        return SendOutcome(message.sid, message.status or "queued")

    def find_sent(self, to: str, body: str, started_at: datetime, until: datetime,
                  known_sids: set[str]) -> SendOutcome | None:
        """A message Twilio holds for this attempt: same recipient and text, created in the
        attempt's window, and not already recorded against another outbox row."""
        try:
            messages = self.client.messages.list(to=to, limit=self.lookback)
        except (TwilioException, requests.exceptions.RequestException) as exc:
            error = self._classify(exc)
            raise TransientSendError(f"查询已发短信失败：{error}", ambiguous=True) from exc
        for message in messages:
            if message.sid in known_sids or not _same_text(message.body, body):
                continue
            if self.from_number and not self.service_sid and message.from_ not in (None, self.from_number):
                continue
            created = message.date_created
            if created is not None and not (started_at - CLOCK_SKEW <= created <= until + CLOCK_SKEW):
                continue
            return SendOutcome(message.sid, message.status or "queued")
        return None


class ConsoleBackend:
    """Development: the text goes to the worker's log and the outbox row shows it to staff."""

    name = "console"

    def send(self, to: str, body: str, status_callback: str | None) -> SendOutcome:
        log.warning("SMS（控制台，未真实发送）→ %s：%s", mask_phone(to), body)
        return SendOutcome("CONSOLE" + uuid.uuid4().hex[:26], "delivered")

    def find_sent(self, to, body, started_at, until, known_sids) -> SendOutcome | None:
        return None  # nothing leaves the process, so an interrupted attempt sent nothing


_BACKENDS: dict[tuple, object] = {}


def current_backend():
    """The backend the config names: Twilio when its credentials and a sender are set, else console."""
    config = current_app.config
    if not twilio_configured():
        return ConsoleBackend()
    key = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], config.get("TWILIO_FROM", ""),
           config.get("TWILIO_MESSAGING_SERVICE_SID", ""), setting("SMS_HTTP_TIMEOUT"),
           setting("TWILIO_API_BASE_URL"), setting("SMS_RECOVERY_LOOKBACK"))
    if key not in _BACKENDS:  # one client (one connection pool) per configuration
        _BACKENDS[key] = TwilioBackend(*key)
    return _BACKENDS[key]
