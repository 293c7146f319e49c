"""POST /api/v1/ballots and GET /api/v1/ballots/{receipt}: the token is the credential."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.ballots_helpers import open_round_with_links
from tests.factories import roster_csv
from voting.models.ballots import Ballot
from voting.models.rounds import Opinion

# Eight owners with a phone each: enough tokens to spend the per-address budget of wrong answers.
PHONE_ROSTER = roster_csv([f"1,1,{100 + i},70.00,register,P{i:03d},业主{i},1390000{1000 + i},owned" for i in range(8)])


def vote(client, link, choice="agree", **extra):
    return client.post("/api/v1/ballots", json={"token": link["token"], "choice": choice, **extra})


def tally(client, opened):
    return client.get(f"/api/v1/rounds/{opened.round_id}/tally", headers=opened.headers).get_json()


def test_a_ballot_gets_a_receipt_that_tells_its_choice_and_no_person(client, db, clock):
    opened = open_round_with_links(client, clock)
    response = vote(client, opened.links["1-2-201"], "disagree")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"receipt", "cast_at", "counted"} and body["counted"] is True
    assert body["cast_at"] == "2026-09-01T01:00:00+00:00"
    status = client.get(f"/api/v1/ballots/{body['receipt']}")
    assert status.status_code == 200
    # The code is the owner's secret (60 random bits): it shows the choice recorded, never who (issue 16).
    assert status.get_json() == {
        "receipt": body["receipt"], "round_id": opened.round_id, "cast_at": body["cast_at"], "status": "counted",
        "channel": "online", "round_title": "第一次征询：改造意愿", "estate": "和睦新村", "choice": "disagree",
        "choice_zh": "不同意", "channel_zh": "线上", "status_zh": "计入", "counts": True}
    assert client.get(f"/api/v1/ballots/{body['receipt'].lower()}").status_code == 200  # read aloud, typed in lower case
    assert tally(client, opened)["disagree"]["heads"] == 1


def test_unknown_receipt_is_404_in_chinese(client, db, clock):
    response = client.get("/api/v1/ballots/AAAA-BBBB-CCCC")
    assert response.status_code == 404 and response.get_json()["message"].startswith("找不到该回执编号，请核对后再查")


def test_an_opinion_with_the_ballot_becomes_an_opinion_row_linked_to_it(client, db, clock):
    opened = open_round_with_links(client, clock)
    receipt = vote(client, opened.links["1-2-201"], opinion="  希望加装电梯  ").get_json()["receipt"]
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt == receipt))
    opinion = db.session.get(Opinion, ballot.opinion_id)
    assert (opinion.text, opinion.channel, opinion.household_id) == ("希望加装电梯", "online", ballot.household_id)
    assert ballot.token_id is not None and ballot.channel == "online"


def test_every_refusal_has_its_status_and_a_chinese_message(client, db, clock):
    opened = open_round_with_links(client, clock)
    unknown = client.post("/api/v1/ballots", json={"token": "x" * 24, "choice": "agree"})
    assert unknown.status_code == 404 and "请联系社区工作人员重新领取二维码" in unknown.get_json()["message"]
    bad = vote(client, opened.links["1-2-201"], "yes")
    assert bad.status_code == 422 and "agree（同意）" in bad.get_json()["errors"]["json"]["choice"][0]
    assert client.post("/api/v1/ballots", json={"choice": "agree"}).status_code == 422
    assert db.session.scalar(select(Ballot.id)) is None

    clock.advance(days=7)  # the closing time has come; the round is not closed yet
    late = vote(client, opened.links["1-2-201"])
    assert late.status_code == 409 and late.get_json()["message"] == "本轮表决已截止，不能再提交表决。"
    closed = client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers)
    assert closed.status_code == 200
    assert vote(client, opened.links["1-2-201"]).status_code == 409
    assert db.session.scalar(select(Ballot.id)) is None


def test_policy_first_a_multi_unit_owner_voting_through_the_second_unit_is_a_duplicate(client, db, clock):
    opened = open_round_with_links(client, clock, policy="first")
    first = vote(client, opened.links["1-1-101"], "agree").get_json()
    clock.advance(minutes=5)
    second = vote(client, opened.links["1-1-102"], "disagree")
    assert second.status_code == 201 and second.get_json()["counted"] is False
    assert client.get(f"/api/v1/ballots/{second.get_json()['receipt']}").get_json()["status"] == "duplicate"
    assert client.get(f"/api/v1/ballots/{first['receipt']}").get_json()["status"] == "counted"
    result = tally(client, opened)
    assert result["agree"] == {"heads": 1, "area": "140.75"} and result["disagree"]["heads"] == 0


def test_policy_last_the_latest_ballot_counts_and_the_earlier_is_superseded(client, db, clock):
    opened = open_round_with_links(client, clock, policy="last")
    first = vote(client, opened.links["1-1-101"], "agree").get_json()
    clock.advance(minutes=5)
    second = vote(client, opened.links["1-1-101"], "disagree").get_json()
    assert second["counted"] is True
    assert client.get(f"/api/v1/ballots/{first['receipt']}").get_json()["status"] == "superseded"
    assert client.get(f"/api/v1/ballots/{second['receipt']}").get_json()["status"] == "counted"
    result = tally(client, opened)
    assert result["disagree"]["heads"] == 1 and result["agree"]["heads"] == 0


def test_phone4_wrong_answers_are_422_then_429_per_token(client, db, clock):
    opened = open_round_with_links(client, clock, verification="phone4")
    link = opened.links["1-1-101"]  # 张三明, 13812341234
    missing = vote(client, link)
    assert missing.status_code == 422 and missing.get_json()["message"] == "请输入名册登记手机号的后四位"
    no_phone = vote(client, opened.links["1-2-201"], verification="1234")  # 李四 has no phone on the roll
    assert no_phone.status_code == 409 and "没有登记您的手机号" in no_phone.get_json()["message"]
    for _ in range(5):
        wrong = vote(client, link, verification="0000")
        assert wrong.status_code == 422 and "手机号后四位不正确" in wrong.get_json()["errors"]["json"]["verification"][0]
    locked = vote(client, link, verification="1234")
    assert locked.status_code == 429 and locked.get_json()["message"] == "核验错误次数过多，请10分钟后再试，或联系社区工作人员"
    assert db.session.scalar(select(Ballot.id)) is None
    # The other unit's token has its own budget; the right answer goes through.
    assert vote(client, opened.links["1-1-102"], verification="1234").status_code == 201


def test_phone4_wrong_answers_on_other_links_never_refuse_an_untouched_link(client, db, clock):
    """The finding: 55 wrong answers over 11 links from one address locked two untouched households out."""
    opened = open_round_with_links(client, clock, verification="phone4", roster=PHONE_ROSTER)
    links = list(opened.links.values())
    for link in links[:6]:
        for _ in range(5):
            assert vote(client, link, verification="0000").status_code == 422
    assert vote(client, links[0], verification="1000").status_code == 429  # its own budget is spent
    assert vote(client, links[6], verification="1006").status_code == 201
    assert vote(client, links[7], verification="1007").status_code == 201


def test_simultaneous_ballots_for_one_voter_keep_all_and_count_exactly_one(app, client, db, clock):
    opened = open_round_with_links(client, clock, policy="first")
    tokens = [opened.links["1-1-101"]["token"], opened.links["1-1-102"]["token"]]  # one owner, two units
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results = [None] * threads_count

    def cast(i):
        own = app.test_client()  # its own client, request context, session and connection
        barrier.wait()
        results[i] = own.post("/api/v1/ballots", json={"token": tokens[i % 2], "choice": "agree"})

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.status_code for r in results] == [201] * threads_count, [r.get_json() for r in results]
    assert sum(r.get_json()["counted"] for r in results) == 1
    db.session.expire_all()
    ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == opened.round_id)).all()
    assert sorted(b.seq for b in ballots) == list(range(1, threads_count + 1))
    assert [b.seq for b in ballots if b.counted_at_cast] == [1]
    assert len({b.receipt for b in ballots}) == threads_count
    assert tally(client, opened)["agree"]["heads"] == 1


@pytest.mark.parametrize("policy", ["first", "last"])
def test_a_repeated_request_with_one_idempotency_key_makes_one_ballot(client, db, clock, policy):
    """A client retrying a POST whose answer was lost gets the first answer back, not a second ballot."""
    opened = open_round_with_links(client, clock, policy=policy)
    link = opened.links["1-2-201"]
    key = {"Idempotency-Key": "retry-7f3a2c"}
    first = client.post("/api/v1/ballots", json={"token": link["token"], "choice": "agree"}, headers=key)
    clock.now += timedelta(minutes=3)
    again = client.post("/api/v1/ballots", json={"token": link["token"], "choice": "agree"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()  # same receipt, same time, still counted
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    # Another key is another submission, kept by the round's policy.
    other = client.post("/api/v1/ballots", json={"token": link["token"], "choice": "disagree"},
                        headers={"Idempotency-Key": "retry-other"})
    assert other.status_code == 201 and other.get_json()["receipt"] != first.get_json()["receipt"]
    assert other.get_json()["counted"] is (policy == "last")
    assert db.session.scalar(select(func.count(Ballot.id))) == 2


@pytest.mark.parametrize("policy", ["first", "last"])
@pytest.mark.parametrize("changed", [{"choice": "disagree"}, {"opinion": "希望加装电梯"}])
def test_an_idempotency_key_used_for_another_ballot_content_is_422_and_keeps_the_first(client, db, clock, policy,
                                                                                        changed):
    """The key binds the request: a different choice or opinion is not silently answered with the first ballot."""
    opened = open_round_with_links(client, clock, policy=policy)
    link = opened.links["1-2-201"]
    key = {"Idempotency-Key": "retry-bound-1"}
    first = client.post("/api/v1/ballots", json={"token": link["token"], "choice": "agree", "opinion": " 好 "},
                        headers=key)
    assert first.status_code == 201
    body = {"token": link["token"], "choice": "agree", "opinion": " 好 ", **changed}
    other = client.post("/api/v1/ballots", json=body, headers=key)
    assert other.status_code == 422
    answer = other.get_json()
    assert answer["message"] == "幂等键已用于另一份表决内容"
    assert answer["errors"] == {"headers": {"Idempotency-Key": ["幂等键已用于另一份表决内容"]}}
    assert "receipt" not in answer
    same = client.post("/api/v1/ballots", json={"token": link["token"], "choice": "agree", "opinion": "好"},
                       headers=key)  # the opinion as kept (trimmed) is the same opinion
    assert same.status_code == 201 and same.get_json() == first.get_json()
    assert [(b.choice, b.receipt) for b in db.session.scalars(select(Ballot))] == [
        ("agree", first.get_json()["receipt"])]
    assert tally(client, opened)["agree"]["heads"] == 1


def test_an_idempotency_key_belongs_to_its_voter(client, db, clock):
    opened = open_round_with_links(client, clock)
    key = {"Idempotency-Key": "same-key-two-homes"}
    one = client.post("/api/v1/ballots", json={"token": opened.links["1-2-201"]["token"], "choice": "agree"}, headers=key)
    two = client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"], "choice": "agree"}, headers=key)
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.get_json()["receipt"] != two.get_json()["receipt"]


@pytest.mark.parametrize("bad", ["", "x" * 65, "含中文", "with space", "tab\there"])
def test_a_malformed_idempotency_key_is_422_in_chinese_and_casts_nothing(client, db, clock, bad):
    opened = open_round_with_links(client, clock)
    response = client.post("/api/v1/ballots", json={"token": opened.links["1-2-201"]["token"], "choice": "agree"},
                           headers={"Idempotency-Key": bad.encode("utf-8").decode("latin-1")})
    assert response.status_code == 422
    assert "Idempotency-Key 须为" in response.get_json()["errors"]["headers"]["Idempotency-Key"][0]
    assert db.session.scalar(select(Ballot.id)) is None
