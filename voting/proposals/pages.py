"""Staff pages: the estate's proposal (create, revise, funding); its rounds are a panel of voting/rounds."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404
from ..clock import now
from ..extensions import db
from ..models.proposals import Proposal
from ..models.rounds import Round
from ..refusal_answers import show_refusal
from .catalogue import CATALOGUE, CatalogueItem, get_item
from .operations import ProposalError, create_proposal, proposal_funding, revise_proposal
from .schemas import FundingSchema, ProposalCreateSchema, RevisionCreateSchema

bp = Blueprint("proposal_pages", __name__)


@bp.app_template_filter("catalogue_items")
def catalogue_items(codes: list[str]) -> list[CatalogueItem]:
    """A version's item codes as catalogue items, for the pages."""
    return [get_item(code) for code in codes]


def _proposal_form(schema_cls) -> tuple[dict | None, dict]:
    raw = {"title": request.form.get("title", "").strip(), "summary": request.form.get("summary", "").strip(),
           "items": request.form.getlist("items"), "estimated_cost": request.form.get("estimated_cost", "").strip()}
    raw["resident_mode"] = request.form.get("resident_mode") or None
    raw["resident_amount"] = request.form.get("resident_amount", "").strip() or None
    if schema_cls is RevisionCreateSchema and request.form.get("caused_by_round_id"):
        raw["caused_by_round_id"] = request.form["caused_by_round_id"]
    try:
        return schema_cls().load(raw), {}
    except ValidationError as exc:
        return None, exc.messages


def proposal_page(estate, status=200, **extra):
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    context = {"estate": estate, "proposal": proposal, "catalogue": CATALOGUE,
               "errors": {}, "funding": None,
               "funding_error": None, "versions": [], "rounds": [], "round_titles": {}}
    if proposal is not None:
        context["versions"] = list(reversed(proposal.versions))
        context["rounds"] = db.session.scalars(select(Round).where(Round.proposal_id == proposal.id)
                                               .order_by(Round.id)).all()
        context["round_titles"] = {r.id: r.title for r in context["rounds"]}
        try:
            context["funding"] = FundingSchema().dump(proposal_funding(estate, proposal.latest))
        except ProposalError as exc:
            context["funding_error"] = exc.message
    context.update(extra)
    return render_template("proposals/detail.html", **context), status


@bp.route("/estates/<int:estate_id>/proposal")
@login_required
def proposal_detail(estate_id):
    return proposal_page(estate_or_404(current_staff(), estate_id))


@bp.route("/estates/<int:estate_id>/proposal", methods=["POST"])
@login_required
def proposal_save(estate_id):
    """Create the proposal, or (if it exists) add a revision."""
    estate = estate_or_404(current_staff(), estate_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    data, errors = _proposal_form(RevisionCreateSchema if proposal else ProposalCreateSchema)
    if errors:
        return proposal_page(estate, 422, errors=errors, typed=request.form)
    try:
        if proposal is None:
            version = create_proposal(estate, data, current_staff().id, now())
        else:
            version = revise_proposal(proposal, data, current_staff().id, now())
    except ProposalError as exc:
        return show_refusal(exc, lambda status, message: proposal_page(estate, status, errors={"_": [message]},
                                                                       typed=request.form))
    db.session.commit()
    flash(f"已保存方案第 {version.version} 版")
    return redirect(url_for("proposal_pages.proposal_detail", estate_id=estate.id))
