"""What the database guarantees when requests race: one ballot rule, one decision per paper entry, a hard close.

Each worker thread pushes its own app context, so it has its own session and its own
connection, as separate gunicorn workers would. The suite runs this on SQLite and on
PostgreSQL (TEST_DATABASE_URL); nothing here is specific to either.
"""
import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_user, roster_csv
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps
from voting.ballots import paper
from voting.ballots.casting import CastRefused, cast_ballot
from voting.ballots.online import vote_with_token
from voting.ballots.vote_requests import cast_once
from voting.extensions import db as _db
from voting.models.accounts import StaffUser
from voting.models.ballots import Ballot, PaperConfirmation, PaperEntry
from voting.models.rounds import RollEntry, Round, RoundVoter
from voting.rounds.operations import close_round

# Fewer threads than the connection pool holds (5 + 10 overflow), with room for the test's own session.
WORKERS = 10
# One owner (K1) with three units, and 30 single-unit owners for the close race.
ROSTER = roster_csv(["1,1,101,80.00,register,K1,张三明,13812341234,owned",
                     "1,1,102,60.00,register,K1,张三明,13812341234,owned",
                     "1,1,103,50.00,register,K1,张三明,13812341234,owned"]
                    + [f"2,1,{100 + i},70.00,register,S{i:02d},业主{i},,owned" for i in range(30)])


def open_round(client, clock, policy="first"):
    estate_id, headers = estate_with_roster(client, ROSTER)
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock, policy=policy)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    return round_id, headers


def units(db, round_id) -> dict[str, int]:
    return {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}


