"""Staff pages: a round's and an estate's outbox, queueing, and resending failed messages.

With the console backend (no Twilio configured) nothing leaves the server: the page
says so and shows each message's text (links and codes masked) where a phone would.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404, round_or_404
from ..clock import now
from ..estates.phone_secrecy import keep_digits_secret_in_response, shown_phone
from ..extensions import db
from ..labels_zh import SMS_KIND_ZH, SMS_PROVIDER_STATUS_ZH, SMS_STATE_ZH
from ..models.rounds import Round
from ..models.sms import STATES, OutboxMessage
from .api import message_or_404, outbox
from .round_messages import SmsRefused, queue_reminders, queue_results, resend, resendable
from .settings import twilio_configured

bp = Blueprint("sms_pages", __name__)


def _render(estate, round_=None, rounds=None, status: int = 200):
    where = (OutboxMessage.round_id == round_.id,) if round_ else (OutboxMessage.estate_id == estate.id,)
    state = request.args.get("state") if request.args.get("state") in STATES else None
    keep_digits_secret_in_response(estate.id, current_staff())
    box = outbox(where, state=state)
    return render_template("sms/outbox.html", estate=estate, round=round_, rounds=rounds or [],
                           state=state, console=not twilio_configured(), state_zh=SMS_STATE_ZH, kind_zh=SMS_KIND_ZH,
                           provider_zh=SMS_PROVIDER_STATUS_ZH, summary=box.summary, messages=box.messages,
                           masked=shown_phone, resendable=resendable), status


def _report_zh(report) -> str:
    parts = [f"已加入发送队列 {report.queued} 条"]
    for count, text in ((report.duplicate, "此前已加入、不重复发送"), (report.opted_out, "已退订"),
                        (report.voted, "户已表决"), (report.no_phone, "户无手机号"),
                        (report.undelivered, "户已售未交付（由开发建设单位表决，不提醒购房人）")):
        if count:
            parts.append(f"{count} {text}")
    return "，".join(parts)


@bp.app_template_global()
def round_sms_counts(round_id: int) -> dict:
    """Messages of a round per state (the round page's summary line)."""
    return dict(db.session.execute(select(OutboxMessage.state, func.count(OutboxMessage.id))
                                   .where(OutboxMessage.round_id == round_id).group_by(OutboxMessage.state)).all())


@bp.route("/rounds/<int:round_id>/sms")
@login_required
def round_outbox(round_id):
    round_ = round_or_404(round_id)
    return _render(estate_or_404(current_staff(), round_.estate_id), round_)


@bp.route("/estates/<int:estate_id>/sms")
@login_required
def estate_outbox(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    rounds = db.session.execute(
        select(Round, OutboxMessage.state, func.count(OutboxMessage.id))
        .join(OutboxMessage, OutboxMessage.round_id == Round.id).where(Round.estate_id == estate.id)
        .group_by(Round.id, OutboxMessage.state).order_by(Round.id)).all()
    per_round: dict[int, dict] = {}
    for round_, state, count in rounds:
        per_round.setdefault(round_.id, {"round": round_, "counts": {}})["counts"][state] = count
    return _render(estate, rounds=list(per_round.values()))


@bp.route("/rounds/<int:round_id>/sms/<any(reminders, results):what>", methods=["POST"])
@login_required
def round_queue(round_id, what):
    round_ = round_or_404(round_id)
    staff = current_staff()
    try:
        if what == "reminders":
            report = queue_reminders(round_, staff.username, staff.id, now())
        else:
            report = queue_results(round_, staff.username, staff.id, now())
    except SmsRefused as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(url_for("sms_pages.round_outbox", round_id=round_id), 303)
    db.session.commit()
    flash(_report_zh(report))
    return redirect(url_for("sms_pages.round_outbox", round_id=round_id), 303)


@bp.route("/sms/messages/<int:message_id>/resend", methods=["POST"])
@login_required
def message_resend(message_id):
    message = message_or_404(message_id)
    staff = current_staff()
    try:
        new = resend(message, staff.username, staff.id, now())
    except SmsRefused as exc:
        db.session.rollback()
        flash(exc.message)
    else:
        db.session.commit()
        flash(f"已重新加入发送队列（新短信编号 {new.id}）")
    target = (url_for("sms_pages.round_outbox", round_id=message.round_id) if message.round_id
              else url_for("sms_pages.estate_outbox", estate_id=message.estate_id))
    return redirect(target, 303)
