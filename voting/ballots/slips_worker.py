"""The slips worker: draws queued SlipJobs outside the web server (`flask --app wsgi slips worker`).

One process is enough (the Procfile's `slips:` line); more may run, each job is claimed by
one. A job whose worker died is taken over once its lease ends (slip_jobs.LEASE). SIGTERM
and SIGINT let the current job finish first.
"""
import logging
import os
import signal
import socket
import time
import uuid
from io import BytesIO

import click
import pikepdf
from flask.cli import AppGroup
from werkzeug.exceptions import HTTPException

from ..clock import now
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.rounds import Round
from ..models.slip_jobs import SlipJob
from .api import slips_for
from .link_disclosures import disclose_links
from .links import LinkRefused
from .slip_jobs import claim_next, expire_old, fail, finish, record_progress

log = logging.getLogger(__name__)
slips_cli = AppGroup("slips", help="二维码条：在后台生成大型轮次的二维码条")
PROGRESS_EVERY = 200  # slips between two progress commits (25 pages, about a second)
PART_SLIPS = 1000  # slips drawn in one ReportLab document (125 pages), then joined
POLL_SECONDS = 2.0


def run_next(worker: str) -> SlipJob | None:
    """Draw the next queued job, if any; returns it (done or failed), else None."""
    expire_old(now())
    job = claim_next(now(), worker)
    if job is None:
        return None
    job_id, building, via, client = job.id, job.building, job.via, job.client
    round_ = db.session.get(Round, job.round_id)
    requester = db.session.get(StaffUser, job.requested_by_id)
    try:
        # Issued and disclosed here, in the name of the account that asked (from its address),
        # before anything is drawn: the audit chain knows who holds which links.
        disclosed = disclose_links(round_, "slips", via, requester, now(), client, building=building)
        links = [link for link in disclosed if link.url]
        record_progress(job_id, 0, worker, now(), total=len(links))  # commits the disclosure with it
        pdf = _draw_in_parts(round_, links, lambda drawn: record_progress(job_id, drawn, worker, now()))
    except LinkRefused as exc:  # the round closed since
        fail(job_id, worker, f"{exc.message}；轮次已不在表决中，二维码条不再有用", now())
    except HTTPException as exc:  # slips_for's 503: no CJK font installed
        fail(job_id, worker, getattr(exc, "data", {}).get("message") or "未安装中文字体，无法生成二维码条", now())
    except Exception:  # noqa: BLE001 — the job fails visibly; the worker goes on with the next
        log.exception("slip job %s failed", job_id)
        fail(job_id, worker, "生成二维码条时出错，请稍后重新下载；如仍失败请联系系统管理员", now())
    else:
        finish(job_id, worker, pdf, now())
    return db.session.get(SlipJob, job_id)


def _draw_in_parts(round_: Round, links: list, record) -> bytes:
    """The slips drawn PART_SLIPS at a time and joined by qpdf, so the worker's memory does not grow
    with the round (ReportLab keeps every page of a document until it is saved); `record(drawn)`
    is called about every PROGRESS_EVERY slips."""
    reported = [0]
    joined = pikepdf.new()
    parts = []
    for start in range(0, max(len(links), 1), PART_SLIPS):

        def progress(drawn: int, start=start) -> None:
            if start + drawn - reported[0] >= PROGRESS_EVERY:
                reported[0] = start + drawn
                record(start + drawn)

        part = pikepdf.open(BytesIO(slips_for(round_, links[start:start + PART_SLIPS], progress=progress)))
        parts.append(part)
        joined.pages.extend(part.pages)
        if start == 0:
            joined.docinfo = joined.copy_foreign(part.docinfo)  # the title the first part carries
    out = BytesIO()
    joined.save(out, deterministic_id=True)
    for part in parts:
        part.close()
    return out.getvalue()


@slips_cli.command("worker")
@click.option("--once", is_flag=True, help="处理一个排队的任务（如有）后退出（用于定时任务或测试）")
def worker_command(once: bool):
    """Draw queued slip jobs until stopped (SIGTERM/SIGINT finish the current job first)."""
    name = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    stopping = []
    previous = {sig: signal.signal(sig, lambda signum, frame: stopping.append(signum))
                for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"slips worker {name} started")
    try:
        while not stopping:
            job = run_next(name)
            if job is not None:
                click.echo(f"job={job.id} status={job.status} slips={job.total}")
            if once:
                break
            if job is None:
                time.sleep(POLL_SECONDS)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"slips worker {name} stopped")
