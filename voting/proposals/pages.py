"""Staff pages: the estate's proposal (create, revise, funding); its rounds are a panel of voting/rounds."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
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
from .catalogue import CATALOGUE, COST_ONLY_LINES, SUBSIDY_EXCLUDED, CatalogueItem, cost_line_name_zh, get_item
from .operations import ProposalError, create_proposal, proposal_funding, record_final_cost, revise_proposal
from .schemas import FinalCostCreateSchema, FundingSchema, ProposalCreateSchema, RevisionCreateSchema

bp = Blueprint("proposal_pages", __name__)


@bp.app_template_filter("catalogue_items")
def catalogue_items(codes: list[str]) -> list[CatalogueItem]:
    """A version's item codes as catalogue items, for the pages."""
    return [get_item(code) for code in codes]


def _cost_lines_typed() -> list[dict] | None:
    """The form's per-item cost fields (cost_<code>) that were filled in, in catalogue order."""
    codes = [item.code for item in CATALOGUE] + list(COST_ONLY_LINES)
    lines = [{"code": code, "cost": request.form.get(f"cost_{code}", "").strip()} for code in codes]
    return [line for line in lines if line["cost"]] or None


def _proposal_form(schema_cls) -> tuple[dict | None, dict]:
    raw = {"title": request.form.get("title", "").strip(), "summary": request.form.get("summary", "").strip(),
           "items": request.form.getlist("items"),
           "estimated_cost": request.form.get("estimated_cost", "").strip() or None,
           "item_costs": _cost_lines_typed()}
    raw["resident_mode"] = request.form.get("resident_mode") or None
    raw["resident_amount"] = request.form.get("resident_amount", "").strip() or None
    if schema_cls is RevisionCreateSchema and request.form.get("caused_by_round_id"):
        raw["caused_by_round_id"] = request.form["caused_by_round_id"]
    try:
        return schema_cls().load(raw), {}
    except ValidationError as exc:
        return None, flat_messages(exc.messages)


def flat_messages(messages, prefix: str = "") -> dict:
    """marshmallow's nested messages ({"item_costs": {0: {"cost": [...]}}}) as {field: [messages]} for the form."""
    flat: dict = {}
    for key, value in messages.items():
        name = f"{prefix}第 {key + 1} 项" if isinstance(key, int) else (f"{prefix}{key}" if not prefix else f"{prefix}·{key}")
        if isinstance(value, dict):
            flat.update(flat_messages(value, name + " "))
        else:
            flat[name] = value
    return flat


def proposal_page(estate, status=200, **extra):
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    context = {"estate": estate, "proposal": proposal, "catalogue": CATALOGUE, "cost_only": COST_ONLY_LINES,
               "excluded_codes": SUBSIDY_EXCLUDED, "errors": {}, "final_errors": {}, "funding": None,
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


@bp.route("/estates/<int:estate_id>/proposal/final-cost", methods=["POST"])
@login_required
def final_cost_save(estate_id):
    """Record the audited final cost (决算); the funding is then computed on it."""
    estate = estate_or_404(current_staff(), estate_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    if proposal is None:
        abort(404, description="本小区还没有改造方案")
    codes = [item.code for item in CATALOGUE] + list(COST_ONLY_LINES)
    lines = [{"code": code, "cost": request.form.get(f"final_{code}", "").strip()} for code in codes]
    raw = {"item_costs": [line for line in lines if line["cost"]] or None,
           "total_cost": request.form.get("total_cost", "").strip() or None,
           "audited_on": request.form.get("audited_on", "").strip(), "note": request.form.get("note", "").strip()}
    try:
        data = FinalCostCreateSchema().load(raw)
    except ValidationError as exc:
        return proposal_page(estate, 422, final_errors=flat_messages(exc.messages))
    try:
        row = record_final_cost(proposal, data, current_staff().id, now())
    except ProposalError as exc:
        return show_refusal(exc, lambda status, message: proposal_page(estate, status, final_errors={"_": [message]}))
    db.session.commit()
    flash(f"已录入决算：{row.total_cost:.2f} 元（审定日期 {row.audited_on.isoformat()}）")
    return redirect(url_for("proposal_pages.proposal_detail", estate_id=estate.id))


@bp.app_template_filter("catalogue_label")
def catalogue_label(code: str) -> str:
    """A priced line's Chinese name (menu item or cost-only line)."""
    return cost_line_name_zh(code)
