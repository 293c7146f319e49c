"""phone4 rounds: the last four digits verify a voter, so a community worker never sees them while one is open."""

from tests.ballots_helpers import open_round_with_links, second_worker


def test_a_community_worker_gets_no_phone_digits_while_a_phone4_round_is_open(client, db, clock):
    opened = open_round_with_links(client, clock, verification="phone4")
    roster = f"/api/v1/estates/{opened.estate_id}/roster.csv"
    masked = client.get(roster, headers=opened.headers).get_data(as_text=True)
    assert "138********" in masked and "1234" not in masked
    full = client.get(f"{roster}?full=true", headers=opened.headers)
    assert full.status_code == 403 and "街道办事处" in full.get_json()["message"]
    households = client.get(f"/api/v1/estates/{opened.estate_id}/households", headers=opened.headers).get_json()
    assert {p for h in households for p in h["phones"]} == {"138********"}
    client.post(f"/api/v1/rounds/{opened.round_id}/sms/reminders", headers=opened.headers, json={})
    outbox = client.get(f"/api/v1/rounds/{opened.round_id}/sms", headers=opened.headers).get_json()
    assert outbox["messages"] and {m["to"] for m in outbox["messages"]} == {"138********"}

    street = second_worker(client, "jd", role="street")
    assert "13812341234" in client.get(f"{roster}?full=true", headers=street).get_data(as_text=True)


def test_a_link_round_leaves_the_masked_export_as_it_was(client, db, clock):
    opened = open_round_with_links(client, clock)
    masked = client.get(f"/api/v1/estates/{opened.estate_id}/roster.csv", headers=opened.headers)
    assert "138****1234" in masked.get_data(as_text=True)
