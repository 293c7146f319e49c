"""Staff page of a round: status, timeline (三上三下), tally, opinions, and its transitions."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404
from ..clock import now
from ..extensions import db
from ..tally.summary_zh import KIND_ZH
from .models import Opinion, OpinionAnswer, Round
from .operations import STATUS_ZH, RoundRefused, add_opinion, close_round, open_round, publish_result
from .round_tally import round_rule, round_tally

bp = Blueprint("round_pages", __name__)

ACTIONS = {"open": open_round, "close": close_round}
ACTION_ZH = {"created": "创建", "opened": "开始表决（一上：征集意见）", "closed": "截止计票",
             "result_published": "公布结果并答复意见（一下）", "notice_published": "发布公示"}


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        from flask import abort

        abort(404)
    estate_or_404(current_staff(), round_.estate_id)
    return round_


def render_round_page(round_: Round, status: int = 200, **extra):
    from ..evidence.report_data import check_title_zh  # imports this module: not at the top

    estate, rule = estate_or_404(current_staff(), round_.estate_id), round_rule(round_)
    opinions = db.session.scalars(select(Opinion).where(Opinion.round_id == round_.id).order_by(Opinion.id)).all()
    answers = {}
    for a in db.session.scalars(select(OpinionAnswer).where(OpinionAnswer.opinion_id.in_([o.id for o in opinions]))):
        answers.setdefault(a.opinion_id, []).append(a.text)
    context = {
        "round": round_, "round_obj": round_, "estate": estate, "status_zh": STATUS_ZH,
        "action_zh": ACTION_ZH, "kind_zh": KIND_ZH, "rule": rule,
        "check_titles": {c.name: check_title_zh(c) for c in rule.checks},  # Chinese, as in the report
        "tally": round_tally(round_) if round_.status != "draft" else None,
        "opinions": opinions, "answers": answers, "error": None,
    }
    context.update(extra)
    return render_template("rounds/detail.html", **context), status


@bp.route("/rounds/<int:round_id>")
@login_required
def round_detail(round_id):
    return render_round_page(_round(round_id))


@bp.route("/rounds/<int:round_id>/<any(open, close):action>", methods=["POST"])
@login_required
def round_transition(round_id, action):
    round_ = _round(round_id)
    try:
        ACTIONS[action](round_, current_staff().id, now())
    except RoundRefused as exc:
        db.session.rollback()
        return render_round_page(_round(round_id), exc.status, error=exc.message)
    db.session.commit()
    flash("已开始表决，名册已冻结" if action == "open" else "已截止，计票结果已固定")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/result", methods=["POST"])
@login_required
def round_publish(round_id):
    round_ = _round(round_id)
    answers = []
    for key, text in request.form.items():
        if key.startswith("answer-") and text.strip() and key[7:].isdigit():
            answers.append({"opinion_id": int(key[7:]), "answer": text.strip()[:2000]})
    try:
        publish_result(round_, answers, current_staff().id, now())
    except RoundRefused as exc:
        db.session.rollback()
        return render_round_page(_round(round_id), exc.status, error=exc.message)
    db.session.commit()
    flash("结果已公布")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))


@bp.route("/rounds/<int:round_id>/opinions", methods=["POST"])
@login_required
def round_opinion(round_id):
    round_ = _round(round_id)
    text = request.form.get("text", "").strip()
    if not text or len(text) > 2000:
        return render_round_page(round_, 422, error="意见内容不能为空，且不超过2000字")
    try:
        add_opinion(round_, text, "staff", None, current_staff().id, now())
    except RoundRefused as exc:
        db.session.rollback()
        return render_round_page(_round(round_id), exc.status, error=exc.message)
    db.session.commit()
    flash("已记录意见")
    return redirect(url_for("round_pages.round_detail", round_id=round_id))
