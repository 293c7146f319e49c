"""Staff page of a round: status, timeline (三上三下), tally, opinions, and its transitions."""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404, record_or_404, round_or_404
from ..china_time import CST, cst_today
from ..clock import now
from ..extensions import db
from ..labels_zh import AFTERCARE_STATUS_ZH, FIGURE_ZH, ROUND_STATUS_ZH, check_title_zh
from ..models.aftercare import AftercareProblem
from ..models.estates import Household
from ..models.proposals import Proposal
from ..models.rounds import Objection, Opinion, OpinionAnswer, Round
from ..proposals.pages import proposal_page
from ..refusal_answers import show_refusal
from ..tally.rules import PRESETS
from .aftercare import AftercareRefused, aftercare_open, item_label, problems, set_status
from .objections import (ObjectionRefused, answer_objection, file_objection, objection_open, objection_period,
                         result_state, round_objections)
from .operations import (DEFAULT_RULE, STAGE_TITLES, RoundRefused, add_opinion, cancel_round, close_round, create_round,
                         edit_round, finalise_round, open_round, publish_result)
from .paper_grace import grace_note_zh, in_paper_grace
from .result_notice import result_notice, round_question
from .round_tally import round_rule, round_tally
from .schemas import (ANSWER_LENGTH_ZH, OBJECTION_LENGTH_ZH, OPINION_LENGTH_ZH, ObjectionAnswerCreateSchema,
                      ObjectionCreateSchema, OpinionCreateSchema, ResultPublishSchema, RoundCreateSchema,
                      RoundEditSchema)

bp = Blueprint("round_pages", __name__)

ACTIONS = {"open": open_round, "close": close_round}


def render_round_page(round_: Round, status: int = 200, **extra):
    estate, rule = estate_or_404(current_staff(), round_.estate_id), round_rule(round_)
    opinions = db.session.scalars(select(Opinion).where(Opinion.round_id == round_.id).order_by(Opinion.id)).all()
    answers = {}
    for a in db.session.scalars(select(OpinionAnswer).where(OpinionAnswer.opinion_id.in_([o.id for o in opinions]))):
        answers.setdefault(a.opinion_id, []).append(a.text)
    context = {
        "round": round_, "round_obj": round_, "estate": estate, "status_zh": ROUND_STATUS_ZH,
        "kind_zh": FIGURE_ZH, "rule": rule, "presets": ordered_presets(), "rule_notes": RULE_NOTES_ZH, "confirm": None,
        "check_titles": {c.name: check_title_zh(c.measure, c.numerator, c.denominator) for c in rule.checks},
        "tally": round_tally(round_) if round_.status != "draft" else None,
        "opinions": opinions, "answers": answers, "error": None,
        "question": round_question(round_), "result_state": result_state(round_), "period": objection_period(round_),
        "result_notice": result_notice(round_), "objections": round_objections(round_.id),
        "objection_open": objection_open(round_, cst_today(now())), "item_label": item_label,
        "grace_note": grace_note_zh(round_, now()),
    }
    context.update(extra)
    return render_template("rounds/detail.html", **context), status


@bp.route("/rounds/<int:round_id>")
@login_required
def round_detail(round_id):
    return render_round_page(round_or_404(round_id))


CONFIRM_ZH = {
    "open": "开始表决后名册冻结，表决规则、期限和问题都不能再改。确认现在开始表决？",
    "close": "截止后不能再表决，计票结果固定，并立即在公示栏发布结果公告、开始异议期。确认现在截止？",
}


@bp.route("/rounds/<int:round_id>/<any(open, close):action>", methods=["POST"])
@login_required
def round_transition(round_id, action):
    """Open or close, after a confirmation step (the first press shows what will happen)."""
    round_ = round_or_404(round_id)
    if request.form.get("confirmed") != "yes":
        early = "现在仍在纸质票补录期内，提前截止后不能再补录纸质表决票。" if action == "close" and in_paper_grace(
            round_, now()) else ""
        return render_round_page(round_, confirm=action, confirm_zh=early + CONFIRM_ZH[action])
    try:
        ACTIONS[action](round_, current_staff().id, now())
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("已开始表决，名册已冻结" if action == "open" else "已截止，计票结果已固定")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/result", methods=["POST"])
@login_required
def round_publish(round_id):
    round_ = round_or_404(round_id)
    typed = [{"opinion_id": key[7:], "answer": text.strip(), "summary": request.form.get(f"summary-{key[7:]}", "").strip()}
             for key, text in request.form.items() if key.startswith("answer-") and text.strip()]
    try:
        answers = ResultPublishSchema().load({"answers": typed})["answers"]  # the API's own rules
    except ValidationError:
        return render_round_page(round_, 422, error=ANSWER_LENGTH_ZH)
    try:
        publish_result(round_, answers, current_staff().id, now())
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("答复已公布")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


