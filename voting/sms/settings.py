"""SMS settings: app config first, then the environment, then defaults.

Read here rather than in voting/config.py so the worker's tuning knobs live with the
worker. Tests shorten the backoff and the lease through the app config.
"""
import os

from flask import current_app

DEFAULTS = {
    "SMS_BATCH": 20,               # messages claimed per round trip
    "SMS_POLL_SECONDS": 2.0,       # idle wait of `flask sms worker` between empty polls
    "SMS_LEASE_SECONDS": 120.0,    # > SMS_HTTP_TIMEOUT: a claim outlives any request in flight
    "SMS_HTTP_TIMEOUT": 30.0,
    "SMS_MAX_ATTEMPTS": 6,
    "SMS_BACKOFF_SECONDS": 30.0,   # first retry after this, then doubling…
    "SMS_BACKOFF_MAX_SECONDS": 3600.0,  # …up to this
    "SMS_RECOVERY_LOOKBACK": 50,   # provider messages to the same number inspected on recovery
    "SMS_OTP_INLINE": True,        # send a one-time code right after the request commits
    # Confirmation texts after a ballot wait this long after the household's newest ballot,
    # so a change of mind within minutes is one text (ballot_confirmations.py).
    "SMS_CONFIRM_QUIET_SECONDS": 300.0,
    "SMS_CONFIRM_LOOKBACK_HOURS": 48.0,  # closed rounds still confirmed for this long after closing
    # E.164 prefixes (comma-separated) whose texts carry no URL: Twilio's rules for mainland
    # China refuse URLs in message content. Reminders there point to the QR slip at the door
    # and the community's hotline; result texts to the estate's board. "" allows links everywhere.
    "SMS_NO_LINK_PREFIXES": "+86",
    "TWILIO_API_BASE_URL": "",     # e.g. a local fake Twilio in tests; empty = https://api.twilio.com
}


def setting(name: str):
    """The value of an SMS setting, typed like its default."""
    default = DEFAULTS[name]
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
        if value is None:
            return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    return type(default)(value)


def twilio_configured() -> bool:
    config = current_app.config
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                and (config.get("TWILIO_FROM") or config.get("TWILIO_MESSAGING_SERVICE_SID")))
