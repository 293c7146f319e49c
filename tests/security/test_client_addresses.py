"""Budgets keyed by the client's address see the resident behind the load balancer (TRUSTED_PROXIES),
and wrong phone4 answers are budgeted per link, per round and per round and address, so that a
right answer on a link that has not itself failed is never refused because other links failed."""
import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.ballots_helpers import open_round_with_links
from tests.factories import roster_csv
from tests.security.test_token_guessing import LIMIT, random_token
from voting.app import trust_proxies
from voting.ballots import attempt_limits

# 24 owners with a phone each: enough links to spend the round-and-address budget (100 an hour).
ROSTER = roster_csv([f"1,1,{100 + i},70.00,register,P{i:03d},业主{i},1390000{1000 + i},owned" for i in range(24)])
PER_LINK = attempt_limits.WRONG_ANSWERS_PER_LINK.limit.amount
PER_ROUND_ADDRESS = attempt_limits.WRONG_ANSWERS_PER_ROUND_ADDRESS.limit.amount
BALANCER = "10.0.0.2"


@pytest.fixture
def behind_one_proxy(app):
    """The app as `create_app` builds it with TRUSTED_PROXIES=1."""
    original, before = app.wsgi_app, app.config["TRUSTED_PROXIES"]
    app.config["TRUSTED_PROXIES"] = 1
    trust_proxies(app)
    assert isinstance(app.wsgi_app, ProxyFix)
    yield
    app.wsgi_app, app.config["TRUSTED_PROXIES"] = original, before


def _via_balancer(resident: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": BALANCER}, "headers": {"X-Forwarded-For": resident}}


def vote(client, link, digits, **request):
    return client.post("/api/v1/ballots", json={"token": link["token"], "choice": "agree", "verification": digits},
                       **request)


def test_without_trusted_proxies_a_forged_forwarded_header_changes_nothing(client, dataset):
    for n in range(LIMIT):
        forged = {"environ_base": {"REMOTE_ADDR": "203.0.113.50"}, "headers": {"X-Forwarded-For": f"198.51.100.{n}"}}
        assert client.get(f"/v/{random_token()}", **forged).status_code == 404
    assert client.get(f"/v/{random_token()}", environ_base={"REMOTE_ADDR": "203.0.113.50"},
                      headers={"X-Forwarded-For": "198.51.100.200"}).status_code == 429


def test_behind_one_proxy_residents_at_different_addresses_have_their_own_budgets(client, dataset,
                                                                                  behind_one_proxy):
    for _ in range(LIMIT):
        assert client.get(f"/v/{random_token()}", **_via_balancer("203.0.113.1")).status_code == 404
    assert client.get(f"/v/{random_token()}", **_via_balancer("203.0.113.1")).status_code == 429
    # Everyone comes from the balancer's address, yet the next resident is not the guesser.
    assert client.get(f"/v/{random_token()}", **_via_balancer("203.0.113.2")).status_code == 404
    # Only the last hop is believed: a client prepending its own header is still itself.
    spoofed = _via_balancer("198.51.100.9, 203.0.113.1")
    assert client.get(f"/v/{random_token()}", **spoofed).status_code == 429


def test_behind_one_proxy_a_right_answer_on_an_untouched_link_is_accepted_after_another_link_is_locked(
        client, db, clock, behind_one_proxy):
    opened = open_round_with_links(client, clock, verification="phone4", roster=ROSTER)
    links = list(opened.links.values())
    guesser = _via_balancer("203.0.113.66")
    for _ in range(PER_LINK):
        assert vote(client, links[0], "0000", **guesser).status_code == 422
    assert vote(client, links[0], "1000", **guesser).status_code == 429  # that link's own budget
    assert vote(client, links[1], "1001", **guesser).status_code == 201  # same address, untouched link
    assert vote(client, links[2], "1002", **_via_balancer("203.0.113.67")).status_code == 201


def test_the_round_and_address_budget_holds_only_links_that_failed(client, db, clock, behind_one_proxy):
    opened = open_round_with_links(client, clock, verification="phone4", roster=ROSTER)
    links = list(opened.links.values())
    nat = _via_balancer("203.0.113.80")  # a carrier's NAT: a whole estate behind one address
    spent_links = PER_ROUND_ADDRESS // PER_LINK
    for link in links[:spent_links]:
        for _ in range(PER_LINK):
            assert vote(client, link, "0000", **nat).status_code == 422
    touched = links[spent_links]
    assert vote(client, touched, "0000", **nat).status_code == 422  # untouched: judged, and wrong
    # Now it has failed, so the spent address budget holds it, even with the right digits…
    locked = vote(client, touched, f"{1000 + spent_links}", **nat)
    assert locked.status_code == 429 and "核验错误次数过多" in locked.get_json()["message"]
    # …but not from another address, and an untouched link behind the same NAT is still judged.
    assert vote(client, touched, f"{1000 + spent_links}", **_via_balancer("203.0.113.81")).status_code == 201
    assert vote(client, links[spent_links + 1], f"{1001 + spent_links}", **nat).status_code == 201


def test_the_findings_55_wrong_answers_over_11_links_leave_untouched_households_voting(client, db, clock):
    """Issue #15: 55 wrong phone4 answers over 12 links from one address, then two untouched households got 429."""
    opened = open_round_with_links(client, clock, verification="phone4", roster=ROSTER)
    links = list(opened.links.values())
    for link in links[:11]:
        for _ in range(PER_LINK):
            assert vote(client, link, "0000").status_code == 422
    assert vote(client, links[11], "0000").status_code == 422  # the twelfth link, once
    assert vote(client, links[12], "1012").status_code == 201
    assert vote(client, links[13], "1013").status_code == 201


def test_behind_one_proxy_login_limits_are_per_resident_not_global(app, client, db, behind_one_proxy):
    for n in range(10):  # the per-address limit on login attempts: 10 a minute
        response = client.post("/api/v1/auth/token", json={"username": f"n{n}", "password": "wrong-pass-1"},
                               **_via_balancer("203.0.113.90"))
        assert response.status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "x", "password": "wrong-pass-1"},
                       **_via_balancer("203.0.113.90")).status_code == 429
    assert client.post("/api/v1/auth/token", json={"username": "x", "password": "wrong-pass-1"},
                       **_via_balancer("203.0.113.91")).status_code == 401
