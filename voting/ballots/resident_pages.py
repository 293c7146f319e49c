"""The resident's ballot page `/v/<token>`: choose → confirm → receipt, no login, no JavaScript.

The token in the URL is the credential, so these pages send no Referer, forbid
framing and caching, and load nothing from elsewhere. Every visit computes the
token's hash and runs one indexed lookup, whether the token exists or not.
"""
import secrets

from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from ..accounts.auth import staff_in_request
from ..attachments.images import UploadRefused
from ..clock import now
from ..extensions import db
from ..labels_zh import BALLOT_STANDING_ZH, CHOICE_ZH
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.proposals import ProposalVersion
from ..rounds.objections import ObjectionRefused, file_objection
from ..tally.standing import effective
from .casting import ballot_standing
from .link_lookup import NO_PHONE_ZH, SUPERSEDED_ZH, UNKNOWN_ZH, TokenLookup, VoteRefused, resolve_token
from .link_view import link_view
from .one_time_codes import phone_choices
from .online import OPINION_MAX, check_before_casting, refused, valid_submission_key, voter_ballots
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
    ballots = voter_ballots(round_.id, entry.voter_key)
    view = link_view(lookup, now(), ballots)  # one read of the voter's ballots for both
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    return {
        "view": view, "round": round_, "estate": db.session.get(Estate, round_.estate_id), "entry": entry,
        "owner": view["household"]["owner"], "covered": view["household"]["units"], "version": version,
        "items": view["proposal"]["items"] if view["proposal"] else [], "board_url": view["estate"]["board_url"],
        "ballots": ballots, "effective": effective(ballots, round_.ballot_policy),
        "choices": CHOICE_ZH, "token": request.view_args["token"], "opinion_max": OPINION_MAX,
        "blocked": _sms_blocked(round_, entry),
    }


def _sms_blocked(round_, entry) -> str | None:
    """In rounds verified by SMS, a household with no textable phone cannot vote online."""
    if round_.verification != "sms":
        return None
    return None if phone_choices(entry.phones) else NO_PHONE_ZH


def _vote_page(lookup: TokenLookup, status: int = 200, error: VoteRefused | None = None, form=None):
    context = _context(lookup)
    if context["blocked"]:
        status = 409
    return render_template("ballots/vote.html", error=error, form=form or {}, **context), status


def _refusal(exc: VoteRefused, token: str):
    """The page for a refused confirmation or vote: the form again for input errors, else a plain page."""
    db.session.rollback()
    exc = refused(exc, client_address())
    if exc.field:
        lookup = resolve_token(token)
        return _vote_page(lookup, exc.status, error=exc, form=request.form)
    status = 410 if exc.reason in ("superseded", "closed") else exc.status
    return _gone(exc.message, status, headers=exc.headers)


def _result_page(lookup: TokenLookup, status: int = 200, error: str | None = None, form=None, sent: bool = False):
    """After the vote: the result, this household's counted choice, the answers, its objections."""
    return render_template("ballots/vote_result.html", error=error, form=form or {}, objection_sent=sent,
                           **_context(lookup)), status


@bp.route("/v/<token>")
def vote_page(token):
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
    if not _voting_now(lookup):
        return _result_page(lookup, sent=request.args.get("objection") == "sent")
    return _vote_page(lookup)


@bp.route("/v/<token>/objection", methods=["POST"])
def objection_submit(token):
    """An objection to the result from the household's link, during the objection period (a photo optional)."""
    lookup, page = _lookup_or_page(token)
    if lookup is None:
        return page
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
    try:
        lookup, _ = check_before_casting(token, form.get("choice"), form.get("verification"), now(), client_address())
    except VoteRefused as exc:
        return _refusal(exc, token)
    opinion = form.get("opinion", "").strip()
    if len(opinion) > OPINION_MAX:
        return _refusal(VoteRefused(422, f"意见建议不超过{OPINION_MAX}字", "opinion", "opinion"), token)
    # One key per confirmation: a double tap (or a reload) of 确认提交 makes one ballot.
    return render_template("ballots/vote_confirm.html", choice=form["choice"], opinion=opinion,
                           verification=form.get("verification", ""), submission=secrets.token_urlsafe(16),
                           **_context(lookup))


@bp.route("/v/<token>/vote", methods=["POST"])
def vote_submit(token):
    form = request.form
    try:
        key = form.get("submission")
        ballot = cast_once(token, form.get("choice"), form.get("opinion"), form.get("verification"), now(),
                           client_address(), key if valid_submission_key(key) else None)
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
    ballot = db.session.scalar(select(Ballot).where(
        Ballot.receipt == receipt, Ballot.round_id == lookup.round.id, Ballot.voter_key == entry.voter_key))
    if ballot is None:
        return _gone("找不到该回执。", 404, token)
    ballots = voter_ballots(lookup.round.id, entry.voter_key)
    standing = ballot_standing(ballot, lookup.round.ballot_policy, ballots)
    return render_template("ballots/vote_receipt.html", ballot=ballot, standing=standing,
                           standing_zh=BALLOT_STANDING_ZH[standing], round=lookup.round_row(), choices=CHOICE_ZH,
                           effective=effective(ballots, lookup.round.ballot_policy),
                           estate=db.session.get(Estate, lookup.round.estate_id), token=token,
                           live=lookup.live and lookup.round.status == "open" and now() < lookup.round.closes_at)
