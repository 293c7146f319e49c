"""Staff pages: the estate's proposal (create, revise, funding) and creating rounds for it."""
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404
from ..china_time import CST
from ..clock import now
from ..extensions import db
from ..rounds.models import Round
from ..rounds.operations import STAGE_TITLES, STATUS_ZH, RoundRefused, create_round
from ..rounds.schemas import RoundCreateSchema
from ..tally.rules import PRESETS
from .catalogue import CATALOGUE
from .models import Proposal
from .operations import ProposalError, create_proposal, proposal_funding, revise_proposal
from .schemas import FundingSchema, ProposalCreateSchema, RevisionCreateSchema

bp = Blueprint("proposal_pages", __name__)


def _proposal_form(schema_cls) -> tuple[dict | None, dict]:
    raw = {"title": request.form.get("title", "").strip(), "summary": request.form.get("summary", "").strip(),
           "items": request.form.getlist("items"), "estimated_cost": request.form.get("estimated_cost", "").strip()}
    if schema_cls is RevisionCreateSchema and request.form.get("caused_by_round_id"):
        raw["caused_by_round_id"] = request.form["caused_by_round_id"]
    try:
        return schema_cls().load(raw), {}
    except ValidationError as exc:
        return None, exc.messages


def _page(estate, status=200, **extra):
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    context = {"estate": estate, "proposal": proposal, "catalogue": CATALOGUE, "presets": PRESETS,
               "stage_titles": STAGE_TITLES, "status_zh": STATUS_ZH, "errors": {}, "funding": None,
               "funding_error": None, "versions": [], "rounds": []}
    if proposal is not None:
        context["versions"] = list(reversed(proposal.versions))
        context["rounds"] = db.session.scalars(select(Round).where(Round.proposal_id == proposal.id)
                                               .order_by(Round.id)).all()
        try:
            context["funding"] = FundingSchema().dump(proposal_funding(estate, proposal.latest))
        except ProposalError as exc:
            context["funding_error"] = exc.message
    context.update(extra)
    return render_template("proposals/detail.html", **context), status


@bp.route("/estates/<int:estate_id>/proposal")
@login_required
def proposal_detail(estate_id):
    return _page(estate_or_404(current_staff(), estate_id))


@bp.route("/estates/<int:estate_id>/proposal", methods=["POST"])
@login_required
def proposal_save(estate_id):
    """Create the proposal, or (if it exists) add a revision."""
    estate = estate_or_404(current_staff(), estate_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    data, errors = _proposal_form(RevisionCreateSchema if proposal else ProposalCreateSchema)
    if errors:
        return _page(estate, 422, errors=errors)
    try:
        if proposal is None:
            version = create_proposal(estate, data, current_staff().id, now())
        else:
            version = revise_proposal(proposal, data, current_staff().id, now())
    except ProposalError as exc:
        db.session.rollback()
        return _page(estate, exc.status, errors={"_": [exc.message]})
    db.session.commit()
    flash(f"已保存方案第 {version.version} 版")
    return redirect(url_for("proposal_pages.proposal_detail", estate_id=estate.id))


def _cst_input(value: str) -> str:
    """`datetime-local` input (China time, no offset) → ISO 8601 with +08:00."""
    return datetime.fromisoformat(value).replace(tzinfo=CST).isoformat() if value else ""


@bp.route("/estates/<int:estate_id>/proposal/rounds", methods=["POST"])
@login_required
def round_create(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    if proposal is None:
        return _page(estate, 409, round_errors={"_": ["请先填写改造方案"]})
    raw = {k: request.form.get(k, "") for k in ("stage", "rule", "ballot_policy", "verification")}
    try:
        raw["opens_at"] = _cst_input(request.form.get("opens_at", ""))
        raw["closes_at"] = _cst_input(request.form.get("closes_at", ""))
        data = RoundCreateSchema().load({k: v for k, v in raw.items() if v != ""})
        round_ = create_round(proposal, data, current_staff().id, now())
    except ValueError as exc:  # a malformed date from an old browser without a picker
        return _page(estate, 422, round_errors={"_": [f"时间格式不正确：{exc}"]})
    except ValidationError as exc:
        return _page(estate, 422, round_errors=exc.messages)
    except RoundRefused as exc:
        db.session.rollback()
        return _page(estate, exc.status, round_errors={"_": [exc.message]})
    db.session.commit()
    flash(f"已创建：{round_.title}")
    return redirect(url_for("round_pages.round_detail", round_id=round_.id))
