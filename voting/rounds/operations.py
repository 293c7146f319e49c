"""The round state machine: draft → open → closed → published, every step recorded.

Order of the plan (三(三)): stage 2 opens only after a stage 1 round passed, stage 3
only after stage 2 passed. The roll is frozen on opening, the tally on closing.
Operations take `now` and the actor and only flush; the view commits once.
"""
import json
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from notices.operations import notice_period_ended

from ..audit.process_record import record_step
from ..china_time import cst_today
from ..extensions import db
from ..hundredths import two_places_str
from ..labels_zh import ROUND_STATUS_ZH
from ..models.estates import Estate
from ..models.proposals import Proposal, ProposalVersion
from ..models.rounds import Opinion, OpinionAnswer, Round
from ..proposals.catalogue import CATALOGUE
from ..refusals import Refused
from ..tally.items import item_questions
from ..tally.result_notice_zh import SURVEY_VERDICT_ZH
from ..tally.rules import PRESETS, rule_from_dict
from ..tally.satisfaction import SATISFACTION_RULE_ID
from .answers_notice import post_answers_notice
from .cast_gate import enter_exclusive
from .frozen_roll import check_on_roll, freeze_roll
from .objections import objection_period, unanswered_count
from .paper_grace import paper_grace_ends_at, until_zh
from .plain_question import default_question
from .result_notice import post_result_notice
from .round_tally import live_tally, round_item_questions, round_rule

DEFAULT_RULE = "civil-code-278-major"  # renovation decisions after 2021-01-01: Civil Code Art. 278 items 6–8
STAGE_TITLES = {1: "第一次征询：改造意愿", 2: "第二次征询：初步方案", 3: "第三次征询：正式方案"}
# Hangzhou property regulation (2021) Art. 20: a vote stays open at least 5 and at most 60 days.
MIN_VOTING_PERIOD = timedelta(days=5)
MAX_VOTING_PERIOD = timedelta(days=60)


class RoundRefused(Refused):
    """A transition or request that is not allowed now; status 409 or 422."""


SATISFACTION_TITLE = "改造满意度调查"
SATISFACTION_QUESTION = "{estate}综合改造已完成联合验收，您对改造的成效是否满意？"


def _survey_terms(proposal: Proposal, data: dict, now: datetime) -> dict:
    """A satisfaction round's terms: no rule (nothing passes), held by its link alone, after stage 3."""
    if (data.get("rule") or SATISFACTION_RULE_ID) not in (SATISFACTION_RULE_ID, DEFAULT_RULE) or data.get("custom_rule"):
        raise RoundRefused(422, "满意度调查不设表决规则，请不要选择规则", {"rule": ["满意度调查不设表决规则"]})
    if (data.get("verification") or "link") != "link":
        raise RoundRefused(422, "满意度调查凭本户二维码作答，不另设核验", {"verification": ["只能凭二维码"]})
    terms = _terms(proposal, data | {"stage": 3, "rule": DEFAULT_RULE, "custom_rule": None}, now)
    question = (data.get("question") or "").strip() or SATISFACTION_QUESTION.format(
        estate=db.session.get(Estate, proposal.estate_id).name)
    return terms | {"kind": "satisfaction", "rule": SATISFACTION_RULE_ID, "rule_json": None,
                    "title": data.get("title") or SATISFACTION_TITLE, "question": question, "verification": "link"}


def _survey_allowed(proposal: Proposal, except_id: int | None = None) -> None:
    """A survey after the works: the proposal's stage-3 decision closed and passed; one live survey at a time.

    Joint acceptance (联合验收) itself is a milestone staff record; the service does not wait
    for it, since milestones are entered after the fact — the closed, passed stage 3 is the
    earliest a survey can make sense, and the 1→2→3 order does not apply to it.
    """
    if not _stage_passed(proposal.id, 3):
        raise RoundRefused(409, "第三次征询尚未截止并通过，不能创建满意度调查", {"kind": ["需要已通过的第三次征询"]})
    live = db.session.scalar(select(Round).where(
        Round.proposal_id == proposal.id, Round.kind == "satisfaction", Round.status.in_(("draft", "open")),
        Round.id != (except_id or 0)).limit(1))
    if live is not None:
        raise RoundRefused(409, f"本方案已有“{live.title}”（{ROUND_STATUS_ZH[live.status]}），请修改或取消它",
                           {"kind": ["已有满意度调查"]})