def race(app, jobs):
    """Run each job in its own thread and app context, released together; returns results or exceptions."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = job()
                _db.session.commit()
            except Exception as exc:  # noqa: BLE001 — the test inspects what each worker met
                _db.session.rollback()
                results[index] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def cast_job(round_id, household_id, choice, now):
    def job():
        ballot = cast_ballot(_db.session.get(Round, round_id), household_id, choice, "online", now)
        return ballot.seq, ballot.counted_at_cast, ballot.choice
    return job


@pytest.mark.parametrize("policy", ["first", "last"])
def test_simultaneous_casts_for_one_voter_keep_every_ballot_and_count_exactly_one(app, client, db, clock, policy):
    round_id, headers = open_round(client, clock, policy)
    labels = units(db, round_id)
    k1 = [labels["1-1-101"], labels["1-1-102"], labels["1-1-103"]]  # one owner, through any of their units
    db.session.commit()
    jobs = [cast_job(round_id, k1[i % 3], ("agree", "disagree")[i % 2], clock.now + timedelta(seconds=i))
            for i in range(WORKERS)]

    results = race(app, jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.seq)).all()
    assert [b.seq for b in ballots] == list(range(1, WORKERS + 1))  # all kept, numbered 1..N without a gap
    assert sorted(r[0] for r in results) == list(range(1, WORKERS + 1))
    voter = db.session.scalar(select(RoundVoter).where(RoundVoter.round_id == round_id,
                                                       RoundVoter.voter_key == ballots[0].voter_key))
    assert voter.ballots == WORKERS
    tally = client.get(f"/api/v1/rounds/{round_id}/tally", headers=headers).get_json()
    assert tally["participating"]["heads"] == 1  # one owner, however many ballots
    if policy == "first":
        assert [b.counted_at_cast for b in ballots] == [True] + [False] * (WORKERS - 1)
        standing = ballots[0]
    else:
        assert all(b.counted_at_cast for b in ballots)
        standing = ballots[-1]
    assert tally[standing.choice]["heads"] == 1 and tally[standing.choice]["area"] == "190.00"


def pending_entry(client, round_id, headers, household_id) -> int:
    response = client.post(f"/api/v1/rounds/{round_id}/paper-ballots", headers=headers, data={
        "household_id": str(household_id), "choice": "agree", "kind": "paper",
        "scan": (io.BytesIO(jpeg_with_gps()), "ballot.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def decide_job(entry_id, username, action, now):
    def job():
        user = _db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        entry = _db.session.get(PaperEntry, entry_id)
        if action == "confirm":
            return paper.confirm_paper_entry(entry, user, now).outcome
        return paper.reject_paper_entry(entry, user, "签字不符", now).outcome
    return job


@pytest.mark.parametrize("second", ["confirm", "reject"])
def test_two_workers_deciding_one_paper_entry_at_once_make_exactly_one_decision(app, client, db, clock,
                                                                                 monkeypatch, second):
    round_id, headers = open_round(client, clock)
    labels = units(db, round_id)
    for name in ("checker-a", "checker-b"):
        make_user("community", "和睦街道", "和睦社区", username=name)
    entries = [pending_entry(client, round_id, headers, labels[f"2-1-{100 + i}"]) for i in range(5)]
    # Blind the friendly Python check: only the unique key on paper_confirmations.entry_id is left to decide.
    monkeypatch.setattr(paper, "decision_of", lambda entry_id: None)

    for entry_id in entries:
        results = race(app, [decide_job(entry_id, "checker-a", "confirm", clock.now),
                             decide_job(entry_id, "checker-b", second, clock.now)])
        refused = [r for r in results if isinstance(r, paper.PaperRefused)]
        assert len(refused) == 1 and refused[0].status == 409 and refused[0].message == paper.DECIDED_ZH, results
        assert [r for r in results if isinstance(r, str)] in (["counted"], ["rejected"])

    decisions = db.session.execute(select(PaperConfirmation.entry_id, func.count()).group_by(
        PaperConfirmation.entry_id)).all()
    assert sorted(decisions) == [(e, 1) for e in entries]
    counted = {d.entry_id for d in db.session.scalars(select(PaperConfirmation).where(
        PaperConfirmation.outcome == "counted"))}
    ballots = db.session.scalars(select(Ballot.paper_entry_id).where(Ballot.round_id == round_id)).all()
    assert sorted(ballots) == sorted(counted)  # a ballot for each confirmation, none for a rejection


def test_a_close_racing_with_casts_accepts_no_ballot_after_it(app, client, db, clock):
    round_id, headers = open_round(client, clock)
    labels = units(db, round_id)
    closes_at = db.session.get(Round, round_id).closes_at
    staff_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "sq"))
    db.session.commit()
    # Casters whose clocks still read a second before the deadline, against a closer whose clock reached it.
    casters = [cast_job(round_id, labels[f"2-1-{100 + i}"], "agree", closes_at - timedelta(seconds=1))
               for i in range(WORKERS - 1)]

    def close_job():
        close_round(_db.session.get(Round, round_id), staff_id, closes_at)
        return "closed"

    results = race(app, casters[:4] + [close_job] + casters[4:])

    assert "closed" in results
    assert all(isinstance(r, (tuple, str)) or (isinstance(r, CastRefused) and r.status == 409) for r in results), results
    accepted = [r for r in results if isinstance(r, tuple)]
    ledger = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
    assert ledger == len(accepted)  # a refused cast leaves nothing behind
    db.session.expire_all()
    round_ = db.session.get(Round, round_id)
    assert round_.status == "closed"

    # A straggler whose clock is behind (still before closes_at) is refused by the round's status.
    with pytest.raises(CastRefused) as late:
        cast_ballot(round_, labels["2-1-129"], "agree", "online", closes_at - timedelta(seconds=1))
    db.session.rollback()
    assert late.value.status == 409 and late.value.message == "本轮表决未在进行中"
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)) == ledger


def race_a_cast_against_the_close_count(app, db, monkeypatch, round_id, cast):
    """Close the round while `cast(now)` runs after the close has counted and before it has written.

    Deterministic interleaving; returns race()'s results: ["closed", what the cast returned or raised].
    """
    from voting.rounds import operations

    closes_at = db.session.get(Round, round_id).closes_at
    staff_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "sq"))
    db.session.commit()
    counted, cast_done = threading.Event(), threading.Event()
    real_tally = operations.live_tally

    def tally_then_let_the_cast_in(round_):
        result = real_tally(round_)
        counted.set()
        # cast_done: the cast has written and commits next. Where the locks are right it is blocked
        # until we commit instead, so stop waiting after a moment.
        cast_done.wait(timeout=2)
        return result

    monkeypatch.setattr(operations, "live_tally", tally_then_let_the_cast_in)

    def close_job():
        close_round(_db.session.get(Round, round_id), staff_id, closes_at)
        return "closed"

    def cast_after_count():
        assert counted.wait(timeout=30)
        try:
            return cast(closes_at - timedelta(seconds=1))
        finally:
            cast_done.set()

    # race() commits after cast_after_count returns: that commit is what must not slip past the close.
    return race(app, [close_job, cast_after_count])


def frozen_participants_and_ledger(client, db, round_id, headers) -> tuple[dict, int]:
    frozen = client.get(f"/api/v1/rounds/{round_id}/tally", headers=headers).get_json()
    ledger = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
    return frozen["participating"], ledger


def test_a_ballot_accepted_while_the_close_counts_is_in_the_frozen_result(app, client, db, clock, monkeypatch):
    """Deterministic interleaving: a cast tries to commit after the close has counted, before it has written."""
    round_id, headers = open_round(client, clock)
    labels = units(db, round_id)

    results = race_a_cast_against_the_close_count(
        app, db, monkeypatch, round_id, lambda now: cast_job(round_id, labels["2-1-100"], "agree", now)())

    assert results[0] == "closed", results
    participating, ledger = frozen_participants_and_ledger(client, db, round_id, headers)
    assert ledger == participating["heads"], (results, participating)
    if isinstance(results[1], CastRefused):
        assert results[1].status == 409 and ledger == 0


def test_a_vote_through_a_link_while_the_close_counts_is_in_the_frozen_result_or_refused(app, client, db, clock,
                                                                                       monkeypatch):
    """As above, through the resident's path: the link lookup itself enters the round's cast gate."""
    from voting.ballots.link_lookup import VoteRefused
    round_id, headers = open_round(client, clock)
    links = {f"{link['building']}-{link['unit']}-{link['room']}": link["url"].rsplit("/", 1)[1]
             for link in client.get(f"/api/v1/rounds/{round_id}/links", headers=headers).get_json()}

    results = race_a_cast_against_the_close_count(
        app, db, monkeypatch, round_id, lambda now: vote_with_token(links["2-1-100"], "agree", None, None, now, "127.0.0.1").seq)

    assert results[0] == "closed", results
    participating, ledger = frozen_participants_and_ledger(client, db, round_id, headers)
    assert ledger == participating["heads"], (results, participating)
    if isinstance(results[1], VoteRefused):
        assert results[1].status == 409 and ledger == 0
    else:
        assert results[1] == 1 and ledger == 1


@pytest.mark.parametrize("policy", ["first", "last"])
def test_simultaneous_repeats_of_one_submission_make_one_ballot(app, client, db, clock, policy):
    """A double tap or a retry arriving while the first is in flight: the database's unique key on the
    submission, not a Python check, keeps it to one ballot, and every repeat answers with its receipt."""
    round_id, headers = open_round(client, clock, policy)
    link = next(link for link in client.get(f"/api/v1/rounds/{round_id}/links", headers=headers).get_json()
                if (link["building"], link["unit"], link["room"]) == ("1", "1", "101"))
    token = link["url"].rsplit("/", 1)[1]
    # cast_once: the request's part too, which rolls back a failed repeat and answers with the first ballot.
    jobs = [lambda i=i: cast_once(token, "agree", None, None, clock.now + timedelta(seconds=i), "127.0.0.1",
                                  "double-tap").receipt for i in range(WORKERS)]

    results = race(app, jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id)).all()
    assert len(ballots) == 1 and ballots[0].seq == 1 and ballots[0].counted_at_cast
    assert set(results) == {ballots[0].receipt}
    voter = db.session.scalar(select(RoundVoter).where(RoundVoter.round_id == round_id,
                                                       RoundVoter.voter_key == ballots[0].voter_key))
    assert voter.ballots == 1  # the repeats' claims were rolled back with them
