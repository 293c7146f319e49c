"""`flask --app wsgi rounds close-due`: close every open round past its closing time and paper grace period (Procfile).

A round in its paper grace period (rounds.paper_grace) is left open and named: paper
ballots signed before the close may still be entered; it is closed by the first run
after the period ends, and its result notice posted then, once.

Each round is closed in its own transaction by the same operation a worker's button runs
(the result notice and its objection period included), as the system. Safe to run twice at
once: closing locks the round and refuses one already closed, so each is closed exactly once.
A round whose notice period has not ended yet is left open and named; the next run tries again.
"""
import click
from flask.cli import AppGroup

from ..clock import now
from ..extensions import db
from ..models.rounds import Round
from ..refusals import Refused
from .operations import close_due_round, due_rounds

rounds_cli = AppGroup("rounds", help="Round lifecycle jobs.")


@rounds_cli.command("close-due")
def close_due():
    """Close the open rounds whose closing time and paper grace period have passed."""
    closed = 0
    for round_id in due_rounds(now()):
        round_ = db.session.get(Round, round_id)
        try:
            close_due_round(round_, now())
        except Refused as exc:
            db.session.rollback()
            click.echo(f"轮次 {round_id} 未截止：{exc.message}")
            continue
        db.session.commit()
        closed += 1
        click.echo(f"已截止：轮次 {round_id}（{'通过' if round_.passed else '未通过'}）")
    click.echo(f"本次截止 {closed} 个轮次")
