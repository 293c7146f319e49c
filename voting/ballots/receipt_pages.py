"""`/receipts`: anyone types a receipt code and sees what it recorded (no login, no JavaScript).

The code travels in a POST body (never in a URL, where logs and histories would keep it).
"""
from flask import Blueprint, render_template, request

from ..extensions import db
from .link_lookup import VoteRefused
from .receipt_lookup import find_receipt
from .resident_pages import SECURITY_HEADERS
from .vote_requests import client_address

bp = Blueprint("resident_receipts", __name__)


@bp.after_request
def _security_headers(response):
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.route("/receipts", methods=["GET", "POST"])
def receipt_lookup():
    if request.method == "GET":
        return render_template("ballots/receipts.html", found=None, error=None, code="")
    code = request.form.get("code", "").strip()[:64]
    if not code:
        return render_template("ballots/receipts.html", found=None, error="请输入回执编号", code=""), 422
    try:
        found = find_receipt(code, client_address())
    except VoteRefused as exc:
        db.session.commit()  # nothing is written; ends the read transaction
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
        return render_template("ballots/receipts.html", found=None, error=exc.message, code=code), exc.status, headers
    return render_template("ballots/receipts.html", found=found, error=None, code="")
