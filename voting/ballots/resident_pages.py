"""The resident's ballot page `/v/<token>`: choose → confirm → receipt, no login, no JavaScript.

The token in the URL is the credential, so these pages send no Referer, forbid
framing and caching, and load nothing from elsewhere. Every visit computes the
token's hash and runs one indexed lookup, whether the token exists or not.
"""
import secrets

from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.auth import staff_in_request
from ..attachments.images import UploadRefused
from ..clock import now
from ..extensions import db
from ..labels_zh import BALLOT_STANDING_ZH, CHOICE_ZH, SATISFACTION_ZH
from ..models.estates import Estate
from ..models.proposals import ProposalVersion
from ..models.rounds import RollEntry
from ..privacy import mask_name
from ..rounds.aftercare import AftercareRefused, report_problem
from ..rounds.objections import ObjectionRefused, file_objection
from ..rounds.result_notice import round_question
from ..tally.standing import effective
from ..unit_labels import unit_label
from .casting import ballot_standing
from .item_forms import item_questions_view, items_from_form
from .link_lookup import (NO_PHONE_ZH, SUPERSEDED_ZH, UNDELIVERED, UNDELIVERED_ZH, UNKNOWN_ZH, TokenLookup, VoteRefused,
                          resolve_token)
from .link_view import link_view
from .one_time_codes import phone_choices
from .online import OPINION_MAX, check_before_casting, refused, valid_submission_key, voter_ballots
from .survey import answer_survey
from .vote_requests import STAFF_CANNOT_VOTE_ZH, cast_once, client_address

bp = Blueprint("resident_ballot", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "Cache-Control": "no-store",  # a shared phone must not show someone's ballot from its cache
}


@bp.before_request
def _no_staff():
    """Every /v/ page (the ballot, its confirmation, casting, the receipt) refuses a staff browser."""
    if staff_in_request():
        return _gone(STAFF_CANNOT_VOTE_ZH, 403)
    return None


@bp.after_request
def _security_headers(response):
    response.headers.update(SECURITY_HEADERS)
    return response


def _gone(message: str, status: int, token: str | None = None, headers: dict | None = None):
    return render_template("ballots/vote_gone.html", message=message, token=token), status, headers or {}


def _unknown_link():
    refusal = refused(VoteRefused(404, UNKNOWN_ZH, "unknown"), client_address())
    return _gone(refusal.message, refusal.status, headers=refusal.headers)


@bp.errorhandler(CSRFError)
def _csrf_expired(error):
    token = (request.view_args or {}).get("token")
    return _gone("页面已过期，请返回表决页重新选择。", 400, token)


@bp.errorhandler(429)
def _too_many(error):
    # The limit's own message says how long to wait (10 minutes per link, an hour per address).
    return _gone(error.description or "核验错误次数过多，请稍后再试。", 429)


def _lookup_or_page(token: str):
    """(lookup, None) for a live token, else (None, the refusal page); the caller picks the ballot or result page."""
    lookup = resolve_token(token)
    if lookup is None:
        return None, _unknown_link()
    if not lookup.live:
        return None, _gone(SUPERSEDED_ZH, 410)
    return lookup, None


def _voting_now(lookup: TokenLookup) -> bool:
    return lookup.round.status == "open" and now() < lookup.round.closes_at


def _context(lookup: TokenLookup) -> dict:
    round_ = lookup.round_row()
    entry = lookup.entry_row()
    # A sold-but-undelivered flat's link (the buyer's slip) shows nothing of the developer's ballots.
    ballots = [] if entry.status == UNDELIVERED else voter_ballots(round_.id, entry.voter_key)
    # Held here, the rows link_view reads come from the session's identity map instead of twice from the
    # database (it keeps rows only while someone refers to them); the estate brings its community along.
    estate = db.session.get(Estate, round_.estate_id, options=[joinedload(Estate.community)])
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    view = link_view(lookup, now(), ballots)  # one read of the voter's ballots for both
    return {
        "view": view, "round": round_, "estate": estate, "entry": entry,
        "owner": view["household"]["owner"], "covered": view["household"]["units"], "version": version,
        "items": view["proposal"]["items"] if view["proposal"] else [], "board_url": view["estate"]["board_url"],
        "ballots": ballots, "effective": effective(ballots, round_.ballot_policy),
        "choices": dict(CHOICE_ZH, **SATISFACTION_ZH), "token": request.view_args["token"], "opinion_max": OPINION_MAX,
        "blocked": _sms_blocked(round_, entry),
        "item_view": item_questions_view(round_, version.item_cost_map if version else None,
                                         view["cost"]["area"] if view["cost"] else None),
    }


