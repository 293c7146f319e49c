"""Staff pages: entering and confirming paper/proxy ballots, and the live progress of a round."""
import marshmallow as ma
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404, round_or_404
from ..attachments.operations import attachment_of, attachment_response
from ..china_time import format_cst
from ..clock import now
from ..extensions import db
from ..labels_zh import CHANNEL_ZH, CHOICE_ZH, PAPER_ENTRY_STATUS_ZH, SATISFACTION_ZH
from ..models.ballots import PaperConfirmation, PaperEntry
from ..models.rounds import Round
from ..record_ids import parse_record_id
from ..rounds.frozen_roll import roll_entries
from ..rounds.paper_grace import grace_note_zh, in_paper_grace
from ..rounds.round_tally import round_item_questions, round_items, stairwell_progress
from ..rounds.schemas import AwareDateTime
from .item_forms import FIELD_PREFIX, item_name, item_questions_view, items_from_form
from .paper import (KINDS, OWNER_TYPE, PaperRefused, Upload, accepting_paper, confirm_paper_entry, enter_paper_ballot,
                    paper_entries, reject_paper_entry)
from .progress import progress_summary, round_progress

bp = Blueprint("ballot_staff_pages", __name__)


def _entry(entry_id: int) -> PaperEntry:
    entry = db.session.get(PaperEntry, entry_id)
    if entry is None:
        abort(404)
    round_or_404(entry.round_id)
    return entry


def _private(response):
    # Names, phones and signed ballots: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _paper_page(round_: Round, status: int = 200, error: str | None = None, form: dict | None = None):
    estate = estate_or_404(current_staff(), round_.estate_id)
    entries = paper_entries(round_)
    buildings: dict[str, list] = {}
    for e in roll_entries(round_.id):
        buildings.setdefault(e.building, []).append(e)
    html = render_template(
        "ballots/paper.html", round_obj=round_, estate=estate, entries=entries, buildings=buildings,
        pending=[e for e in entries if e["status"] == "pending_confirmation"],
        done=[e for e in entries if e["status"] != "pending_confirmation"],
        me=current_staff(), choices_zh=SATISFACTION_ZH if round_.kind == "satisfaction" else CHOICE_ZH,
        kinds_zh={k: CHANNEL_ZH[k] for k in KINDS}, status_zh=PAPER_ENTRY_STATUS_ZH, item_view=item_questions_view(round_),
        error=error, form=form or {}, is_open=accepting_paper(round_, now()),
        in_grace=in_paper_grace(round_, now()), grace_note=grace_note_zh(round_, now()),
        window=(format_cst(round_.opens_at).replace(" ", "T"), format_cst(min(round_.closes_at, now())).replace(" ", "T")))
    return _private(make_response(html, status))


def _back(round_id: int):
    return redirect(url_for("ballot_staff_pages.paper_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/paper")
@login_required
def paper_page(round_id):
    return _paper_page(round_or_404(round_id))


@bp.route("/rounds/<int:round_id>/paper", methods=["POST"])
@login_required
def paper_enter(round_id):
    round_ = round_or_404(round_id)
    form = {k: request.form.get(k, "") for k in ("household_id", "choice", "kind", "signed_at")}
    form |= {k: v for k, v in request.form.items() if k.startswith(FIELD_PREFIX)}
    household_id = parse_record_id(form["household_id"])
    if household_id is None:
        return _paper_page(round_, 422, "请选择房屋（楼幢-单元-室号）", form)
    try:  # the page's datetime-local is Beijing time, as the API reads a time without an offset
        signed_at = AwareDateTime().deserialize(form["signed_at"].strip()) if form["signed_at"].strip() else None
    except ma.ValidationError:
        return _paper_page(round_, 422, "签署时间格式不正确，请按“年-月-日 时:分”填写", form)
    files = {name: request.files.get(name) for name in ("scan", "authorisation")}
    uploads = {name: Upload(f.filename or "", f.read()) if f and f.filename else None for name, f in files.items()}
    try:
        entry = enter_paper_ballot(round_, household_id, form["choice"], form["kind"] or "paper",
                                   uploads["scan"], uploads["authorisation"], current_staff(), now(),
                                   items_from_form(request.form), signed_at=signed_at)
    except PaperRefused as exc:
        db.session.rollback()
        return _paper_page(round_or_404(round_id), exc.status, exc.message, form)
    db.session.commit()
    flash(f"已录入第 {entry.id} 号纸质表决票，请另一位工作人员核对原件后确认，确认后才计入")
    return _back(round_id)


@bp.route("/paper-ballots/<int:entry_id>/<any(confirm, reject):action>", methods=["POST"])
@login_required
def paper_decide(entry_id, action):
    entry = _entry(entry_id)
    round_id = entry.round_id
    try:
        if action == "confirm":
            decision = confirm_paper_entry(entry, current_staff(), now())
        else:
            decision = reject_paper_entry(entry, current_staff(), request.form.get("reason", ""), now())
    except PaperRefused as exc:
        db.session.rollback()
        return _paper_page(round_or_404(round_id), exc.status, exc.message)
    db.session.commit()
    flash(f"第 {entry_id} 号：{PAPER_ENTRY_STATUS_ZH[decision.outcome]}")
    return _back(round_id)


@bp.route("/paper-ballots/<int:entry_id>/files/<int:attachment_id>")
@login_required
def paper_file(entry_id, attachment_id):
    _entry(entry_id)
    attachment = attachment_of(OWNER_TYPE, entry_id, attachment_id)
    response = attachment_response(attachment, request.args.get("thumbnail") == "1") if attachment else None
    if response is None:
        abort(404)
    return _private(response)


@bp.route("/rounds/<int:round_id>/progress")
@login_required
def progress_page(round_id):
    round_ = round_or_404(round_id)
    estate = estate_or_404(current_staff(), round_.estate_id)
    building = request.args.get("building", "").strip() or None
    if round_.kind == "satisfaction":  # no rule, no gap to pass: the round page shows the survey's figures
        return redirect(url_for("round_pages.round_detail", round_id=round_.id))
    progress = round_progress(round_, building, canvass_limit=50) if round_.status == "open" else None
    all_buildings = list(dict.fromkeys(e.building for e in roll_entries(round_.id)))
    stairwells = stairwell_progress(round_) if progress else None
    items = round_items(round_) if progress and round_item_questions(round_).codes else None
    html = render_template("ballots/progress.html", round_obj=round_, estate=estate, progress=progress,
                           building=building, all_buildings=all_buildings, stairwells=stairwells, item_results=items)
    return _private(make_response(html, 200))


@bp.app_template_global()
def item_name_zh(code: str) -> str:
    """The plain Chinese name of a catalogue item (the code itself if the catalogue lacks it)."""
    return item_name(code)


@bp.app_template_global()
def paper_summary(round_obj: Round) -> dict:
    """Counts for the round page: entries awaiting confirmation, and those the viewer may confirm."""
    pending = (select(func.count(PaperEntry.id)).where(PaperEntry.round_id == round_obj.id)
               .where(~select(PaperConfirmation.id).where(PaperConfirmation.entry_id == PaperEntry.id).exists()))
    total = db.session.scalar(pending)
    mine = db.session.scalar(pending.where(PaperEntry.entered_by_id == current_staff().id))
    return {"pending": total, "for_me": total - mine}


@bp.app_template_global()
def round_progress_summary(round_obj: Round) -> dict | None:
    """The big numbers for the round page (None unless the round is open)."""
    return progress_summary(round_obj)
