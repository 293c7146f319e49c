"""Guessing voting links: random tokens of the real format find nothing, and an address that
keeps trying unknown links is stopped (429, in Chinese) on the page and the API alike, while
real links from the same address (a carrier's NAT) keep working."""
import base64
import secrets

from voting.ballots.ballot_tokens import TOKEN_BYTES, TOKEN_LENGTH
from voting.ballots.link_lookup import resolve_token

SCAN = 10_000
LIMIT = 30  # unknown links per address and hour (voting.ballots.attempt_limits.UNKNOWN_LINKS)


def random_token() -> str:
    token = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii")
    assert len(token) == TOKEN_LENGTH
    return token


def test_ten_thousand_random_tokens_of_the_real_format_resolve_to_nothing(db, dataset):
    assert resolve_token(dataset.ids["token"]) is not None  # the scan would see a real one
    found = [token for token in (random_token() for _ in range(SCAN)) if resolve_token(token) is not None]
    assert found == []


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_sample_of_random_links_over_http_finds_nothing(client, dataset):
    for n in range(300):
        address = f"198.51.100.{n // (LIMIT // 2)}"  # stay under the limit: this is about finding nothing
        page = client.get(f"/v/{random_token()}", **_from(address))
        api = client.post("/api/v1/ballots", json={"token": random_token(), "choice": "agree"}, **_from(address))
        assert (page.status_code, api.status_code) == (404, 404)


def test_unknown_links_from_one_address_are_stopped_after_the_limit_on_page_and_api(client, dataset):
    address = _from("203.0.113.7")
    for n in range(LIMIT):  # page and API share one budget
        response = client.get(f"/v/{random_token()}", **address) if n % 2 else \
            client.post("/api/v1/ballots", json={"token": random_token(), "choice": "agree"}, **address)
        assert response.status_code == 404, n
    page = client.get(f"/v/{random_token()}", **address)
    assert page.status_code == 429
    assert "无效的表决链接尝试次数过多" in page.get_data(as_text=True)
    api = client.post("/api/v1/ballots", json={"token": random_token(), "choice": "agree"}, **address)
    assert api.status_code == 429
    assert api.get_json()["code"] == 429 and "无效的表决链接尝试次数过多" in api.get_json()["message"]
    assert "Retry-After" in api.headers
    # Only unknown links are stopped: a resident behind the same address still opens a real one,
    # and other addresses are not affected.
    assert client.get(f"/v/{dataset.ids['token']}", **address).status_code == 200
    assert client.get(f"/v/{random_token()}", **_from("203.0.113.8")).status_code == 404


def test_real_links_do_not_use_up_the_budget(client, dataset):
    """A resident reloading the ballot page, or a household's owners sharing one address, is never stopped."""
    address = _from("203.0.113.9")
    for _ in range(LIMIT + 10):
        assert client.get(f"/v/{dataset.ids['token']}", **address).status_code == 200
    assert client.get(f"/v/{random_token()}", **address).status_code == 404


def test_receipt_pages_and_code_requests_count_unknown_links_too(client, dataset):
    address = _from("203.0.113.10")
    for n in range(LIMIT):
        if n % 2:
            response = client.get(f"/v/{random_token()}/receipts/ABCD-EFGH-JKMN", **address)
        else:
            response = client.post("/api/v1/sms/codes", json={"token": random_token()}, **address)
        assert response.status_code == 404, n
    assert client.post("/api/v1/sms/codes", json={"token": random_token()}, **address).status_code == 429


def test_link_views_and_objections_through_the_api_count_unknown_links_too(client, dataset):
    address = _from("203.0.113.11")
    for n in range(LIMIT):
        response = client.get(f"/api/v1/links/{random_token()}", **address) if n % 2 else \
            client.post("/api/v1/objections", json={"token": random_token(), "text": "异议"}, **address)
        assert response.status_code == 404, n
    assert client.get(f"/api/v1/links/{random_token()}", **address).status_code == 429
    assert client.get(f"/api/v1/links/{dataset.ids['token']}", **address).status_code == 200


def test_unknown_receipt_codes_are_stopped_after_the_limit_on_page_and_api(client, dataset):
    """A receipt code is the owner's secret: guessing one is stopped like guessing links."""
    address = _from("203.0.113.12")
    for n in range(LIMIT):
        code = secrets.token_hex(6).upper()
        if n % 2:
            response = client.get(f"/api/v1/ballots/{code}", **address)
        else:
            form = client.get("/receipts", **address).get_data(as_text=True)
            token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = client.post("/receipts", data={"csrf_token": token, "code": code}, **address)
        assert response.status_code == 404, n
    api = client.get(f"/api/v1/ballots/{dataset.ids['receipt']}", **address)
    assert api.status_code == 429 and "回执编号次数过多" in api.get_json()["message"] and "Retry-After" in api.headers
    assert client.get(f"/api/v1/ballots/{dataset.ids['receipt']}", **_from("203.0.113.13")).status_code == 200
