"""`flask --app wsgi audit verify [--estate ID [--checkpoint FILE]]`: walk the chains, report the first
broken link, match every round's ballots against its `ballot_cast` events and, with a checkpoint, check
that the chain extends it; `flask --app wsgi audit checkpoint`: today's signed checkpoints (Procfile).
"""
import sys

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.cli import AppGroup
from sqlalchemy import select

from ..clock import now
from ..extensions import db
from ..models.audit import AuditChain
from ..models.ballots import Ballot
from ..models.rounds import Round
from .chain import first_break
from .checkpoint_format import extension_problem, load_checkpoint, signature_problem
from .checkpoints import daily_checkpoints
from .keys import SigningKeyError, key_fingerprint, public_key_from_pem
from .ledger_match import BallotFact, chained_ballots, ledger_mismatches
from .log import chain_events, chain_head, chain_name
from .signing import signing_key

audit_cli = AppGroup("audit", help="Tamper-evident audit log.")


def verify_chain(chain: str, checkpoint: dict | None = None) -> str | None:
    """None if the chain is intact, ends at the recorded head and extends `checkpoint` (if
    given, its signature already checked), else the Chinese reason."""
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
    return extension_problem(events, chain, checkpoint) if checkpoint is not None else None


def public_key_option(path: str | None) -> Ed25519PublicKey:
    """The public key in the PEM file `path`, or this instance's own; a usage error if unreadable."""
    try:
        if path:
            with open(path, "rb") as fh:
                return public_key_from_pem(fh.read())
        return signing_key().public_key()
    except (ValueError, SigningKeyError) as exc:
        raise click.UsageError(str(exc)) from None


def signed_checkpoint(path: str, key: Ed25519PublicKey) -> dict:
    """The checkpoint in `path`; exit 1 (after saying why) unless `key` signed it."""
    with open(path, "rb") as fh:
        try:
            checkpoint = load_checkpoint(fh.read())
        except ValueError as exc:
            raise click.UsageError(f"{path}：{exc}") from None
    click.echo(f"检查点签名校验所用公钥指纹：{key_fingerprint(key)}")
    problem = signature_problem(checkpoint, key)
    if problem:
        click.echo(f"校验失败：{path} — {problem}")
        sys.exit(1)
    return checkpoint


def verify_ledger(estate_id: int) -> list[str]:
    """Per round of the estate, every `ballots` row against the chain's `ballot_cast` events (Chinese lines)."""
    events = chain_events(chain_name(estate_id))
    problems = []
    for round_id in db.session.scalars(select(Round.id).where(Round.estate_id == estate_id).order_by(Round.id)):
        ledger = [BallotFact(*row) for row in db.session.execute(
            select(Ballot.receipt, Ballot.household_id, Ballot.seq, Ballot.channel, Ballot.choice, Ballot.signed_at)
            .where(Ballot.round_id == round_id))]
        problems += [f"轮次 {round_id} {line}" for line in ledger_mismatches(ledger, chained_ballots(events, round_id))]
    return problems


def _estate_of(chain: str) -> int | None:
    prefix, _, number = chain.partition(":")
    return int(number) if prefix == "estate" and number.isdigit() else None


@audit_cli.command("verify")
@click.option("--estate", "estate_id", type=int, help="only this estate's chain")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(exists=True, dir_okay=False),
              help="a checkpoint JSON (GET /api/v1/estates/ID/audit/checkpoint) the chain must extend; needs --estate")
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, dir_okay=False),
              help="the public key (PEM) that checks the checkpoint's signature; default: this instance's own key")
def verify_command(estate_id, checkpoint_file, public_key_file):
    """Exit 0 if every chain verifies, its rounds' ballots match it (and it extends the checkpoint); else exit 1."""
    checkpoint = None
    if checkpoint_file:
        if not estate_id:
            raise click.UsageError("--checkpoint 需要同时给出 --estate")
        checkpoint = signed_checkpoint(checkpoint_file, public_key_option(public_key_file))
    chains = [chain_name(estate_id)] if estate_id else list(db.session.scalars(
        select(AuditChain.chain).order_by(AuditChain.chain)))
    failed = False
    for chain in chains:
        problem = verify_chain(chain, checkpoint)
        estate = _estate_of(chain)
        ledger = verify_ledger(estate) if estate is not None else []
        count = db.session.scalar(select(AuditChain.length).where(AuditChain.chain == chain)) or 0
        if problem or ledger:
            failed = True
            for line in ([problem] if problem else []) + ledger:
                click.echo(f"{chain}: 校验失败 — {line}")
        else:
            click.echo(f"{chain}: 完整（{count} 条记录，链头 {chain_head(chain)[:16]}…；表决票与审计链逐张一致）")
    if checkpoint is not None and not failed:
        click.echo(f"  ✓ 延续检查点：签署于 {checkpoint['at']} 的 {checkpoint['length']} 条记录、"
                   f"链头 {checkpoint['head'][:16]}… 仍是本链的开头")
    sys.exit(1 if failed else 0)


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Sign today's checkpoint of every estate with an open round; idempotent per estate and day."""
    written = daily_checkpoints(now())
    db.session.commit()
    for row in written:
        click.echo(f"{row.chain}: 检查点 {row.length} 条记录，链头 {row.head_hash[:16]}…")
    click.echo(f"已签署 {len(written)} 个检查点")
