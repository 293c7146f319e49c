"""After login, `next` may only name a page of this site (the open redirect of issue #15)."""
import pytest

from tests.factories import PASSWORD, csrf_token, make_user


def _login(client, next_param: str):
    token = csrf_token(client)
    return client.post("/login", query_string={"next": next_param},
                       data={"username": "admin", "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("attack", ["/\t/evil.example/phish", "//evil.example/phish", "/\\evil.example",
                                    "https://evil.example/", "/\n/evil.example"])
def test_login_never_redirects_off_site(client, db, attack):
    make_user("district", username="admin")
    response = _login(client, attack)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/estates" and "evil" not in location


def test_the_tab_attack_of_the_finding_over_the_raw_query_string(client, db):
    make_user("district", username="admin")
    token = csrf_token(client)
    response = client.post("/login?next=/%09/evil.example/phish",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/estates"


def test_a_same_site_next_is_followed(client, db):
    make_user("district", username="admin")
    response = _login(client, "/calendar?year=2026")
    assert response.headers["Location"] == "/calendar?year=2026"
