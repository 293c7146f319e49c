"""The public board does not enumerate estates (issue #15).

/board/estates/1…N used to show every estate's name, street and community, including
estates that never published anything. Now an estate's board answers 404 until it has
published a notice, and its URL names a random public id: the old numeric URL answers
404 (no redirect that would tell the walker the public id).
"""
import re

from sqlalchemy import select

from tests.api.test_notices_api import NOTICE
from tests.factories import board_path, make_estate
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.models.estates import PUBLIC_ID_LENGTH, Estate, new_public_id


def test_walking_numeric_ids_finds_no_estate(client, db):
    estates = [make_estate(name=f"小区{n}", community=f"社区{n}") for n in range(3)]
    for estate in estates:
        response = client.get(f"/board/estates/{estate.id}")
        assert response.status_code == 404 and "Location" not in response.headers
        assert estate.name not in response.get_data(as_text=True)


def test_board_is_404_until_the_estate_publishes_a_notice(client, db, clock):
    estate_id, h = estate_with_roster(client)
    name = db.session.get(Estate, estate_id).name
    before = client.get(board_path(estate_id))
    assert before.status_code == 404 and name not in before.get_data(as_text=True)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/notices", json=NOTICE, headers=h).status_code == 201
    after = client.get(board_path(estate_id))
    assert after.status_code == 200 and name in after.get_data(as_text=True)


def test_a_published_notice_links_its_board_by_public_id(client, db, clock):
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock)
    notice = client.post(f"/api/v1/rounds/{round_id}/notices", json=NOTICE, headers=h).get_json()
    public_id = db.session.get(Estate, estate_id).public_id
    assert not public_id.isdigit() and len(public_id) == PUBLIC_ID_LENGTH
    html = client.get(f"/board/notices/{notice['id']}").get_data(as_text=True)
    assert f'href="/board/estates/{public_id}"' in html and f'href="/board/estates/{estate_id}"' not in html


def test_public_ids_are_random_letters_first_and_unique():
    ids = {new_public_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[a-z][a-z2-9]{11}", i) and not re.search(r"[01lo]", i) for i in ids)


def test_every_estate_gets_a_distinct_public_id(db):
    for n in range(5):
        make_estate(name=f"小区{n}", community=f"社区{n}")
    ids = db.session.scalars(select(Estate.public_id)).all()
    assert len(ids) == len(set(ids)) == 5
