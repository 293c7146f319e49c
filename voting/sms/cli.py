"""`flask --app wsgi sms worker [--once] [--batch N]`: the process behind the Procfile's `worker:` line.

`flask --app wsgi sms confirmations` queues the due texts confirming ballots once (the worker does it every 30 s).
"""
import logging
import signal
import time

import click
from flask.cli import AppGroup

from ..clock import now
from ..extensions import db
from .ballot_confirmations import queue_confirmations
from .settings import setting
from .worker import run_batch, worker_name

log = logging.getLogger(__name__)
sms_cli = AppGroup("sms", help="短信发送（发件箱）")
CONFIRM_SWEEP_SECONDS = 30.0


def sweep() -> int:
    """Queue due confirmation texts; commits. Returns how many were queued (0 after a failure, logged)."""
    try:
        queued = queue_confirmations(now())
        db.session.commit()
    except Exception:
        # The sending must go on; the next sweep finds the same ballots again.
        db.session.rollback()
        log.exception("sms: queueing confirmation texts failed; retrying at the next sweep")
        return 0
    if queued:
        click.echo(f"confirmations queued={queued}")
    return queued


@sms_cli.command("confirmations")
def confirmations_command():
    """Queue the texts telling households that a ballot was recorded for them (once; the worker does it too)."""
    sweep()


@sms_cli.command("worker")
@click.option("--once", is_flag=True, help="发送一批到期的短信后退出（用于定时任务或测试）")
@click.option("--batch", type=click.IntRange(1, 500), default=None, help="每批领取的短信条数")
def worker_command(once: bool, batch: int | None):
    """Send due messages until stopped (SIGTERM/SIGINT finish the current message first)."""
    name = worker_name()
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    # A deploy stops the worker with SIGTERM: end after the current message, not in the middle of it.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"sms worker {name} started")
    next_sweep = 0.0
    try:
        while not stopping:
            if time.monotonic() >= next_sweep:
                # Confirmation texts are queued from the ledger, not by the ballot path (ballot_confirmations.py).
                sweep()
                next_sweep = time.monotonic() + CONFIRM_SWEEP_SECONDS
            counts = run_batch(now, worker=name, batch=batch, stopping=lambda: bool(stopping))
            if counts:
                click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
            if once:
                break
            if not counts:
                time.sleep(setting("SMS_POLL_SECONDS"))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"sms worker {name} stopped")
