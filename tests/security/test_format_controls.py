"""Bidi overrides and other invisible format characters are refused in every free-text field, as
the roster refuses them (issue #15: opinions, notice titles and estate names accepted U+202E)."""
import pytest

from tests.ballots_helpers import open_round_with_links
from tests.factories import api_token, csrf_token, make_user, page_login

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "小区gpj.exe" shows as "小区exe.jpg"


@pytest.mark.parametrize("char", [RLO, "\u2066", "\u200b", "\ufeff", "\u001b", "\u0085"])
def test_an_opinion_with_a_format_or_control_character_is_422(client, db, clock, char):
    opened = open_round_with_links(client, clock)
    response = client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"], "choice": "agree",
                                                    "opinion": f"同意{char}改造"})
    assert response.status_code == 422 and "控制字符" in response.get_json()["message"]


def test_line_breaks_tabs_and_emoji_joiners_in_an_opinion_are_kept(client, db, clock):
    opened = open_round_with_links(client, clock)
    response = client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"], "choice": "agree",
                                                    "opinion": "同意\n第一条\t第二条 👨\u200d👩\u200d👧"})
    assert response.status_code == 201


def test_an_estate_name_with_a_bidi_override_is_refused_on_the_api_and_the_page(client, db):
    make_user("district", username="qu")
    estate = {"name": f"和睦{RLO}新村", "street": "和睦街道", "community": "和睦社区", "built_year": 1986}
    response = client.post("/api/v1/estates", json=estate, headers=api_token(client, "qu"))
    assert response.status_code == 422
    page_login(client, "qu")
    page = client.post("/estates", data={**estate, "csrf_token": csrf_token(client, "/estates")})
    assert page.status_code == 422 and "控制字符" in page.get_data(as_text=True)


def test_a_notice_title_with_a_bidi_override_is_refused(client, db, clock):
    opened = open_round_with_links(client, clock)
    response = client.post(f"/api/v1/rounds/{opened.round_id}/notices", headers=opened.headers,
                           json={"kind": "proposal", "title": f"公示{RLO}", "body": "内容"})
    assert response.status_code == 422 and "控制字符" in response.get_json()["message"]
