"""Password guessing on one account is slowed per account and address, on the page as on the API,
and a stranger's guesses never lock the owner out (issue #15: the 42nd try used to log in on the
page, and 20 wrong API passwords from anywhere locked the owner out for an hour)."""
import time
import types

import pytest
from limits.storage import memory
from sqlalchemy import select

from tests.factories import PASSWORD, csrf_token, make_user
from voting.accounts.login_backoff import ACCOUNT_ALERT, STEPS
from voting.models.audit import AuditEvent

FIRST_STEP = STEPS[0].limit.amount  # 5 a minute


@pytest.fixture
def later(monkeypatch):
    """Move the rate-limit storage's clock (memory://, as in the tests) forward by `seconds`."""
    offset = [0.0]
    monkeypatch.setattr(memory, "time", types.SimpleNamespace(time=lambda: time.time() + offset[0]))

    def advance(seconds: float) -> None:
        offset[0] += seconds
    return advance


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def page_login(client, password: str, address: str):
    token = csrf_token(client)
    return client.post("/login", data={"username": "admin", "password": password, "csrf_token": token},
                       **_from(address))


def api_login(client, password: str, address: str):
    return client.post("/api/v1/auth/token", json={"username": "admin", "password": password}, **_from(address))


def test_page_guessing_is_stopped_even_with_the_right_password_and_the_owner_still_logs_in(app, client, db, clock):
    make_user("district", username="admin")
    for _ in range(FIRST_STEP):
        assert page_login(client, "wrong-guess-123", "203.0.113.5").status_code == 401
    stopped = page_login(client, PASSWORD, "203.0.113.5")
    assert stopped.status_code == 429 and "登录失败次数过多" in stopped.get_data(as_text=True)
    assert "Retry-After" in stopped.headers
    assert page_login(app.test_client(), PASSWORD, "198.51.100.20").status_code == 302  # the owner, elsewhere
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_login_throttled")).all()
    assert len(events) == 1 and events[0].actor == "admin" and '"address": "203.0.113.5"' in events[0].data


def test_api_guessing_never_locks_the_owner_out(client, db, clock):
    make_user("district", username="admin")
    codes = []
    for n in range(30):  # from many addresses, more than the old per-account lock (20 an hour)
        address = f"203.0.113.{n // FIRST_STEP}"
        codes.append(api_login(client, "wrong-guess-123", address).status_code)
    assert set(codes) == {401}
    assert api_login(client, PASSWORD, "198.51.100.30").status_code == 200
    assert api_login(client, PASSWORD, "203.0.113.0").status_code == 429  # the address that spent its step


def test_page_and_api_share_the_steps_and_they_grow(app, client, db, clock, later):
    make_user("district", username="admin")
    address = "203.0.113.40"
    for n in range(FIRST_STEP):
        response = page_login(client, "wrong-guess-123", address) if n % 2 else \
            api_login(client, "wrong-guess-123", address)
        assert response.status_code == 401
    assert api_login(client, PASSWORD, address).status_code == 429
    # The first step's window (a minute) passes: five more tries, then the ten-minute step holds.
    later(61)
    for _ in range(STEPS[1].limit.amount - FIRST_STEP):
        assert api_login(client, "wrong-guess-123", address).status_code == 401
    later(61)
    refused = api_login(client, PASSWORD, address)
    assert refused.status_code == 429 and "10分钟" in refused.get_json()["message"]


def test_a_guessing_campaign_over_many_addresses_raises_one_alert(client, db, clock):
    make_user("district", username="admin")
    for n in range(ACCOUNT_ALERT.limit.amount + 3):
        api_login(client, "wrong-guess-123", f"198.51.100.{n}")
    alerts = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_login_failures_alert")).all()
    assert len(alerts) == 1 and alerts[0].actor == "admin"


def test_unknown_names_are_slowed_alike_so_a_429_does_not_tell_which_names_exist(client, db, clock):
    for _ in range(FIRST_STEP):
        assert client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x-wrong-123"},
                           **_from("203.0.113.60")).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x-wrong-123"},
                       **_from("203.0.113.60")).status_code == 429
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action.like("staff_login%"))) is None
