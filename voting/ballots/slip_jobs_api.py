"""/api/v1/slip-jobs/{id}: slips drawn in the background — poll the job, then download the PDF."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.auth import api_login_required, current_staff
from .api import BINARY, pdf_response
from .schemas import SlipJobSchema
from .slip_jobs import job_json, job_pdf, not_ready_zh, slip_job_or_404

blp = Blueprint("slip_jobs", __name__, url_prefix="/api/v1", description="二维码条后台生成任务（工作人员）")

@blp.route("/slip-jobs/<int:job_id>")
class SlipJobItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, SlipJobSchema)
    def get(self, job_id):
        """Where the slips stand: queued, running (`done` of `total` drawn), done (`download_url`), failed, expired.

        Only the account that asked for the slips sees its job; anyone else gets 404.
        """
        return job_json(slip_job_or_404(job_id, current_staff())), 200, {"Cache-Control": "no-store"}


@blp.route("/slip-jobs/<int:job_id>/slips.pdf")
class SlipJobPdf(MethodView):
    decorators = [api_login_required]

    @blp.response(200, BINARY, content_type="application/pdf", description="A4 二维码条，每页8张")
    @blp.alt_response(409, description="还在生成，或生成失败")
    @blp.alt_response(410, description="已超过保存期限")
    def get(self, job_id):
        """The slips once drawn (the links' disclosure was recorded when they were asked for)."""
        job = slip_job_or_404(job_id, current_staff())
        data = job_pdf(job) if job.status == "done" else None
        if data is None:
            abort(410 if job.status in ("done", "expired") else 409, message=not_ready_zh(job))
        suffix = f"-building-{job.building}" if job.building else ""
        return pdf_response(data, f"slips-round-{job.round_id}{suffix}.pdf")
