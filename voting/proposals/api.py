"""/api/v1: proposals (改造方案), their versions, funding, and the 36-item catalogue."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import estate_or_404
from ..clock import now
from ..extensions import db
from ..models.proposals import Proposal
from ..refusal_answers import abort_refused
from .catalogue import CATALOGUE
from .operations import ProposalError, create_proposal, proposal_funding, record_final_cost, revise_proposal
from .schemas import (CatalogueItemSchema, FinalCostCreateSchema, FinalCostSchema, FundingSchema,
                      ProposalCreatedSchema, ProposalCreateSchema, ProposalSchema, RevisionCreateSchema)

blp = Blueprint("proposals", __name__, url_prefix="/api/v1", description="改造方案")


def proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404, message="找不到该方案")
    estate_or_404(current_staff(), proposal.estate_id)
    return proposal


@blp.route("/catalogue/items")
class Catalogue(MethodView):
    decorators = [api_login_required]

    @blp.response(200, CatalogueItemSchema(many=True))
    def get(self):
        """The plan's menu: 24 required (必改) and 12 upgrade (提升) items."""
        return list(CATALOGUE)  # a list: a tuple returned by a view is read as (body, status)


@blp.route("/estates/<int:estate_id>/proposals")
class EstateProposals(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ProposalCreateSchema)
    @blp.response(201, ProposalCreatedSchema)
    def post(self, data, estate_id):
        """Create the estate's proposal (version 1); an estate has one proposal."""
        estate = estate_or_404(current_staff(), estate_id)
        try:
            version = create_proposal(estate, data, current_staff().id, now())
        except ProposalError as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": version.proposal_id, "version": version.version, "version_id": version.id}

    @blp.response(200, ProposalSchema(many=True))
    def get(self, estate_id):
        estate = estate_or_404(current_staff(), estate_id)
        return db.session.scalars(select(Proposal).where(Proposal.estate_id == estate.id)).all()


@blp.route("/proposals/<int:proposal_id>")
class ProposalItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, ProposalSchema)
    def get(self, proposal_id):
        return proposal_or_404(proposal_id)


@blp.route("/proposals/<int:proposal_id>/versions")
class ProposalVersions(MethodView):
    decorators = [api_login_required]

    @blp.arguments(RevisionCreateSchema)
    @blp.response(201, ProposalCreatedSchema)
    def post(self, data, proposal_id):
        """A revision: a new version, linked to the round whose opinions caused it."""
        proposal = proposal_or_404(proposal_id)
        try:
            version = revise_proposal(proposal, data, current_staff().id, now())
        except ProposalError as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": proposal.id, "version": version.version, "version_id": version.id}


@blp.route("/proposals/<int:proposal_id>/funding")
class ProposalFunding(MethodView):
    decorators = [api_login_required]

    @blp.response(200, FundingSchema)
    def get(self, proposal_id):
        """Funding split of the latest version, and per-household estimates by exclusive area."""
        proposal = proposal_or_404(proposal_id)
        estate = estate_or_404(current_staff(), proposal.estate_id)
        try:
            return proposal_funding(estate, proposal.latest)
        except ProposalError as exc:
            abort_refused(exc)


@blp.route("/proposals/<int:proposal_id>/final-cost")
class ProposalFinalCost(MethodView):
    decorators = [api_login_required]

    @blp.arguments(FinalCostCreateSchema)
    @blp.response(201, FinalCostSchema)
    @blp.alt_response(409, description="联合竣工验收尚未记录实际日期，或同时有人更正")
    def post(self, data, proposal_id):
        """Record the audited final cost (决算) after the joint acceptance; a second record corrects the first.

        The subsidy is then computed on it, lifts and secondary water supply left out of the base."""
        proposal = proposal_or_404(proposal_id)
        try:
            row = record_final_cost(proposal, data, current_staff().id, now())
        except ProposalError as exc:
            abort_refused(exc)
        db.session.commit()
        return row
