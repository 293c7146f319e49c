"""/api/v1: rounds of a proposal, their transitions, opinions, results and the tally."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import estate_or_404, record_or_404, round_or_404
from ..clock import now
from ..extensions import db
from ..models.aftercare import AftercareProblem
from ..models.rounds import Objection, Opinion, OpinionAnswer
from ..proposals.api import proposal_or_404
from ..refusal_answers import abort_refused
from ..tally.rules import get_rule
from .aftercare import AftercareRefused, problems, set_status
from .objections import ObjectionRefused, answer_objection, file_objection, round_objections
from .operations import (RoundRefused, add_opinion, cancel_round, close_round, create_round, edit_round, finalise_round,
                         open_round, publish_result)
from .round_tally import round_items, round_tally, scope_round_tally
from .schemas import (AftercareProblemSchema, AftercareStatusSchema, CancelSchema, IdSchema, ItemTallySchema,
                      ObjectionAnswerCreateSchema, ObjectionCreateSchema, ObjectionSchema, OpinionCreateSchema,
                      OpinionSchema, ResultPublishSchema, RoundCreateSchema, RoundEditSchema, RoundSchema,
                      TallyQuerySchema, TallySchema)

blp = Blueprint("rounds", __name__, url_prefix="/api/v1", description="征询轮次（三上三下）与计票")




@blp.route("/proposals/<int:proposal_id>/rounds")
class ProposalRounds(MethodView):
    decorators = [api_login_required]

    @blp.arguments(RoundCreateSchema)
    @blp.response(201, IdSchema)
    def post(self, data, proposal_id):
        """A draft round for stage 1, 2 or 3, with its rule, ballot policy and voting period.

        With kind "satisfaction": a satisfaction survey (满意度调查), allowed once the proposal's stage-3
        decision closed and passed; no stage, no rule, verification by the link.
        """
        proposal = proposal_or_404(proposal_id)
        try:
            round_ = create_round(proposal, data, current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": round_.id}


@blp.route("/rounds/<int:round_id>")
class RoundItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, RoundSchema)
    def get(self, round_id):
        return round_or_404(round_id)

    @blp.arguments(RoundEditSchema)
    @blp.response(200, RoundSchema)
    @blp.alt_response(409, description="只有草稿可以修改")
    def patch(self, data, round_id):
        """Change a draft round's terms (title, question, rule, policy, verification, period, objection days)."""
        round_ = round_or_404(round_id)
        try:
            edit_round(round_, data, current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return round_


@blp.route("/rounds/<int:round_id>/cancel")
class RoundCancel(MethodView):
    decorators = [api_login_required]

    @blp.arguments(CancelSchema)
    @blp.response(200, RoundSchema)
    @blp.alt_response(409, description="只有尚未开始表决的草稿可以取消")
    def post(self, data, round_id):
        """Cancel a draft round with a reason: it leaves residents' pages and lists, and stays in the record."""
        round_ = round_or_404(round_id)
        try:
            cancel_round(round_, data["reason"], current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return round_


def _transition(operation):
    def post(self, round_id):
        round_ = round_or_404(round_id)
        try:
            operation(round_, current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return round_

    post.__doc__ = operation.__doc__
    return post


@blp.route("/rounds/<int:round_id>/open")
class RoundOpen(MethodView):
    decorators = [api_login_required]
    post = blp.alt_response(409, description="不允许的状态变化，附原因")(
        blp.response(200, RoundSchema)(_transition(open_round)))


@blp.route("/rounds/<int:round_id>/close")
class RoundClose(MethodView):
    decorators = [api_login_required]
    post = blp.alt_response(409, description="不允许的状态变化，附原因")(
        blp.response(200, RoundSchema)(_transition(close_round)))


@blp.route("/rounds/<int:round_id>/finalise")
class RoundFinalise(MethodView):
    decorators = [api_login_required]
    post = blp.alt_response(409, description="异议期未满（附结束日期）或仍有异议未答复")(
        blp.response(200, RoundSchema)(_transition(finalise_round)))


@blp.route("/rounds/<int:round_id>/objections")
class RoundObjections(MethodView):
    decorators = [api_login_required]

    @blp.response(200, ObjectionSchema(many=True))
    def get(self, round_id):
        """Objections to the round's result (异议), each with its newest answer."""
        return round_objections(round_or_404(round_id).id)

    @blp.arguments(ObjectionCreateSchema)
    @blp.response(201, IdSchema)
    @blp.alt_response(409, description="不在异议期内")
    def post(self, data, round_id):
        """Record an objection an owner handed in on paper, during the objection period."""
        round_ = round_or_404(round_id)
        try:
            objection = file_objection(round_, data["household_id"], data["text"], "paper", current_staff().id, now())
        except ObjectionRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": objection.id}


@blp.route("/rounds/<int:round_id>/objections/<int:objection_id>/answer")
class ObjectionAnswerItem(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ObjectionAnswerCreateSchema)
    @blp.response(201, IdSchema)
    @blp.alt_response(409, description="结果已确认为最终结果")
    def post(self, data, round_id, objection_id):
        """Answer an objection (a later answer replaces it on residents' pages; both are kept)."""
        round_ = round_or_404(round_id)
        objection = db.session.get(Objection, objection_id)
        if objection is None or objection.round_id != round_.id:
            abort(404, message="找不到该异议")
        try:
            answer = answer_objection(objection, data["answer"], current_staff().id, now())
        except ObjectionRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": answer.id}


@blp.route("/rounds/<int:round_id>/result")
class RoundResult(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ResultPublishSchema)
    @blp.response(200, RoundSchema)
    @blp.alt_response(409, description="不允许的状态变化，附原因")
    def post(self, data, round_id):
        """Publish the result (the "down" step) with the answers to residents' opinions."""
        round_ = round_or_404(round_id)
        try:
            publish_result(round_, data["answers"], current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return round_


@blp.route("/rounds/<int:round_id>/tally")
class RoundTally(MethodView):
    decorators = [api_login_required]

    @blp.arguments(TallyQuerySchema, location="query")
    @blp.response(200, TallySchema)
    def get(self, query, round_id):
        """The tally: frozen at closing, live while the round is open.

        With building (and unit): the rule applied to that building's (stairwell's) households
        only — its own total heads and area, SPC Art. 9 within it; an owner with flats in two
        stairwells is one voter in each, with that stairwell's flats. rule= judges by a preset
        rule instead of the round's.
        """
        round_ = round_or_404(round_id)
        if round_.status == "draft":
            abort(409, message="轮次尚未开始表决，名册未冻结，暂无计票")
        if query["unit"] is not None and query["building"] is None:
            abort(422, message="按单元计票须同时指定楼幢（building）", errors={"query": {"building": ["请指定楼幢"]}})
        rule = get_rule(query["rule"]) if query["rule"] else None
        if query["building"] is None:
            return round_tally(round_) if rule is None else scope_round_tally(round_, None, None, rule)
        result = scope_round_tally(round_, query["building"], query["unit"], rule)
        if result["total"]["heads"] == 0:
            abort(404, message="本轮名册中没有该楼幢或单元的房屋")
        return result


@blp.route("/rounds/<int:round_id>/items")
class RoundItems(MethodView):
    decorators = [api_login_required]

    @blp.response(200, ItemTallySchema)
    def get(self, round_id):
        """Per item asked: heads and area in favour, against, abstaining and not answering.

        For the estate, per building and per stairwell (building + unit); an item decided per
        stairwell also carries each stairwell's decision under the round's rule.
        """
        round_ = round_or_404(round_id)
        if round_.status == "draft":
            abort(409, message="轮次尚未开始表决，名册未冻结，暂无计票")
        return round_items(round_)


@blp.route("/rounds/<int:round_id>/opinions")
class RoundOpinions(MethodView):
    decorators = [api_login_required]

    @blp.response(200, OpinionSchema(many=True))
    def get(self, round_id):
        round_ = round_or_404(round_id)
        opinions = db.session.scalars(select(Opinion).where(Opinion.round_id == round_.id).order_by(Opinion.id)).all()
        answers = {}
        for a in db.session.scalars(select(OpinionAnswer).where(
                OpinionAnswer.opinion_id.in_([o.id for o in opinions])).order_by(OpinionAnswer.id)):
            answers.setdefault(a.opinion_id, []).append(a.text)
        return [{"id": o.id, "household_id": o.household_id, "text": o.text, "channel": o.channel,
                 "created_at": o.created_at, "answers": answers.get(o.id, [])} for o in opinions]

    @blp.arguments(OpinionCreateSchema)
    @blp.response(201, IdSchema)
    def post(self, data, round_id):
        """Record an opinion collected on paper or in person (意见建议)."""
        round_ = round_or_404(round_id)
        try:
            opinion = add_opinion(round_, data["text"], "staff", data["household_id"], current_staff().id, now())
        except RoundRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": opinion.id}


@blp.route("/estates/<int:estate_id>/aftercare-problems")
class AftercareProblems(MethodView):
    decorators = [api_login_required]

    @blp.response(200, AftercareProblemSchema(many=True))
    def get(self, estate_id):
        """After-care problems residents reported from their links, newest first, with status and history."""
        estate = estate_or_404(current_staff(), estate_id)
        return problems(estate.id)


@blp.route("/aftercare-problems/<int:problem_id>/status")
class AftercareProblemStatus(MethodView):
    decorators = [api_login_required]

    @blp.arguments(AftercareStatusSchema)
    @blp.response(201, AftercareProblemSchema)
    @blp.alt_response(409, description="该问题已经是这个状态")
    def post(self, data, problem_id):
        """Move a problem to pending / in_progress / resolved (a new event, audited; a note required to resolve)."""
        problem = record_or_404(AftercareProblem, problem_id, "找不到该问题")
        try:
            set_status(problem, data["status"], data["note"], current_staff().id, now())
        except AftercareRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return next(p for p in problems(problem.estate_id, [problem.household_id]) if p["id"] == problem_id)