def _confirm_context(lookup: TokenLookup) -> dict:
    """What the confirmation page shows around the choice: the header of the ballot page (estate, question,
    the household and the units its ballot covers), without the plan, cost, answers and result below it."""
    if lookup.entry.status != "owned":  # the developer's header names all its flats: the full view says how
        return _context(lookup)
    round_ = lookup.round_row()
    entry = lookup.entry_row()
    estate = db.session.get(Estate, round_.estate_id)
    covered = [unit_label(*row) for row in db.session.execute(
        select(RollEntry.building, RollEntry.unit, RollEntry.room).where(
            RollEntry.round_id == round_.id, RollEntry.voter_key == entry.voter_key).order_by(RollEntry.id))]
    return {"view": {"round": {"question": round_question(round_)}}, "round": round_, "estate": estate,
            "entry": entry, "owner": mask_name(entry.owner_name), "covered": covered, "choices": CHOICE_ZH,
            "token": request.view_args["token"], "item_view": item_questions_view(round_)}


def _sms_blocked(round_, entry) -> str | None:
    """In rounds verified by SMS, a household with no textable phone cannot vote online."""
    if round_.verification != "sms":
        return None
    return None if phone_choices(entry.phones) else NO_PHONE_ZH


def _vote_page(lookup: TokenLookup, status: int = 200, error: VoteRefused | None = None, form=None):
    context = _context(lookup)
    if context["blocked"]:
        status = 409
    return render_template("ballots/vote.html", error=error, form=form or {}, **_sent_flags(), **context), status


def _refusal(exc: VoteRefused, token: str):
    """The page for a refused confirmation or vote: the form again for input errors, else a plain page."""
    db.session.rollback()
    exc = refused(exc, client_address())
    if exc.field:
        lookup = resolve_token(token)
        return _vote_page(lookup, exc.status, error=exc, form=request.form)
    status = 410 if exc.reason in ("superseded", "closed") else exc.status
    return _gone(exc.message, status, headers=exc.headers)


def _result_page(lookup: TokenLookup, status: int = 200, error: str | None = None, form=None, sent: bool = False,
                 **extra):
    """After the vote: the result, this household's counted choice, the answers, its objections."""
    return render_template("ballots/vote_result.html", error=error, form=form or {}, objection_sent=sent,
                           **_sent_flags(), **extra, **_context(lookup)), status


def _sent_flags() -> dict:
    return {"survey_sent": request.args.get("survey") == "sent", "aftercare_sent": request.args.get("aftercare") == "sent"}


def _page_after(lookup: TokenLookup, status: int, **extra):
    """The link's page again (ballot or result, as now), with an error of the survey or after-care form."""
    if not _voting_now(lookup):
        return _result_page(lookup, status, **extra)
    context = _context(lookup)
    return render_template("ballots/vote.html", error=None, form={}, **_sent_flags(), **extra, **context), status


@bp.route("/v/<token>")
def vote_page(token):
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
    if not _voting_now(lookup):
        return _result_page(lookup, sent=request.args.get("objection") == "sent")
    return _vote_page(lookup)


@bp.route("/v/<token>/survey", methods=["POST"])
def survey_submit(token):
    """The satisfaction survey answered on this link (the survey's own, or any live link of the household)."""
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
    form = request.form
    try:
        answer_survey(lookup, form.get("choice"), form.get("comment"), form.getlist("items"), now())
    except VoteRefused as exc:
        db.session.rollback()
        return _page_after(resolve_token(token), exc.status, survey_error=exc.message, survey_form=form)
    db.session.commit()
    return redirect(url_for("resident_ballot.vote_page", token=token, survey="sent") + "#survey", 303)


