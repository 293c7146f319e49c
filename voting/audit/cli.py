"""`flask --app wsgi audit verify [--estate ID]`: walk the chains, report the first broken link,
and match every round's ballots against its `ballot_cast` events."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models.audit import AuditChain
from ..models.ballots import Ballot
from ..models.rounds import Round
from .chain import first_break
from .ledger_match import BallotFact, chained_ballots, ledger_mismatches
from .log import chain_events, chain_head, chain_name

audit_cli = AppGroup("audit", help="Tamper-evident audit log.")


def verify_chain(chain: str) -> str | None:
    """None if the chain is intact and ends at the recorded head, else the Chinese reason."""
    events = chain_events(chain)
    problem = first_break(events)
    if problem:
        return problem
    head = events[-1]["hash"] if events else None
    if events and head != chain_head(chain):
        return "链尾哈希与记录的链头不符（最后的记录被删除）"
    length = db.session.scalar(select(AuditChain.length).where(AuditChain.chain == chain)) or 0
    if length != len(events):
        return f"链上应有 {length} 条记录，实际 {len(events)} 条（记录被删除）"
    return None


def verify_ledger(estate_id: int) -> list[str]:
    """Per round of the estate, every `ballots` row against the chain's `ballot_cast` events (Chinese lines)."""
    events = chain_events(chain_name(estate_id))
    problems = []
    for round_id in db.session.scalars(select(Round.id).where(Round.estate_id == estate_id).order_by(Round.id)):
        ledger = [BallotFact(*row) for row in db.session.execute(
            select(Ballot.receipt, Ballot.household_id, Ballot.seq, Ballot.channel, Ballot.choice)
            .where(Ballot.round_id == round_id))]
        problems += [f"轮次 {round_id} {line}" for line in ledger_mismatches(ledger, chained_ballots(events, round_id))]
    return problems


def _estate_of(chain: str) -> int | None:
    prefix, _, number = chain.partition(":")
    return int(number) if prefix == "estate" and number.isdigit() else None


@audit_cli.command("verify")
@click.option("--estate", "estate_id", type=int, help="only this estate's chain")
def verify_command(estate_id):
    """Exit 0 if every chain verifies and its rounds' ballots match it; otherwise name what broke and exit 1."""
    chains = [chain_name(estate_id)] if estate_id else list(db.session.scalars(
        select(AuditChain.chain).order_by(AuditChain.chain)))
    failed = False
    for chain in chains:
        problem = verify_chain(chain)
        estate = _estate_of(chain)
        ledger = verify_ledger(estate) if estate is not None else []
        count = db.session.scalar(select(AuditChain.length).where(AuditChain.chain == chain)) or 0
        if problem or ledger:
            failed = True
            for line in ([problem] if problem else []) + ledger:
                click.echo(f"{chain}: 校验失败 — {line}")
        else:
            click.echo(f"{chain}: 完整（{count} 条记录，链头 {chain_head(chain)[:16]}…；表决票与审计链逐张一致）")
    sys.exit(1 if failed else 0)
