"""Slips of large rounds, made in the background (issue #15: 20,000 households outran gunicorn's 30 s).

If more than SLIPS_INLINE_MAX slips are asked for, the request only counts them and queues
a SlipJob (with who asked, how and from where) and answers 202: even issuing 20,000 links
took longer than gunicorn's timeout. The slips worker (`flask --app wsgi slips worker`,
voting/ballots/slips_worker.py) claims queued jobs, issues and discloses the links
(`links_disclosed`, in the requester's name) and draws them, recording progress as it goes,
and stores the PDF encrypted. Only the account that asked may see or download a job; a
finished PDF is kept SLIP_JOB_KEEP_HOURS, then dropped.

Operations flush only; the worker's steps commit (they are the worker's transactions).
"""
import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import abort, current_app, url_for
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..labels_zh import SLIP_JOB_STATUS_ZH
from ..models.accounts import StaffUser
from ..models.rounds import RollEntry, Round
from ..models.slip_jobs import SlipJob
from .links import link_key, require_open

LEASE = timedelta(minutes=5)  # renewed at every progress step; a dead worker's job is taken over after it


def inline_max() -> int:
    """Up to this many slips are drawn inside the request (a few seconds); more go to the worker."""
    return int(current_app.config["SLIPS_INLINE_MAX"])


def slips_asked(round_: Round, building: str | None) -> int:
    """How many households of the round's roll (of one building) slips are asked for: one count, nothing issued."""
    query = select(func.count()).select_from(RollEntry).where(RollEntry.round_id == round_.id)
    if building is not None:
        query = query.where(RollEntry.building == building)
    return db.session.scalar(query)


def queue_slip_job(round_: Round, building: str | None, count: int, user: StaffUser, now: datetime, via: str,
                   client: str) -> SlipJob:
    """Queue the slips of `count` households (the round must be open: LinkRefused 409); the same caller's
    unfinished identical job is reused. Flushes."""
    require_open(round_)
    waiting = db.session.scalar(select(SlipJob).where(
        SlipJob.round_id == round_.id, SlipJob.requested_by_id == user.id, SlipJob.status.in_(("queued", "running")),
        SlipJob.building.is_(None) if building is None else SlipJob.building == building).order_by(SlipJob.id))
    if waiting is not None:
        return waiting
    job = SlipJob(round_id=round_.id, building=building, requested_by_id=user.id, requested_at=now, via=via,
                  client=client[:64], status="queued", total=count, done=0)
    db.session.add(job)
    db.session.flush()
    return job


def slip_job_or_404(job_id: int, user: StaffUser) -> SlipJob:
    """The caller's own job (the slips carry the links disclosed to that account); 404 for anyone else's."""
    job = db.session.get(SlipJob, job_id)
    if job is None or job.requested_by_id != user.id:
        abort(404, description="找不到该二维码条生成任务")
    return job


def job_json(job: SlipJob) -> dict:
    """What the API answers about a job (SlipJobSchema); `download_url` once the PDF is ready."""
    ready = job.status == "done"
    return {"id": job.id, "round_id": job.round_id, "building": job.building, "status": job.status,
            "status_zh": SLIP_JOB_STATUS_ZH[job.status], "total": job.total, "done": job.done,
            "requested_at": job.requested_at, "finished_at": job.finished_at, "error": job.error,
            "url": url_for("slip_jobs.SlipJobItem", job_id=job.id),
            "download_url": url_for("slip_jobs.SlipJobPdf", job_id=job.id) if ready else None}


def not_ready_zh(job: SlipJob) -> str:
    """Why a job's PDF cannot be downloaded (yet), for the person who asked."""
    if job.status in ("queued", "running"):
        return f"二维码条{SLIP_JOB_STATUS_ZH[job.status]}（{job.done}/{job.total} 户），请稍后再下载"
    if job.status == "failed":
        return f"二维码条{SLIP_JOB_STATUS_ZH['failed']}：{job.error}"
    if job.status == "expired":
        return f"二维码条{SLIP_JOB_STATUS_ZH['expired']}"
    return "服务密钥已更换，无法读取这份二维码条，请重新下载二维码条"


def claim_next(now: datetime, worker: str) -> SlipJob | None:
    """Take the oldest queued job (or one whose worker's lease ran out) for `worker`; commits."""
    available = or_(SlipJob.status == "queued", and_(SlipJob.status == "running", SlipJob.lease_until < now))
    for job_id in db.session.scalars(select(SlipJob.id).where(available).order_by(SlipJob.id).limit(5)).all():
        claimed = db.session.execute(
            update(SlipJob).where(SlipJob.id == job_id, available)
            .values(status="running", claimed_by=worker, lease_until=now + LEASE, done=0)
            .execution_options(synchronize_session=False))
        db.session.commit()
        if claimed.rowcount == 1:  # another worker may have won the race
            return db.session.get(SlipJob, job_id)
    return None


def record_progress(job_id: int, done: int, worker: str, now: datetime, total: int | None = None) -> None:
    """Slips drawn so far (and how many there are, once the links are disclosed), renewing the lease; commits."""
    values = {"done": done, "lease_until": now + LEASE, **({"total": total} if total is not None else {})}
    db.session.execute(update(SlipJob).where(SlipJob.id == job_id, SlipJob.claimed_by == worker)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def finish(job_id: int, worker: str, pdf: bytes, now: datetime) -> None:
    """Store the PDF (encrypted) and mark the job done; commits."""
    db.session.execute(update(SlipJob).where(SlipJob.id == job_id, SlipJob.claimed_by == worker).values(
        status="done", pdf=_fernet().encrypt(pdf), size=len(pdf), done=SlipJob.total, finished_at=now,
        lease_until=None).execution_options(synchronize_session=False))
    db.session.commit()


def fail(job_id: int, worker: str, message: str, now: datetime) -> None:
    db.session.rollback()
    db.session.execute(update(SlipJob).where(SlipJob.id == job_id, SlipJob.claimed_by == worker).values(
        status="failed", error=message, finished_at=now, lease_until=None).execution_options(synchronize_session=False))
    db.session.commit()


def job_pdf(job: SlipJob) -> bytes | None:
    """The finished PDF, or None if the key changed since (then the slips must be asked for again)."""
    try:
        return _fernet().decrypt(job.pdf)
    except InvalidToken:
        return None


def expire_old(now: datetime) -> int:
    """Drop the PDFs of jobs finished more than SLIP_JOB_KEEP_HOURS ago; commits. Returns how many."""
    keep = timedelta(hours=float(current_app.config["SLIP_JOB_KEEP_HOURS"]))
    dropped = db.session.execute(update(SlipJob).where(SlipJob.status == "done", SlipJob.finished_at < now - keep)
                                 .values(status="expired", pdf=None).execution_options(synchronize_session=False))
    db.session.commit()
    return dropped.rowcount


def _fernet() -> Fernet:
    # Derived from the link key: whoever can read the database still cannot read the links in it.
    derived = hmac.new(link_key(), b"slip-job-pdf", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))
