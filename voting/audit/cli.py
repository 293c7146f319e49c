"""`flask --app wsgi audit verify [--estate ID]`: walk the chains, report the first broken link."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models.audit import AuditChain
from .chain import first_break
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


@audit_cli.command("verify")
@click.option("--estate", "estate_id", type=int, help="only this estate's chain")
def verify_command(estate_id):
    """Exit 0 if every chain verifies; otherwise name the first broken link and exit 1."""
    chains = [chain_name(estate_id)] if estate_id else list(db.session.scalars(
        select(AuditChain.chain).order_by(AuditChain.chain)))
    failed = False
    for chain in chains:
        problem = verify_chain(chain)
        count = db.session.scalar(select(AuditChain.length).where(AuditChain.chain == chain)) or 0
        if problem:
            failed = True
            click.echo(f"{chain}: 校验失败 — {problem}")
        else:
            click.echo(f"{chain}: 完整（{count} 条记录，链头 {chain_head(chain)[:16]}…）")
    sys.exit(1 if failed else 0)
