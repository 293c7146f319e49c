"""Staff pages for voting links: issue, reissue (requested by one account, confirmed by another),
QR PNGs and printable slips.

The round page includes `ballots/_round_links.html`, which reads the round's link status and
pending reissue requests through the `round_links_panel` template global. It never issues and
shows no live link: a link is handed out only as a QR code or on slips, each recorded as
`links_disclosed` (link_disclosures.py).
"""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from flask_smorest import abort

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import round_or_404
from ..clock import now
from ..extensions import db
from ..models.rounds import Round
from ..record_ids import parse_record_id
from ..refusal_answers import abort_refused
from .api import pdf_response, png_response, slips_for
from .link_disclosures import disclose_link, disclose_links
from .link_reissues import confirm_reissue, reissue_requests, request_reissue
from .links import LinkRefused, household_links, issue_missing
from .qr_slips import qr_png
from .slip_jobs import inline_max, queue_slip_job, slips_asked
from .vote_requests import client_address

bp = Blueprint("link_pages", __name__)


def _back(round_id: int):
    return redirect(url_for("round_pages.round_detail", round_id=round_id) + "#links", 303)


@bp.app_template_global()
def round_links_panel(round_obj: Round) -> dict:
    """What the links partial shows: which households have a link, and the pending reissue requests."""
    if round_obj.status != "open":
        return {"open": False, "links": [], "issued": 0, "buildings": [], "reissues": []}
    links = household_links(round_obj, None, now(), issue=False)
    buildings = list(dict.fromkeys(link.building for link in links))
    return {"open": True, "links": links, "issued": sum(1 for link in links if link.url), "buildings": buildings,
            "reissues": reissue_requests(round_obj), "me": current_staff().id}


@bp.route("/rounds/<int:round_id>/links/issue", methods=["POST"])
@login_required
def links_issue(round_id):
    round_ = round_or_404(round_id)
    try:
        count = issue_missing(round_, current_staff().id, now())
    except LinkRefused as exc:
        abort_refused(exc)
    db.session.commit()
    flash(f"已生成 {count} 户的表决链接" if count else "所有房屋都已有表决链接")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/links/reissue", methods=["POST"])
@login_required
def links_reissue(round_id):
    round_ = round_or_404(round_id)
    household_id = parse_record_id(request.form.get("household_id"))
    if household_id is None:
        abort(422, message="请选择要重新发放的房屋")
    try:
        request_reissue(round_, household_id, current_staff(), request.form.get("reason", ""), now(),
                        client_address())
    except LinkRefused as exc:
        abort_refused(exc)
    db.session.commit()
    flash("已提交重新发放申请；须由另一位工作人员核实后确认，确认后原二维码才失效、新二维码才生成。")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/reissues/<int:request_id>/confirm", methods=["POST"])
@login_required
def reissue_confirm(round_id, request_id):
    round_ = round_or_404(round_id)
    try:
        link = confirm_reissue(round_, request_id, "page", current_staff(), now(), client_address())
    except LinkRefused as exc:
        abort_refused(exc)
    db.session.commit()
    flash(f"已重新发放 {link.label} 的表决链接，原二维码已失效；请打印新的二维码交给业主。")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/slips.pdf")
@login_required
def slips(round_id):
    round_ = round_or_404(round_id)
    building = request.args.get("building") or None
    try:
        count = slips_asked(round_, building)
        if count > inline_max():  # too many for one request: the slips worker draws them (slip_jobs.py)
            job = queue_slip_job(round_, building, count, current_staff(), now(), "page", client_address())
            db.session.commit()
            return redirect(url_for("slip_job_pages.job_page", job_id=job.id), 303)
        links = disclose_links(round_, "slips", "page", current_staff(), now(), client_address(), building=building)
    except LinkRefused as exc:
        abort_refused(exc)
    db.session.commit()
    suffix = f"-building-{building}" if building else ""
    return pdf_response(slips_for(round_, links), f"slips-round-{round_.id}{suffix}.pdf")


@bp.route("/rounds/<int:round_id>/households/<int:household_id>/qr.png")
@login_required
def household_qr(round_id, household_id):
    round_ = round_or_404(round_id)
    try:
        link = disclose_link(round_, household_id, "page", current_staff(), now(), client_address())
    except LinkRefused as exc:
        abort_refused(exc)
    db.session.commit()
    return png_response(qr_png(link.url))