def _round_form() -> dict:
    """The draft form's fields as the API takes them (empty fields are left out: unchanged)."""
    raw = {k: request.form.get(k, "").strip() for k in ("title", "question", "rule", "ballot_policy", "verification",
                                                      "objection_working_days", "paper_grace_working_days")}
    raw["opens_at"] = _cst_input(request.form.get("opens_at", ""))
    raw["closes_at"] = _cst_input(request.form.get("closes_at", ""))
    return {k: v for k, v in raw.items() if v != ""}


@bp.route("/rounds/<int:round_id>/edit", methods=["POST"])
@login_required
def round_edit(round_id):
    round_ = round_or_404(round_id)
    try:
        data = RoundEditSchema().load(_round_form())
        edit_round(round_, data, current_staff().id, now())
    except ValueError as exc:  # a malformed date from an old browser without a picker
        return render_round_page(round_, 422, error=f"时间格式不正确：{exc}")
    except ValidationError as exc:
        return render_round_page(round_, 422, error="；".join(f"{m}" for ms in exc.messages.values() for m in ms))
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("草稿已修改")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/cancel", methods=["POST"])
@login_required
def round_cancel(round_id):
    round_ = round_or_404(round_id)
    try:
        cancel_round(round_, request.form.get("reason", ""), current_staff().id, now())
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash(f"已取消：{round_.title}")
    return redirect(url_for("proposal_pages.proposal_detail", estate_id=round_.estate_id))


@bp.route("/rounds/<int:round_id>/finalise", methods=["POST"])
@login_required
def round_finalise(round_id):
    round_ = round_or_404(round_id)
    try:
        finalise_round(round_, current_staff().id, now())
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("已确认为最终结果")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/objections", methods=["POST"])
@login_required
def objection_record(round_id):
    """An objection handed in on paper, recorded by a worker."""
    round_ = round_or_404(round_id)
    try:
        text = ObjectionCreateSchema().load({"text": request.form.get("text", "").strip()})["text"]  # the API's rules
    except ValidationError:
        return render_round_page(round_, 422, error=OBJECTION_LENGTH_ZH)
    try:
        file_objection(round_, None, text, "paper", current_staff().id, now())
    except ObjectionRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("已记录异议")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/objections/<int:objection_id>/answer", methods=["POST"])
@login_required
def objection_answer(round_id, objection_id):
    round_ = round_or_404(round_id)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.round_id != round_.id:
        abort(404)
    try:
        text = ObjectionAnswerCreateSchema().load({"answer": request.form.get("answer", "").strip()})["answer"]
    except ValidationError:
        return render_round_page(round_, 422, error=ANSWER_LENGTH_ZH)
    try:
        answer_objection(objection, text, current_staff().id, now())
    except ObjectionRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("已答复异议")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/opinions", methods=["POST"])
@login_required
def round_opinion(round_id):
    round_ = round_or_404(round_id)
    try:
        text = OpinionCreateSchema().load({"text": request.form.get("text", "").strip()})["text"]  # the API's own rules
    except ValidationError:
        return render_round_page(round_, 422, error=OPINION_LENGTH_ZH)
    try:
        add_opinion(round_, text, "staff", None, current_staff().id, now())
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: render_round_page(round_, status, error=message))
    db.session.commit()
    flash("已记录意见")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


def _cst_input(value: str) -> str:
    """`datetime-local` input (China time, no offset) → ISO 8601 with +08:00."""
    return datetime.fromisoformat(value).replace(tzinfo=CST).isoformat() if value else ""