def _terms(proposal: Proposal, data: dict, now: datetime) -> dict:
    """The round's terms as stored, checked: rule (preset or custom), policy, verification, period, question."""
    stage = data.get("stage")
    if stage is None:
        raise RoundRefused(422, "请选择征询轮次（第一、二、三次征询）", {"stage": ["必填"]})
    rule_id = data.get("rule") or DEFAULT_RULE
    rule_json = None
    if rule_id == "custom":
        try:
            rule_json = json.dumps(rule_from_dict(data.get("custom_rule") or {}).to_dict(), ensure_ascii=False)
        except (ValueError, KeyError, TypeError) as exc:
            raise RoundRefused(422, f"自定义表决规则有误：{exc}", {"custom_rule": [str(exc)]})
    elif rule_id not in PRESETS:
        raise RoundRefused(422, f"未知的表决规则：{rule_id}；可选：{'、'.join(PRESETS)}、custom",
                           {"rule": ["未知规则"]})
    opens_at, closes_at = data["opens_at"], data["closes_at"]
    if closes_at - opens_at < MIN_VOTING_PERIOD or closes_at - opens_at > MAX_VOTING_PERIOD:
        raise RoundRefused(422, "表决期限应不少于5日、不超过60日（《杭州市物业管理条例》第二十条）",
                           {"closes_at": ["表决期限应为5至60日"]})
    if closes_at <= now:
        raise RoundRefused(422, "截止时间已过，请重新设定", {"closes_at": ["已过去"]})
    try:
        questions = item_questions(data.get("item_questions") or (), data.get("item_mode") or "each",
                                   data.get("per_stairwell_items") or (), known=(i.code for i in CATALOGUE))
    except ValueError as exc:
        raise RoundRefused(422, str(exc), {"item_questions": [str(exc)]})
    question = (data.get("question") or "").strip() or default_question(
        stage, db.session.get(Estate, proposal.estate_id).name, proposal.latest.title if proposal.versions else "")
    return {"stage": stage, "title": data.get("title") or STAGE_TITLES[stage], "rule": rule_id, "rule_json": rule_json,
            "question": question, "objection_working_days": data.get("objection_working_days") or 5,
            "paper_grace_working_days": 1 if data.get("paper_grace_working_days") is None
            else data["paper_grace_working_days"],
            "ballot_policy": data.get("ballot_policy") or "first", "verification": data.get("verification") or "link",
            "opens_at": opens_at, "closes_at": closes_at,
            "item_questions_json": json.dumps(questions.to_dict(), ensure_ascii=False) if questions.codes else None}


def _stage_order(proposal: Proposal, stage: int, except_id: int | None = None) -> None:
    """The plan's order (三(三)): one live round per stage, and a stage only after the previous one passed."""
    live = db.session.scalar(select(Round).where(
        Round.proposal_id == proposal.id, Round.stage == stage, Round.status.in_(("draft", "open")),
        Round.kind == "decision", Round.id != (except_id or 0)).limit(1))
    if live is not None:
        raise RoundRefused(409, f"本方案已有“{live.title}”（{ROUND_STATUS_ZH[live.status]}），"
                                "请修改或取消它，不要另建同一轮次", {"stage": [f"已有第{stage}次征询"]})
    if stage > 1 and not _stage_passed(proposal.id, stage - 1):
        raise RoundRefused(409, f"第{stage - 1}次征询尚未截止并通过，不能创建第{stage}次征询",
                           {"stage": [f"需要已通过的第{stage - 1}次征询"]})