@bp.route("/v/<token>/aftercare", methods=["POST"])
def aftercare_submit(token):
    """An after-care problem reported from the household's link; its status shows here afterwards."""
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
    try:
        report_problem(lookup.round_row(), lookup.entry.household_id, request.form.get("text", ""),
                       request.form.get("item", ""), now())
    except AftercareRefused as exc:
        db.session.rollback()
        return _page_after(resolve_token(token), exc.status, aftercare_error=exc.message, aftercare_form=request.form)
    db.session.commit()
    return redirect(url_for("resident_ballot.vote_page", token=token, aftercare="sent") + "#aftercare", 303)


@bp.route("/v/<token>/objection", methods=["POST"])
def objection_submit(token):
    """An objection to the result from the household's link, during the objection period (a photo optional)."""
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
    if lookup.entry.status == UNDELIVERED:  # the developer holds the flat's vote, and its objections
        return _gone(UNDELIVERED_ZH, 403, token)
    upload = request.files.get("photo")
    photo = (upload.filename, upload.read()) if upload is not None and upload.filename else None
    try:
        file_objection(lookup.round_row(), lookup.entry.household_id, request.form.get("text", ""), "online", None,
                       now(), photo)
    except (ObjectionRefused, UploadRefused) as exc:
        db.session.rollback()
        return _result_page(lookup, exc.status, error=exc.message, form=request.form)
    db.session.commit()
    return redirect(url_for("resident_ballot.vote_page", token=token, objection="sent"), 303)


@bp.route("/v/<token>/confirm", methods=["POST"])
def vote_confirm(token):
    form = request.form
    items = items_from_form(form)
    try:
        lookup, _ = check_before_casting(token, form.get("choice"), form.get("verification"), now(), client_address(),
                                         items=items)
    except VoteRefused as exc:
        return _refusal(exc, token)
    opinion = form.get("opinion", "").strip()
    if len(opinion) > OPINION_MAX:
        return _refusal(VoteRefused(422, f"意见建议不超过{OPINION_MAX}字", "opinion", "opinion"), token)
    # One key per confirmation: a double tap (or a reload) of 确认提交 makes one ballot.
    return render_template("ballots/vote_confirm.html", choice=form["choice"], opinion=opinion,
                           verification=form.get("verification", ""), submission=secrets.token_urlsafe(16),
                           item_answers=items, **_confirm_context(lookup))


@bp.route("/v/<token>/vote", methods=["POST"])
def vote_submit(token):
    form = request.form
    items = items_from_form(form)
    try:
        key = form.get("submission")
        ballot = cast_once(token, form.get("choice"), form.get("opinion"), form.get("verification"), now(),
                           client_address(), key if valid_submission_key(key) else None, items)
    except VoteRefused as exc:
        return _refusal(exc, token)
    db.session.commit()
    # Post/redirect/get: reloading the receipt must not cast the ballot again.
    return redirect(url_for("resident_ballot.vote_receipt", token=token, receipt=ballot.receipt), 303)


@bp.route("/v/<token>/receipts/<receipt>")
def vote_receipt(token, receipt):
    lookup = resolve_token(token)
    if lookup is None:
        return _unknown_link()
    entry = lookup.entry
    if entry.status == UNDELIVERED:  # the developer's receipts are not the buyer's to read
        return _gone("找不到该回执。", 404, token)
    # The voter's ballots in the round, read once: the receipt is one of them or not this voter's.
    ballots = voter_ballots(lookup.round.id, entry.voter_key)
    ballot = next((b for b in ballots if b.receipt == receipt), None)
    if ballot is None:
        return _gone("找不到该回执。", 404, token)
    standing = ballot_standing(ballot, lookup.round.ballot_policy, ballots)
    return render_template("ballots/vote_receipt.html", ballot=ballot, standing=standing,
                           standing_zh=BALLOT_STANDING_ZH[standing], round=lookup.round_row(),
                           choices=dict(CHOICE_ZH, **SATISFACTION_ZH),
                           effective=effective(ballots, lookup.round.ballot_policy),
                           estate=db.session.get(Estate, lookup.round.estate_id), token=token,
                           live=lookup.live and lookup.round.status == "open" and now() < lookup.round.closes_at)