@bp.app_template_global()
def proposal_rounds_panel(proposal) -> dict:
    """The proposal page's rounds panel: its rounds, in order, and the choices of the new-round form."""
    rounds = [] if proposal is None else db.session.scalars(
        select(Round).where(Round.proposal_id == proposal.id).order_by(Round.id)).all()
    # The survey's form is offered once the third consultation has passed (operations refuses it before).
    survey_ready = any(r.kind == "decision" and r.stage == 3 and r.status in ("closed", "published") and r.passed
                       for r in rounds)
    return {"rounds": rounds, "stage_titles": STAGE_TITLES, "status_zh": ROUND_STATUS_ZH, "presets": ordered_presets(),
            "default_rule": DEFAULT_RULE, "rule_notes": RULE_NOTES_ZH, "survey_ready": survey_ready}


# Offered with its dates: the Property Law was repealed when the Civil Code took effect (2021-01-01).
RULE_NOTES_ZH = {"double-two-thirds": "（物权法已于2021年1月1日废止，仅用于复核2021年以前作出的决定）"}


def ordered_presets() -> dict:
    """The presets for the forms, the default (Civil Code Art. 278 items 6–8) first."""
    return {DEFAULT_RULE: PRESETS[DEFAULT_RULE], **{k: v for k, v in PRESETS.items() if k != DEFAULT_RULE}}


@bp.route("/estates/<int:estate_id>/proposal/rounds", methods=["POST"])
@login_required
def round_create(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.estate_id == estate.id))
    if proposal is None:
        return proposal_page(estate, 409, round_errors={"_": ["请先填写改造方案"]})
    raw = {k: request.form.get(k, "").strip() for k in ("kind", "stage", "rule", "ballot_policy", "verification",
                                                      "question", "objection_working_days", "paper_grace_working_days")}
    try:
        raw["opens_at"] = _cst_input(request.form.get("opens_at", ""))
        raw["closes_at"] = _cst_input(request.form.get("closes_at", ""))
        data = RoundCreateSchema().load({k: v for k, v in raw.items() if v != ""})
        round_ = create_round(proposal, data, current_staff().id, now())
    except ValueError as exc:  # a malformed date from an old browser without a picker
        return proposal_page(estate, 422, round_errors={"_": [f"时间格式不正确：{exc}"]}, round_typed=request.form)
    except ValidationError as exc:
        return proposal_page(estate, 422, round_errors=exc.messages, round_typed=request.form)
    except RoundRefused as exc:
        return show_refusal(exc, lambda status, message: proposal_page(estate, status, round_errors={"_": [message]},
                                                                       round_typed=request.form))
    db.session.commit()
    flash(f"已创建：{round_.title}")
    return redirect(url_for("round_pages.round_detail", round_id=round_.id))


def _aftercare_page(estate, status: int = 200, error: str | None = None):
    found = problems(estate.id)
    labels = {h.id: h.label for h in db.session.scalars(select(Household).where(
        Household.id.in_({p["household_id"] for p in found})))} if found else {}
    return render_template("rounds/aftercare.html", estate=estate, problems=found, labels=labels,
                           statuses=AFTERCARE_STATUS_ZH, open=aftercare_open(estate.id), error=error), status


@bp.route("/estates/<int:estate_id>/aftercare")
@login_required
def aftercare_list(estate_id):
    """The community's list of after-care problems reported from residents' links, with their status."""
    return _aftercare_page(estate_or_404(current_staff(), estate_id))


@bp.route("/aftercare/<int:problem_id>/status", methods=["POST"])
@login_required
def aftercare_status(problem_id):
    problem = record_or_404(AftercareProblem, problem_id, "找不到该问题")
    estate = estate_or_404(current_staff(), problem.estate_id)
    try:
        set_status(problem, request.form.get("status", ""), request.form.get("note", ""), current_staff().id, now())
    except AftercareRefused as exc:
        return show_refusal(exc, lambda status, message: _aftercare_page(estate, status, message))
    db.session.commit()
    flash(f"问题 {problem_id} 已更新为：{AFTERCARE_STATUS_ZH[request.form['status']]}")
    return redirect(url_for("round_pages.aftercare_list", estate_id=estate.id) + f"#problem-{problem_id}", 303)
