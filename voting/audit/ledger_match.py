"""The ballot ledger against the audit chain (pure): every ballot is exactly one `ballot_cast` event.

Both verifiers use it: `audit verify` with the `ballots` rows of the database, `evidence
verify` with a bundle's ballots.csv, each against the round's `ballot_cast` events. The
chain is hash-linked and its head is published, so an edit of the ledger alone (a choice
changed, a ballot deleted or added, sequence numbers swapped) no longer matches it.

The choice is in the event in clear (see voting.ballots.casting for why). Events written
before the choice was chained lack it; for them the choice is not compared.
"""
from datetime import datetime
from typing import NamedTuple

from ..labels_zh import CHANNEL_ZH, CHOICE_ZH, SATISFACTION_ZH

BALLOT_CAST = "ballot_cast"


class BallotFact(NamedTuple):
    """What the ledger and the chain must both say of one ballot, keyed by its receipt.

    `household_id`, `seq` and `choice` are None where the source does not say (a ballots
    file without those columns, an event from before the choice was chained): not compared.
    `signed_at` (paper and proxy ballots: when the owner signed, which decides their standing)
    likewise, compared as an instant when both sides give it.
    """
    receipt: str
    household_id: int | None
    seq: int | None
    channel: str
    choice: str | None
    signed_at: datetime | None = None


def round_subject(round_id: int) -> str:
    """The subject of a round's events ("round:7"), as casting writes it."""
    return f"round:{round_id}"


def chained_ballots(events: list[dict], round_id: int) -> list[BallotFact]:
    """The round's `ballot_cast` events (plain dicts, as chain_events/audit.jsonl give them), in chain order."""
    facts = []
    for event in events:
        if event.get("action") != BALLOT_CAST or event.get("subject") != round_subject(round_id):
            continue
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        facts.append(BallotFact(str(data.get("receipt", "")), data.get("household_id"), data.get("seq"),
                                str(data.get("channel", "")), data.get("choice"), _instant(data.get("signed_at"))))
    return facts


def _instant(text) -> datetime | None:
    """An ISO 8601 time with its offset as the chain records it; None when absent or unreadable."""
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _words(code: str | None) -> str:
    return CHOICE_ZH.get(code) or SATISFACTION_ZH.get(code) or CHANNEL_ZH.get(code) or str(code)


def _differences(ledger: BallotFact, chained: BallotFact) -> list[str]:
    found = []
    for name_zh, mine, theirs in (("房屋", ledger.household_id, chained.household_id),
                                  ("序号", ledger.seq, chained.seq),
                                  ("渠道", ledger.channel, chained.channel),
                                  ("表决意见", ledger.choice, chained.choice)):
        if mine is not None and theirs is not None and mine != theirs:
            found.append(f"{name_zh}不符（台账：{_words(mine)}，审计链：{_words(theirs)}）")
    if ledger.signed_at is not None and chained.signed_at is not None and ledger.signed_at != chained.signed_at:
        found.append(f"签署时间不符（台账：{ledger.signed_at.isoformat()}，审计链：{chained.signed_at.isoformat()}）")
    return found


def ledger_mismatches(ledger: list[BallotFact], chained: list[BallotFact]) -> list[str]:
    """Chinese lines, each naming a receipt, for every way `ledger` and `chained` differ; [] when one to one.

    A receipt only in the ledger is a ballot added without its event; only in the chain, a
    ballot deleted; in both with another household, sequence number, channel, choice or signed time, an
    edited row (a reordered sequence shows as swapped sequence numbers).
    """
    problems = []
    by_receipt: dict[str, BallotFact] = {}
    for fact in ledger:
        if fact.receipt in by_receipt:
            problems.append(f"回执码 {fact.receipt}：台账中出现了不止一次")
        by_receipt[fact.receipt] = fact
    in_chain: dict[str, BallotFact] = {}
    for fact in chained:
        if fact.receipt in in_chain:
            problems.append(f"回执码 {fact.receipt}：审计链中记录了不止一次")
        in_chain[fact.receipt] = fact
    for receipt in sorted(by_receipt.keys() - in_chain.keys()):
        problems.append(f"回执码 {receipt}：台账中有这张表决票，审计链中没有记录（表决票是事后添加的）")
    for receipt in sorted(in_chain.keys() - by_receipt.keys()):
        problems.append(f"回执码 {receipt}：审计链中记录了这张表决票，台账中却没有（表决票被删除）")
    for receipt in sorted(by_receipt.keys() & in_chain.keys()):
        problems += [f"回执码 {receipt}：{line}（台账被改动）"
                     for line in _differences(by_receipt[receipt], in_chain[receipt])]
    return problems