def create_round(proposal: Proposal, data: dict, actor_id: int | None, now: datetime) -> Round:
    """A draft round for a stage of the proposal (or a satisfaction survey); the terms are fixed when it opens."""
    if data.get("kind") == "satisfaction":
        terms = _survey_terms(proposal, data, now)
        _survey_allowed(proposal)
    else:
        terms = _terms(proposal, data, now)
        _stage_order(proposal, terms["stage"])
    round_ = Round(estate_id=proposal.estate_id, proposal_id=proposal.id, status="draft", created_at=now,
                   created_by_id=actor_id, **terms)
    db.session.add(round_)
    db.session.flush()
    record_step(round_, "created", "draft", "", actor_id, now, note=round_.title)
    return round_


EDITABLE = ("title", "question", "rule", "custom_rule", "ballot_policy", "verification", "opens_at", "closes_at",
            "objection_working_days", "paper_grace_working_days", "item_questions", "item_mode", "per_stairwell_items")
FIELD_ZH = {"title": "名称", "question": "表决问题", "rule": "表决规则", "rule_json": "自定义规则",
            "ballot_policy": "重复表决的处理", "verification": "身份核验", "opens_at": "开始时间", "closes_at": "截止时间",
            "objection_working_days": "异议期", "paper_grace_working_days": "纸质票补录期",
            "item_questions_json": "征询项目"}


def edit_round(round_: Round, data: dict, actor_id: int | None, now: datetime) -> Round:
    """Change a draft round's terms (any of EDITABLE; the rest stay); the changed fields are recorded."""
    _lock(round_)
    if round_.status != "draft":
        raise RoundRefused(409, f"只有草稿状态的轮次可以修改（当前：{ROUND_STATUS_ZH[round_.status]}）")
    proposal = db.session.get(Proposal, round_.proposal_id)
    current = {"stage": round_.stage, "title": round_.title, "question": round_.question, "rule": round_.rule,
               "custom_rule": json.loads(round_.rule_json) if round_.rule_json else None,
               "ballot_policy": round_.ballot_policy, "verification": round_.verification,
               "opens_at": round_.opens_at, "closes_at": round_.closes_at,
               "objection_working_days": round_.objection_working_days,
               "paper_grace_working_days": round_.paper_grace_working_days,
               **round_item_questions(round_).to_dict()}
    asked = current | {k: v for k, v in data.items() if k in EDITABLE and v is not None}
    if round_.kind == "satisfaction":
        if asked["rule"] == SATISFACTION_RULE_ID:
            asked["rule"] = None
        terms = _survey_terms(proposal, asked, now)
        terms.pop("kind")
    else:
        terms = _terms(proposal, asked, now)
    changed = [name for name, value in terms.items() if getattr(round_, name) != value]
    for name in changed:
        setattr(round_, name, terms[name])
    record_step(round_, "edited", "draft", "", actor_id, now, from_status="draft",
                note="修改：" + "、".join(FIELD_ZH.get(n, n) for n in changed) if changed else "未改动")
    db.session.flush()
    return round_


def cancel_round(round_: Round, reason: str, actor_id: int | None, now: datetime) -> Round:
    """draft → cancelled, with a reason: gone from residents' pages and lists, kept in the record."""
    _lock(round_)
    if round_.status != "draft":
        raise RoundRefused(409, f"只有尚未开始表决的草稿可以取消（当前：{ROUND_STATUS_ZH[round_.status]}）")
    reason = (reason or "").strip()
    if not reason:
        raise RoundRefused(422, "请填写取消的原因", {"reason": ["请填写原因"]})
    round_.status = "cancelled"
    record_step(round_, "cancelled", "cancelled", "", actor_id, now, from_status="draft", note=reason)
    db.session.flush()
    return round_


def _stage_passed(proposal_id: int, stage: int) -> bool:
    return db.session.scalar(select(Round.id).where(
        Round.proposal_id == proposal_id, Round.stage == stage, Round.kind == "decision",
        Round.status.in_(("closed", "published")), Round.passed.is_(True))) is not None


