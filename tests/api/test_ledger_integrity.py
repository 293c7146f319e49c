"""The ballot ledger is append-only in the database, and both verifiers match it against the audit chain.

A database owner can step around the triggers; then `audit verify` and `evidence verify` on a
bundle made afterwards must each name the receipt of the ballot changed, deleted or added.
"""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.evidence_helpers import evidence_key, run_round  # noqa: F401
from tests.factories import make_user
from tests.tampering import triggers_off
from voting.audit.ledger_match import chained_ballots
from voting.audit.log import chain_events, chain_name
from voting.evidence.cli import evidence_cli
from voting.models.accounts import StaffUser
from voting.models.ballots import Ballot, PaperConfirmation, PaperEntry

LEDGER = ("ballots", "paper_entries", "paper_confirmations", "voting_tokens")


@pytest.fixture
def voting(client, db, clock, evidence_key):  # noqa: F811
    """An open round with ballots from every channel, its links listed, and a confirmed paper entry."""
    scenario = run_round(client, db, clock, close=False)
    assert client.get(f"/api/v1/rounds/{scenario.round_id}/links", headers=scenario.headers).status_code == 200
    enterer = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "sq"))
    checker = make_user("community", "和睦街道", "和睦社区", username="sq2").id
    entry = PaperEntry(round_id=scenario.round_id, household_id=scenario.units["3-1-301"], choice="agree",
                       kind="paper", entered_by_id=enterer, entered_at=clock.now)
    db.session.add(entry)
    db.session.flush()
    db.session.add(PaperConfirmation(entry_id=entry.id, confirmed_by_id=checker, confirmed_at=clock.now,
                                     outcome="rejected", note="签字不符"))
    db.session.commit()
    return scenario


def _rows(db):
    return [db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() for table in LEDGER]


@pytest.mark.parametrize("statement", [
    "UPDATE ballots SET choice = 'disagree'",
    "UPDATE ballots SET counted_at_cast = NOT counted_at_cast",
    "DELETE FROM ballots",
    "UPDATE paper_entries SET choice = 'disagree'",
    "DELETE FROM paper_entries",
    "UPDATE paper_confirmations SET outcome = 'counted'",
    "DELETE FROM paper_confirmations",
    "UPDATE voting_tokens SET reason = 'x'",
    "DELETE FROM voting_tokens",
])
def test_the_database_refuses_to_update_or_delete_the_ledger(db, voting, statement):
    before = _rows(db)
    assert all(before), "every ledger table has rows to refuse changing"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert _rows(db) == before


@pytest.mark.postgres
@pytest.mark.parametrize("table", LEDGER)
def test_postgres_refuses_to_truncate_the_ledger(db, voting, table):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(f"TRUNCATE {table} CASCADE"))
    db.session.rollback()
    assert db.session.scalar(select(Ballot.id).limit(1)) is not None


def _receipts(db, round_id):
    """(first, second) receipt of the voter who voted twice through 1-2-201 (paper abstain, then online agree)."""
    ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id, Ballot.channel != "proxy")
                                 .order_by(Ballot.seq, Ballot.id)).all()
    (household,) = {b.household_id for b in ballots if b.channel == "paper"}
    first, second = [b.receipt for b in sorted(ballots, key=lambda b: b.seq) if b.household_id == household]
    return first, second


ADDED = "ADDD-EDBA-LLOT"


def _tamper(conn, how, first, second):
    if how == "changed_choice":
        conn.execute(text("UPDATE ballots SET choice = 'disagree' WHERE receipt = :r"), {"r": second})
    elif how == "deleted":
        conn.execute(text("DELETE FROM ballots WHERE receipt = :r"), {"r": second})
    elif how == "added":  # the voter's third ballot, with the voter's count of ballots raised to match
        conn.execute(text("UPDATE round_voters SET ballots = ballots + 1 WHERE (round_id, voter_key) = "
                          "(SELECT round_id, voter_key FROM ballots WHERE receipt = :r)"), {"r": second})
        conn.execute(text(
            "INSERT INTO ballots (round_id, household_id, voter_key, seq, choice, channel, cast_at, receipt, "
            "counted_at_cast) SELECT round_id, household_id, voter_key, 3, 'disagree', 'online', cast_at, :added, "
            "counted_at_cast FROM ballots WHERE receipt = :r"), {"r": second, "added": ADDED})
    else:  # the voter's two ballots swap places in the sequence (through a free number: the key is unique)
        for seq, receipt in ((-1, first), (1, second), (2, first)):
            conn.execute(text("UPDATE ballots SET seq = :s WHERE receipt = :r"), {"s": seq, "r": receipt})


@pytest.mark.parametrize("how,expected", [
    ("changed_choice", ["回执码 {second}：表决意见不符（台账：不同意，审计链：同意）"]),
    ("deleted", ["回执码 {second}：审计链中记录了这张表决票，台账中却没有（表决票被删除）"]),
    ("added", [f"回执码 {ADDED}：台账中有这张表决票，审计链中没有记录（表决票是事后添加的）"]),
    ("reordered", ["回执码 {first}：序号不符（台账：2，审计链：1）", "回执码 {second}：序号不符（台账：1，审计链：2）"]),
])
def test_an_edited_ledger_is_named_by_audit_verify_and_by_a_later_bundle(app, client, db, voting, tmp_path,
                                                                        how, expected):
    cli = app.test_cli_runner()
    assert cli.invoke(args=["audit", "verify", "--estate", str(voting.estate_id)]).exit_code == 0
    first, second = _receipts(db, voting.round_id)
    with triggers_off(db, LEDGER) as conn:
        _tamper(conn, how, first, second)
    lines = [line.format(first=first, second=second) for line in expected]

    audited = cli.invoke(args=["audit", "verify", "--estate", str(voting.estate_id)])
    assert audited.exit_code == 1
    for line in lines:
        assert f"estate:{voting.estate_id}: 校验失败 — 轮次 {voting.round_id} {line}" in audited.output, audited.output

    bundle = client.get(f"/api/v1/rounds/{voting.round_id}/evidence.zip", headers=voting.headers)
    assert bundle.status_code == 200
    path = tmp_path / "evidence.zip"
    path.write_bytes(bundle.data)
    verified = cli.invoke(evidence_cli, ["verify", str(path)])
    assert verified.exit_code == 1
    for line in lines:
        assert f"ballots.csv / audit.jsonl：{line}" in verified.output, verified.output


def test_every_ballot_and_confirmed_paper_ballot_is_in_the_chain_with_its_choice(app, client, db, voting):
    audited = app.test_cli_runner().invoke(args=["audit", "verify", "--estate", str(voting.estate_id)])
    assert audited.exit_code == 0 and "表决票与审计链逐张一致" in audited.output, audited.output
    chained = chained_ballots(chain_events(chain_name(voting.estate_id)), voting.round_id)
    ledger = db.session.execute(select(Ballot.receipt, Ballot.household_id, Ballot.seq, Ballot.channel, Ballot.choice,
                                       Ballot.signed_at)
                                .where(Ballot.round_id == voting.round_id).order_by(Ballot.id)).all()
    assert [tuple(fact) for fact in chained] == [tuple(row) for row in ledger]
    assert {fact.channel for fact in chained} == {"online", "paper", "proxy"}
    # A paper or proxy ballot's signed time is chained with it (compared above); an online ballot has none.
    assert all(fact.signed_at is None for fact in chained if fact.channel == "online")
