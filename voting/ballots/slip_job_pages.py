"""Staff pages for slips drawn in the background: the job's progress, then its PDF.

`/rounds/<id>/slips.pdf` (link_pages.py) sends here when the slips are too many for one request.
"""
from flask import Blueprint, render_template
from flask_login import login_required
from flask_smorest import abort

from ..accounts.auth import current_staff
from ..extensions import db
from ..models.estates import Estate
from ..models.rounds import Round
from .api import pdf_response
from .slip_jobs import job_pdf, not_ready_zh, slip_job_or_404

bp = Blueprint("slip_job_pages", __name__)


@bp.route("/slip-jobs/<int:job_id>")
@login_required
def job_page(job_id):
    job = slip_job_or_404(job_id, current_staff())
    round_ = db.session.get(Round, job.round_id)
    return render_template("ballots/slip_job.html", job=job, round_obj=round_,
                           estate=db.session.get(Estate, round_.estate_id))


@bp.route("/slip-jobs/<int:job_id>/slips.pdf")
@login_required
def job_pdf_page(job_id):
    job = slip_job_or_404(job_id, current_staff())
    data = job_pdf(job) if job.status == "done" else None
    if data is None:
        abort(410 if job.status in ("done", "expired") else 409, message=not_ready_zh(job))
    suffix = f"-building-{job.building}" if job.building else ""
    return pdf_response(data, f"slips-round-{job.round_id}{suffix}.pdf")
