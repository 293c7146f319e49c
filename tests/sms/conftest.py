"""SMS fixtures: a controllable clock, the fake Twilio server wired into the app, a roster with phones."""
import pytest

from tests.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio

TEST_SETTINGS = {"SMS_BACKOFF_SECONDS": 10.0, "SMS_BACKOFF_MAX_SECONDS": 60.0, "SMS_MAX_ATTEMPTS": 4,
                 "SMS_LEASE_SECONDS": 30.0, "SMS_HTTP_TIMEOUT": 10.0}


def _configure(app, values: dict):
    saved = {k: app.config.get(k) for k in values}
    app.config.update(values)
    return saved


@pytest.fixture
def fake_twilio(app, clock):
    """The fake Twilio, with the app's Twilio settings pointing at it (real client, real HTTP)."""
    fake = FakeTwilio().start()
    fake.clock = clock
    saved = _configure(app, {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": FROM,
                             "TWILIO_MESSAGING_SERVICE_SID": "", "TWILIO_API_BASE_URL": fake.url, **TEST_SETTINGS})
    yield fake
    app.config.update(saved)
    fake.stop()


@pytest.fixture
def console_sms(app):
    """No Twilio settings: the console backend."""
    saved = _configure(app, {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_FROM": "",
                             "TWILIO_MESSAGING_SERVICE_SID": "", **TEST_SETTINGS})
    yield
    app.config.update(saved)


@pytest.fixture
def links_everywhere(app):
    """Texts may carry links to every number (SMS_NO_LINK_PREFIXES empty), as for a provider that allows them."""
    saved = _configure(app, {"SMS_NO_LINK_PREFIXES": ""})
    yield
    app.config.update(saved)
