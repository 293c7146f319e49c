"""Schemas for voting links and online ballots."""
import marshmallow as ma

from notices.schemas import ProjectProgressSchema

from ..labels_zh import CHOICE_ZH, SATISFACTION_ZH
from ..schema_fields import AreaField, MoneyField
from ..tally.items import ITEM_ANSWERS
from ..tally.satisfaction import SATISFACTION_CHOICES
from ..tally.tally import CHOICES
from .online import OPINION_MAX


class LinkSchema(ma.Schema):
    household_id = ma.fields.Integer()
    building = ma.fields.String()
    unit = ma.fields.String()
    room = ma.fields.String()
    url = ma.fields.String(allow_none=True, metadata={
        "description": "null when the live link was issued under a rotated key: reissue it to print"})


class LinksQuerySchema(ma.Schema):
    building = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100))


class ReissueSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500, error="原因不超过500字"),
                              error_messages={"required": "请填写重新发放的原因（例如：二维码遗失）"})


class ReissuesQuerySchema(ma.Schema):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(
        ("pending", "all"), error="status 只能是 pending（待确认）或 all（全部）"))


class ReissueRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    unit = ma.fields.String()
    reason = ma.fields.String()
    requested_by = ma.fields.String()
    requested_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "pending (another account must confirm) / confirmed"})
    confirmed_by = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)


class BallotCreateSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of the resident's link (/v/{token})"})
    choice = ma.fields.String(required=True, validate=ma.validate.OneOf(
        (*CHOICES, *SATISFACTION_CHOICES), error="请选择 " + "、".join(f"{c}（{CHOICE_ZH[c]}）" for c in CHOICES)
        + "；满意度调查请选择 " + "、".join(f"{c}（{SATISFACTION_ZH[c]}）" for c in SATISFACTION_CHOICES)),
        metadata={"description": "agree / disagree / abstain; in a satisfaction round satisfied / "
                  "basically_satisfied / dissatisfied (the other kind's answers are refused, 422)"})
    opinion = ma.fields.String(load_default=None, validate=ma.validate.Length(max=OPINION_MAX),
                               metadata={"description": "意见建议; in a satisfaction round the optional comment"})
    unhappy_items = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=60)), load_default=None,
        validate=ma.validate.Length(max=50),
        metadata={"description": "satisfaction rounds only: catalogue codes of the plan's items the resident is "
                  "unhappy with"})
    verification = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20), metadata={
        "description": "phone4 rounds: the last four digits of a phone on the roll"})
    items = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=20)),
        values=ma.fields.String(validate=ma.validate.OneOf(ITEM_ANSWERS, error="项目意见应为 agree（同意）、disagree（不同意）或 abstain（弃权）")),
        load_default=None, validate=ma.validate.Length(max=36, error="项目意见不超过36项"),
        metadata={"description": "answers to the round's item questions, {code: agree|disagree|abstain}; in a 多选 "
                  "round a ticked item is agree and an unticked one is left out"})


class BallotCreatedSchema(ma.Schema):
    receipt = ma.fields.String()
    cast_at = ma.fields.DateTime()
    counted = ma.fields.Boolean(metadata={"description": "false for a duplicate under policy 'first'"})


class ReceiptStatusSchema(ma.Schema):
    receipt = ma.fields.String()
    round_id = ma.fields.Integer()
    cast_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "counted / duplicate / superseded"})
    channel = ma.fields.String()
    # The code is the owner's secret (60 random bits), so the answer may say what it recorded.
    round_title = ma.fields.String()
    estate = ma.fields.String()
    choice = ma.fields.String(metadata={"description": "agree / disagree / abstain, as recorded"})
    choice_zh = ma.fields.String()
    channel_zh = ma.fields.String()
    status_zh = ma.fields.String()
    counts = ma.fields.Boolean(metadata={"description": "whether this ballot is the one that counts now"})


# --- What a link shows (link_view.link_view), for a mini-program or an app -------------------

class _Figures(ma.Schema):
    heads = ma.fields.Integer()
    area = ma.fields.String(metadata={"description": "m², 2 decimals"})


class _SurveyFigures(_Figures):
    heads_ratio = ma.fields.String(metadata={"description": "share of the roll's heads, reduced \"a/b\""})
    heads_percent = ma.fields.String()
    area_ratio = ma.fields.String()
    area_percent = ma.fields.String()


class _Answer(ma.Schema):
    choice = ma.fields.String()
    label_zh = ma.fields.String()


class _LinkEstate(ma.Schema):
    name = ma.fields.String()
    community = ma.fields.String()
    board_url = ma.fields.String(allow_none=True)


class _LinkHousehold(ma.Schema):
    label = ma.fields.String()
    owner = ma.fields.String(metadata={"description": "masked"})
    units = ma.fields.List(ma.fields.String(), metadata={"description": "every unit this ballot speaks for"})
    area = ma.fields.String(allow_none=True, metadata={"description": "the voter's exclusive area, m²"})


