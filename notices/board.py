"""The public notice board (公示栏): no login, for residents' phones.

Shows what an estate has published, nothing else: no staff names, no roll, no
personal data. The files of a notice are served from here too, since a
published notice is public by design. The estate's page also lists the signed
checkpoints of its audit chain (voting.audit.checkpoints), so that residents and the
street office can keep copies the database administrator cannot recall.
"""
from flask import Blueprint, abort, render_template
from sqlalchemy import select

from notices.operations import newest_versions
from voting import clock
from voting.attachments.operations import attachment_of, attachment_response, attachments_of
from voting.audit.checkpoints import estate_checkpoints
from voting.calendar.calendar_store import load_calendar
from voting.china_time import cst_today
from voting.extensions import db
from voting.labels_zh import notice_kind_zh
from voting.models.attachments import Attachment
from voting.models.estates import Estate
from voting.models.notices import Notice

from .operations import (chain_of, has_published, notice_phase, period_zh, public_notices, public_progress,
                         published_photo_ids, remaining_working_days, withdrawn)

bp = Blueprint("board", __name__)


@bp.url_defaults
def _estate_public_id(endpoint: str, values: dict) -> None:
    """url_for("board.estate_board", estate_id=…) keeps working: the URL carries the public id."""
    if endpoint == "board.estate_board" and "estate_id" in values:
        estate_id = values.pop("estate_id")
        values["public_id"] = db.session.scalar(select(Estate.public_id).where(Estate.id == estate_id))


def _published_notice_or_404(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.published_at is None or withdrawn(notice):
        abort(404, description="找不到该公示")
    return notice


def _summary(notice: Notice, today, calendar) -> dict:
    return {"notice": notice, "kind_zh": notice_kind_zh(notice.kind), "period_zh": period_zh(notice),
            "phase": notice_phase(notice, today), "remaining": remaining_working_days(notice, today, calendar)}


@bp.route("/board/estates/<public_id>")
def estate_board(public_id):
    """An estate's board, by its public id; 404 until the estate has published a notice.

    The old numeric URL (/board/estates/7) is a public id no estate has: 404, not a redirect,
    so the dense ids stay unwalkable.
    """
    estate = db.session.scalar(select(Estate).where(Estate.public_id == public_id))
    if estate is None or not has_published(estate.id):
        abort(404, description="找不到该小区的公示栏")
    today, calendar = cst_today(clock.now()), load_calendar()
    # One entry per correction chain: the newest version, which is the one in force.
    entries = [_summary(n, today, calendar) for n in newest_versions(public_notices(estate.id))]
    groups = {phase: [e for e in entries if e["phase"] == phase] for phase in ("current", "upcoming", "ended")}
    return render_template("notices/board_estate.html", estate=estate, groups=groups, today=today,
                           checkpoints=estate_checkpoints(estate.id), project=public_progress(estate.id, today))


@bp.route("/board/notices/<int:notice_id>")
def notice_page(notice_id):
    notice = _published_notice_or_404(notice_id)
    today = cst_today(clock.now())
    versions = chain_of(notice)
    return render_template(
        "notices/board_notice.html", estate=db.session.get(Estate, notice.estate_id),
        notice=notice, entry=_summary(notice, today, load_calendar()), versions=versions, newest=versions[-1],
        attachments=attachments_of("notice", [notice.id])[notice.id], today=today,
    )


def _attachment_or_404(notice_id: int, attachment_id: int):
    notice = _published_notice_or_404(notice_id)
    attachment = attachment_of("notice", notice.id, attachment_id)
    if attachment is None:
        abort(404, description="找不到该附件")
    return attachment


@bp.route("/notices/<int:notice_id>/attachments/<int:attachment_id>")
def notice_attachment(notice_id, attachment_id):
    return attachment_response(_attachment_or_404(notice_id, attachment_id))


@bp.route("/notices/<int:notice_id>/attachments/<int:attachment_id>/thumbnail")
def notice_thumbnail(notice_id, attachment_id):
    response = attachment_response(_attachment_or_404(notice_id, attachment_id), thumbnail=True)
    if response is None:
        abort(404, description="该附件没有缩略图")
    return response


def _published_photo_or_404(public_id: str, attachment_id: int):
    """A site photo staff published for residents, of this estate; 404 otherwise (or once withdrawn)."""
    estate = db.session.scalar(select(Estate).where(Estate.public_id == public_id))
    if estate is None or attachment_id not in published_photo_ids(estate.id):
        abort(404, description="找不到该照片")
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.estate_id != estate.id:
        abort(404, description="找不到该照片")
    return attachment


@bp.route("/board/estates/<public_id>/photos/<int:attachment_id>")
def project_photo(public_id, attachment_id):
    """A published photo of the works (the same cleaned file staff uploaded: no location or camera data)."""
    return attachment_response(_published_photo_or_404(public_id, attachment_id))


@bp.route("/board/estates/<public_id>/photos/<int:attachment_id>/thumbnail")
def project_photo_thumbnail(public_id, attachment_id):
    response = attachment_response(_published_photo_or_404(public_id, attachment_id), thumbnail=True)
    if response is None:
        abort(404, description="该照片没有缩略图")
    return response
