"""audit.ledger_match: the ledger and the chain's ballot_cast events, one to one by receipt."""
from voting.audit.ledger_match import BallotFact, chained_ballots, ledger_mismatches

A = BallotFact("AAAA-AAAA-AAAA", 11, 1, "online", "agree")
B = BallotFact("BBBB-BBBB-BBBB", 11, 2, "paper", "disagree")


def event(fact: BallotFact, round_id=7, action="ballot_cast", **extra) -> dict:
    data = {"household_id": fact.household_id, "voter": "owner:V0001", "seq": fact.seq, "channel": fact.channel,
            "receipt": fact.receipt, "choice": fact.choice, "counted_at_cast": True, **extra}
    return {"action": action, "subject": f"round:{round_id}", "data": data}


def test_the_rounds_ballot_cast_events_become_facts_in_chain_order():
    events = [event(A), event(B, round_id=8), event(B, action="paper_confirmed"), event(B)]
    assert chained_ballots(events, 7) == [A, B]


def test_a_ledger_matching_its_events_one_to_one_has_no_problem_in_any_order():
    assert ledger_mismatches([B, A], [A, B]) == []


def test_a_changed_choice_names_the_receipt_and_both_words():
    changed = A._replace(choice="disagree")
    assert ledger_mismatches([changed, B], [A, B]) == [
        "回执码 AAAA-AAAA-AAAA：表决意见不符（台账：不同意，审计链：同意）（台账被改动）"]


def test_a_deleted_or_added_ballot_names_its_receipt():
    assert ledger_mismatches([A], [A, B]) == [
        "回执码 BBBB-BBBB-BBBB：审计链中记录了这张表决票，台账中却没有（表决票被删除）"]
    assert ledger_mismatches([A, B], [A]) == [
        "回执码 BBBB-BBBB-BBBB：台账中有这张表决票，审计链中没有记录（表决票是事后添加的）"]


def test_a_reordered_sequence_names_both_receipts():
    assert ledger_mismatches([A._replace(seq=2), B._replace(seq=1)], [A, B]) == [
        "回执码 AAAA-AAAA-AAAA：序号不符（台账：2，审计链：1）（台账被改动）",
        "回执码 BBBB-BBBB-BBBB：序号不符（台账：1，审计链：2）（台账被改动）"]


def test_another_household_or_channel_is_named():
    moved = A._replace(household_id=12, channel="proxy")
    assert ledger_mismatches([moved], [A]) == [
        "回执码 AAAA-AAAA-AAAA：房屋不符（台账：12，审计链：11）（台账被改动）",
        "回执码 AAAA-AAAA-AAAA：渠道不符（台账：委托，审计链：线上）（台账被改动）"]


def test_a_receipt_twice_is_a_problem_on_either_side():
    assert ledger_mismatches([A, A], [A]) == ["回执码 AAAA-AAAA-AAAA：台账中出现了不止一次"]
    assert ledger_mismatches([A], [A, A]) == ["回执码 AAAA-AAAA-AAAA：审计链中记录了不止一次"]


def test_what_a_source_does_not_say_is_not_compared():
    """A hand-typed ballots file without household_id/seq, or an event from before choices were chained."""
    from_file = A._replace(household_id=None, seq=None)
    old_event = event(A)
    del old_event["data"]["choice"]
    assert ledger_mismatches([from_file], chained_ballots([old_event], 7)) == []
    assert ledger_mismatches([from_file._replace(choice="abstain")], chained_ballots([old_event], 7)) == []