def _previous_stage_passed(round_: Round) -> bool:
    if round_.kind == "satisfaction":
        return _stage_passed(round_.proposal_id, 3)
    return round_.stage == 1 or _stage_passed(round_.proposal_id, round_.stage - 1)


def _lock(round_: Round) -> None:
    """Serialise transitions of one round with each other and with casts.

    The round's cast gate, taken exclusively, waits for the casts in flight (PostgreSQL);
    the no-op UPDATE rather than SELECT … FOR UPDATE takes the row lock on PostgreSQL and,
    on SQLite, which ignores FOR UPDATE, the database's write lock before the tally is
    counted. Without them a cast committing between the count and the close could be
    acknowledged yet missing from the result.
    """
    enter_exclusive(db.session.connection(), round_.id)
    db.session.execute(update(Round).where(Round.id == round_.id).values(status=Round.status))
    db.session.refresh(round_)


def open_round(round_: Round, actor_id: int | None, now: datetime) -> Round:
    """draft → open: checks the plan's order, freezes the roll and its totals."""
    _lock(round_)
    if round_.status != "draft":
        raise RoundRefused(409, f"只有草稿状态的轮次可以开始表决（当前：{ROUND_STATUS_ZH[round_.status]}）")
    if not _previous_stage_passed(round_):
        raise RoundRefused(409, "第三次征询尚未通过，不能开始满意度调查" if round_.kind == "satisfaction"
                           else f"第{round_.stage - 1}次征询尚未通过，不能开始第{round_.stage}次征询")
    if now < round_.opens_at:
        raise RoundRefused(409, "未到设定的开始时间，不能提前开始表决")
    if now >= round_.closes_at:
        raise RoundRefused(409, "设定的截止时间已过，不能开始表决")

    round_.proposal_version_id = db.session.scalar(
        select(ProposalVersion.id).where(ProposalVersion.proposal_id == round_.proposal_id)
        .order_by(ProposalVersion.version.desc()).limit(1))
    round_.status = "open"
    try:
        db.session.flush()  # the partial unique index refuses a second open round in the estate
    except IntegrityError:  # the request's transaction is now failed: its view rolls it back with the refusal
        raise RoundRefused(409, "本小区已有正在表决的轮次，同一时间只能进行一个表决") from None
    freeze_roll(round_)
    if not round_.total_heads:
        raise RoundRefused(409, "名册为空，不能开始表决；请先导入名册")
    record_step(round_, "opened", "open", "up", actor_id, now, from_status="draft",
           note=f"名册冻结：{round_.total_heads} 人，{two_places_str(round_.total_area)} ㎡")
    return round_


def close_round(round_: Round, actor_id: int | None, now: datetime) -> Round:
    """open → closed: not before the closing time nor before the notice period ends; freezes the tally."""
    _lock(round_)
    if round_.status != "open":
        raise RoundRefused(409, f"只有表决中的轮次可以截止（当前：{ROUND_STATUS_ZH[round_.status]}）")
    if now < round_.closes_at:
        raise RoundRefused(409, "未到设定的截止时间，不能提前截止表决")
    ended = notice_period_ended(round_.id, cst_today(now))
    if ended is False:
        raise RoundRefused(409, "公示期尚未结束，不能截止表决")
    rule = round_rule(round_)
    result = live_tally(round_)
    round_.status, round_.passed = "closed", result["passed"]  # a survey's is None: nothing passes
    round_.result_json = json.dumps(result, ensure_ascii=False, sort_keys=True)
    verdict = SURVEY_VERDICT_ZH if round_.kind == "satisfaction" else "通过" if result["passed"] else "未通过"
    record_step(round_, "closed", "closed", "up", actor_id, now, from_status="open",
           note=f"{verdict}（{rule.title_zh}）")
    # The result goes down to residents at once: the notice (and its objection period) starts today.
    post_result_notice(round_, result, rule, actor_id, now)
    db.session.flush()
    return round_