class _LinkRule(ma.Schema):
    id = ma.fields.String()
    title_zh = ma.fields.String()
    legal_basis = ma.fields.String()
    requirements_zh = ma.fields.List(ma.fields.String())


class _Meanings(ma.Schema):
    agree = ma.fields.String()
    disagree = ma.fields.String()
    abstain = ma.fields.String()
    not_voted = ma.fields.String()


class _LinkRound(ma.Schema):
    id = ma.fields.Integer()
    stage = ma.fields.Integer()
    title = ma.fields.String()
    question = ma.fields.String()
    opens_at = ma.fields.DateTime()
    closes_at = ma.fields.DateTime()
    status = ma.fields.String()
    ballot_policy = ma.fields.String()
    ballot_policy_zh = ma.fields.String()
    verification = ma.fields.String()
    verification_zh = ma.fields.String()
    rule = ma.fields.Nested(_LinkRule)
    meanings_zh = ma.fields.Nested(_Meanings, metadata={"description": "what each choice, and not voting, means"})
    kind = ma.fields.String(metadata={"description": "decision / satisfaction"})
    answers = ma.fields.List(ma.fields.Nested(_Answer), metadata={"description": "the choices this round takes"})


class _LinkCost(ma.Schema):
    area = AreaField()
    resident = MoneyField(allow_none=True, metadata={"description": "元 this household pays; null: not decided"})
    resident_zh = ma.fields.String()
    government = MoneyField(allow_none=True)
    government_zh = ma.fields.String()
    rounding_zh = ma.fields.String()


class _LinkItem(ma.Schema):
    code = ma.fields.String()
    label_zh = ma.fields.String()


class _LinkProposal(ma.Schema):
    title = ma.fields.String()
    summary = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(_LinkItem))


class _LinkBallot(ma.Schema):
    choice = ma.fields.String()
    choice_zh = ma.fields.String()
    channel = ma.fields.String()
    channel_zh = ma.fields.String()
    cast_at = ma.fields.DateTime()
    receipt = ma.fields.String()


class _LinkContact(ma.Schema):
    hotline = ma.fields.String()
    office = ma.fields.String()


class _LinkFigures(ma.Schema):
    total = ma.fields.Nested(_Figures)
    participating = ma.fields.Nested(_Figures)
    agree = ma.fields.Nested(_Figures)
    disagree = ma.fields.Nested(_Figures)
    abstain = ma.fields.Nested(_Figures)
    not_voted = ma.fields.Nested(_Figures)
    # A satisfaction round's figures instead (with their shares of the roll).
    answered = ma.fields.Nested(_SurveyFigures)
    satisfied = ma.fields.Nested(_SurveyFigures)
    basically_satisfied = ma.fields.Nested(_SurveyFigures)
    dissatisfied = ma.fields.Nested(_SurveyFigures)
    not_answered = ma.fields.Nested(_SurveyFigures)


class _LinkResult(ma.Schema):
    kind = ma.fields.String(metadata={"description": "decision / satisfaction (then passed is null)"})
    state = ma.fields.String(metadata={"description": "provisional (objection period) / final"})
    state_zh = ma.fields.String()
    passed = ma.fields.Boolean(allow_none=True)
    verdict_zh = ma.fields.String()
    figures = ma.fields.Nested(_LinkFigures)
    notice_id = ma.fields.Integer(allow_none=True)
    notice_url = ma.fields.String(allow_none=True)
    counted = ma.fields.Nested(_LinkBallot, allow_none=True, metadata={"description": "this household's counted ballot"})
    counted_zh = ma.fields.String(metadata={"description": "“您的表决已计入：同意”, or why nothing counts"})
    finalised_at = ma.fields.DateTime(allow_none=True)


class _LinkOpinion(ma.Schema):
    text = ma.fields.String()
    created_at = ma.fields.DateTime()
    answer = ma.fields.String(allow_none=True)
    answered_at = ma.fields.DateTime(allow_none=True)


class _LinkObjection(_LinkOpinion):
    channel = ma.fields.String()
    photos = ma.fields.Integer()


class _LinkObjectionPeriod(ma.Schema):
    starts_on = ma.fields.String()
    ends_on = ma.fields.String()
    open = ma.fields.Boolean(metadata={"description": "whether this link may object now"})


class _LinkDeveloper(ma.Schema):
    units = ma.fields.Integer(metadata={"description": "the developer's flats this link votes for (one person)"})
    unsold = ma.fields.Integer()
    undelivered = ma.fields.Integer()
    units_zh = ma.fields.String(metadata={"description": "“开发商名下 N 套（…）”"})
    basis_zh = ma.fields.String(metadata={"description": "SPC interpretation Art. 9, in words"})


class _LinkUndelivered(ma.Schema):
    explanation_zh = ma.fields.String(metadata={"description": "why the buyer cannot vote from this flat's link"})
class _LinkSurvey(ma.Schema):
    round_id = ma.fields.Integer()
    title = ma.fields.String()
    question = ma.fields.String()
    closes_at = ma.fields.DateTime()
    ballot_policy = ma.fields.String()
    answers = ma.fields.List(ma.fields.Nested(_Answer))
    items = ma.fields.List(ma.fields.Nested(_LinkItem), metadata={"description": "items one may be unhappy with"})
    answered = ma.fields.Nested(_LinkBallot, allow_none=True)
    may_answer = ma.fields.Boolean()


class _LinkProblem(ma.Schema):
    id = ma.fields.Integer()
    text = ma.fields.String()
    item = ma.fields.String()
    item_zh = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending / in_progress / resolved"})
    status_zh = ma.fields.String()
    note = ma.fields.String(metadata={"description": "the community's note with the newest status"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class _LinkAftercare(ma.Schema):
    open = ma.fields.Boolean(metadata={"description": "whether problems may be reported (after the stage-3 "
                                       "decision passed, or once there is a satisfaction survey)"})
    problems = ma.fields.List(ma.fields.Nested(_LinkProblem))


class LinkViewSchema(ma.Schema):
    """Everything the household's link shows (the same facts as the page /v/{token})."""

    estate = ma.fields.Nested(_LinkEstate)
    household = ma.fields.Nested(_LinkHousehold)
    round = ma.fields.Nested(_LinkRound)
    voting_open = ma.fields.Boolean()
    developer = ma.fields.Nested(_LinkDeveloper, allow_none=True, metadata={
        "description": "a developer's link (an unsold flat): the developer's flats it votes for; else null"})
    undelivered = ma.fields.Nested(_LinkUndelivered, allow_none=True, metadata={
        "description": "a sold-but-undelivered flat: the developer votes for it until delivery (SPC interpretation "
                       "Art. 9); this link cannot vote and shows nothing of the developer's ballot; else null"})
    cost = ma.fields.Nested(_LinkCost, allow_none=True, metadata={"description": "null without a plan or roll"})
    proposal = ma.fields.Nested(_LinkProposal, allow_none=True)
    ballot = ma.fields.Nested(_LinkBallot, allow_none=True,
                              metadata={"description": "the household's ballot that counts under the round's policy"})
    ballots_cast = ma.fields.Integer()
    contact = ma.fields.Nested(_LinkContact)
    result = ma.fields.Nested(_LinkResult, allow_none=True, metadata={"description": "null until the round closes"})
    opinions = ma.fields.List(ma.fields.Nested(_LinkOpinion))
    objections = ma.fields.List(ma.fields.Nested(_LinkObjection))
    objection = ma.fields.Nested(_LinkObjectionPeriod, allow_none=True)
    survey = ma.fields.Nested(_LinkSurvey, allow_none=True, metadata={
        "description": "the estate's open satisfaction survey, answered from this same link (POST /api/v1/survey-answers)"})
    aftercare = ma.fields.Nested(_LinkAftercare)
    project = ma.fields.Nested(ProjectProgressSchema, allow_none=True,
                               metadata={"description": "the project after the vote; null before any step is recorded"})


class ObjectionFileSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of the resident's link (/v/{token})"})
    text = ma.fields.String(required=True, validate=ma.validate.Length(
        min=1, max=2000, error="异议内容不能为空，且不超过2000字"))


class ObjectionFiledSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    ends_on = ma.fields.String(metadata={"description": "the objection period's last day (CST)"})


class SlipJobSchema(ma.Schema):
    """Slips being drawn in the background (GET /api/v1/rounds/{id}/slips.pdf answered 202)."""
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    building = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["queued", "running", "done", "failed", "expired"]})
    status_zh = ma.fields.String()
    total = ma.fields.Integer(metadata={"description": "slips to draw"})
    done = ma.fields.Integer(metadata={"description": "slips drawn so far"})
    requested_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    error = ma.fields.String(allow_none=True)
    url = ma.fields.String(metadata={"description": "this job, to poll"})
    download_url = ma.fields.String(allow_none=True, metadata={"description": "the PDF, once status is done"})


class SurveyAnswerSchema(ma.Schema):
    """A satisfaction answer from any live link of the household (the estate's open survey)."""

    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of any of the household's links (/v/{token})"})
    choice = ma.fields.String(required=True, validate=ma.validate.OneOf(
        SATISFACTION_CHOICES, error="请选择 " + "、".join(f"{c}（{SATISFACTION_ZH[c]}）" for c in SATISFACTION_CHOICES)))
    comment = ma.fields.String(load_default=None, validate=ma.validate.Length(max=OPINION_MAX))
    unhappy_items = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=60)), load_default=None,
                                   validate=ma.validate.Length(max=50))


class AftercareReportSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of the household's link (/v/{token})"})
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000,
                                                                       error="问题描述不能为空，且不超过1000字"))
    item = ma.fields.String(load_default="", validate=ma.validate.Length(max=60),
                            metadata={"description": "catalogue code of the item concerned, or empty"})