def add_opinion(round_: Round, text: str, channel: str, household_id: int | None, actor_id: int | None,
                now: datetime) -> Opinion:
    if round_.status != "open":
        raise RoundRefused(409, "只能在表决期间提交意见建议")
    check_on_roll(round_.id, household_id, RoundRefused)
    opinion = Opinion(round_id=round_.id, household_id=household_id, text=text, channel=channel,
                      created_at=now, created_by_id=actor_id)
    db.session.add(opinion)
    db.session.flush()
    return opinion


def publish_result(round_: Round, answers: list[dict], actor_id: int | None, now: datetime) -> Round:
    """closed → published: the "down" step; answers to opinions are recorded with it."""
    _lock(round_)
    if round_.status != "closed":
        raise RoundRefused(409, f"只有已截止的轮次可以公布结果（当前：{ROUND_STATUS_ZH[round_.status]}）")
    known = set(db.session.scalars(select(Opinion.id).where(Opinion.round_id == round_.id)))
    unknown = [a["opinion_id"] for a in answers if a["opinion_id"] not in known]
    if unknown:
        raise RoundRefused(422, "答复的意见不属于本轮次", {"answers": [f"意见 {i} 不存在" for i in unknown]})
    given = [OpinionAnswer(opinion_id=answer["opinion_id"], text=answer["answer"], summary=answer.get("summary") or "",
                           created_at=now, created_by_id=actor_id) for answer in answers]
    db.session.add_all(given)
    round_.status = "published"
    record_step(round_, "result_published", "published", "down", actor_id, now, from_status="closed",
           note=f"答复意见 {len(answers)} 条")
    db.session.flush()
    post_answers_notice(round_, given, actor_id, now)
    return round_


def finalise_round(round_: Round, actor_id: int | None, now: datetime) -> Round:
    """The provisional result becomes final: after the objection period, every objection answered."""
    _lock(round_)
    if round_.status not in ("closed", "published"):
        raise RoundRefused(409, f"只有已截止的轮次可以确认最终结果（当前：{ROUND_STATUS_ZH[round_.status]}）")
    if round_.finalised_at is not None:
        raise RoundRefused(409, "表决结果已确认为最终结果")
    period = objection_period(round_)
    if period is None:
        raise RoundRefused(409, "本轮尚无结果公告，不能确认最终结果")
    if cst_today(now) <= period[1]:
        raise RoundRefused(409, f"异议期至 {period[1].isoformat()} 结束（按法定工作日计算），"
                                f"{period[1].isoformat()} 之后才能确认最终结果", {"ends_on": [period[1].isoformat()]})
    waiting = unanswered_count(round_.id)
    if waiting:
        raise RoundRefused(409, f"还有 {waiting} 条异议尚未答复，全部答复后才能确认最终结果",
                           {"objections": [f"{waiting} 条未答复"]})
    round_.finalised_at, round_.finalised_by_id = now, actor_id
    record_step(round_, "finalised", round_.status, "down", actor_id, now, from_status=round_.status,
                note="异议期满，结果确认为最终结果")
    db.session.flush()
    return round_


def close_due_round(round_: Round, now: datetime) -> Round:
    """The system's close (`rounds close-due`): as close_round, but only once the paper grace period ended.

    Refused (409) while it lasts, naming its end; a worker's own close (close_round) may
    end it early, once every paper ballot is in.
    """
    ends = paper_grace_ends_at(round_)
    if now < ends:
        raise RoundRefused(409, f"纸质票补录期至 {until_zh(ends)}，期满后自动截止")
    return close_round(round_, None, now)


def due_rounds(now: datetime) -> list[int]:
    """Ids of the open rounds whose closing time has passed, oldest deadline first (grace periods not looked at)."""
    return list(db.session.scalars(select(Round.id).where(Round.status == "open", Round.closes_at <= now)
                                   .order_by(Round.closes_at, Round.id)))
