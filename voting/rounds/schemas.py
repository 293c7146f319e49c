"""Schemas for rounds, their transitions, opinions and results."""
import json

import marshmallow as ma

from ..china_time import CST
from ..models.rounds import KINDS, STAGES, VERIFICATIONS
from ..record_ids import ID_RANGE
from ..schema_fields import AreaField
from ..tally.items import ITEM_MODES
from ..tally.rules import PRESETS
from .objections import OBJECTION_MAX, RESULT_STATES, objection_period, result_state
from .paper_grace import grace_end_or_none
from .result_notice import round_question
from .round_tally import round_item_questions


class AwareDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with an offset; a time without one is read as China Standard Time."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=CST, **kwargs)


class RoundCreateSchema(ma.Schema):
    kind = ma.fields.String(load_default="decision", validate=ma.validate.OneOf(KINDS, error="轮次类型只能是 decision（表决）或 satisfaction（满意度调查）"),
                            metadata={"description": "decision (a stage of 三上三下, the default) or satisfaction "
                                      "(满意度调查 after the stage-3 decision passed: no rule, no stage order, "
                                      "answers satisfied / basically_satisfied / dissatisfied)"})
    stage = ma.fields.Integer(load_default=None, validate=ma.validate.OneOf(STAGES),
                              metadata={"description": "1, 2 or 3; required for a decision round, ignored for a survey"})
    rule = ma.fields.String(load_default="civil-code-278-major",
                            validate=ma.validate.OneOf([*PRESETS, "custom"]),
                            metadata={"description": "preset id or 'custom' (then custom_rule); renovation decisions "
                                      "after 2021-01-01 fall under Civil Code Art. 278 items 6–8, the default"})
    custom_rule = ma.fields.Dict(load_default=None)
    ballot_policy = ma.fields.String(load_default="first", validate=ma.validate.OneOf(("first", "last")))
    verification = ma.fields.String(load_default="link", validate=ma.validate.OneOf(VERIFICATIONS))
    opens_at = AwareDateTime(required=True)
    closes_at = AwareDateTime(required=True)
    title = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    question = ma.fields.String(load_default=None, validate=ma.validate.Length(max=300, error="表决问题不超过300字"),
                                metadata={"description": "the plain question residents answer, e.g. "
                                          "“您是否同意东新园实施综合改造？”; worded from the stage and the "
                                          "proposal's title when left out"})
    objection_working_days = ma.fields.Integer(
        load_default=5, validate=ma.validate.Range(min=1, max=30, error="异议期应为1至30个工作日"),
        metadata={"description": "异议期: working days after the result notice, on the official calendar"})
    paper_grace_working_days = ma.fields.Integer(
        load_default=1, validate=ma.validate.Range(min=0, max=10, error="纸质票补录期应为0至10个工作日"),
        metadata={"description": "纸质票补录期: working days after the closing day (official calendar, until 24:00 "
                  "Beijing time of the last) during which paper/proxy ballots signed before the close may still be "
                  "entered and confirmed; 0 for none"})
    item_questions = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=20)), load_default=list,
                                    validate=ma.validate.Length(max=36, error="征询项目不超过36项"),
                                    metadata={"description": "catalogue item codes (GET /api/v1/catalogue/items) "
                                              "residents answer besides the main question; default none"})
    item_mode = ma.fields.String(load_default="each", validate=ma.validate.OneOf(ITEM_MODES, error="项目征询方式只能是 multi（多选）或 each（逐项表决）"),
                                 metadata={"description": "multi: tick the items you want (a ticked item is agree); "
                                           "each: 同意/不同意/弃权 per item"})
    per_stairwell_items = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=20)), load_default=list,
                                         metadata={"description": "item codes decided per stairwell (单元) by its "
                                                   "owners under the round's rule, e.g. the lift U-B-06"})


class RoundEditSchema(ma.Schema):
    """A draft round's terms to change; what is left out stays as it is."""

    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    question = ma.fields.String(validate=ma.validate.Length(max=300, error="表决问题不超过300字"))
    rule = ma.fields.String(validate=ma.validate.OneOf([*PRESETS, "custom"]))
    custom_rule = ma.fields.Dict()
    ballot_policy = ma.fields.String(validate=ma.validate.OneOf(("first", "last")))
    verification = ma.fields.String(validate=ma.validate.OneOf(VERIFICATIONS))
    opens_at = AwareDateTime()
    closes_at = AwareDateTime()
    objection_working_days = ma.fields.Integer(validate=ma.validate.Range(min=1, max=30, error="异议期应为1至30个工作日"))
    paper_grace_working_days = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=10, error="纸质票补录期应为0至10个工作日"))
    item_questions = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=20)), 
                                    validate=ma.validate.Length(max=36, error="征询项目不超过36项"),
                                    metadata={"description": "catalogue item codes (GET /api/v1/catalogue/items) "
                                              "residents answer besides the main question; default none"})
    item_mode = ma.fields.String(validate=ma.validate.OneOf(ITEM_MODES, error="项目征询方式只能是 multi（多选）或 each（逐项表决）"),
                                 metadata={"description": "multi: tick the items you want (a ticked item is agree); "
                                           "each: 同意/不同意/弃权 per item"})
    per_stairwell_items = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=20)), 
                                         metadata={"description": "item codes decided per stairwell (单元) by its "
                                                   "owners under the round's rule, e.g. the lift U-B-06"})


class CancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500, error="原因不能为空，且不超过500字"),
                              error_messages={"required": "请填写取消的原因"})


class IdSchema(ma.Schema):
    id = ma.fields.Integer()


class TransitionSchema(ma.Schema):
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    direction = ma.fields.String()
    actor = ma.fields.String(attribute="actor.username", allow_none=True, dump_default=None)
    at = ma.fields.DateTime()
    note = ma.fields.String()


class FrozenTotalSchema(ma.Schema):
    """The roll's totals frozen when the round opened."""

    heads = ma.fields.Integer(attribute="total_heads")
    area = AreaField(attribute="total_area")


def _iso(moment):
    return None if moment is None else moment.isoformat()


class RoundSchema(ma.Schema):
    """A Round row with its transitions."""

    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    proposal_id = ma.fields.Integer()
    proposal_version_id = ma.fields.Integer(allow_none=True)
    stage = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "decision / satisfaction"})
    title = ma.fields.String()
    rule = ma.fields.String(metadata={"description": "a preset id, 'custom', or 'satisfaction' (a survey: no rule)"})
    custom_rule = ma.fields.Function(lambda round_: json.loads(round_.rule_json) if round_.rule_json else None,
                                     allow_none=True, metadata={"type": "object", "additionalProperties": {}})
    ballot_policy = ma.fields.String()
    verification = ma.fields.String()
    opens_at = ma.fields.DateTime()
    closes_at = ma.fields.DateTime()
    status = ma.fields.String()
    passed = ma.fields.Boolean(allow_none=True)
    total = ma.fields.Nested(FrozenTotalSchema, allow_none=True, metadata={"description": "null until the round opens"})
    roll_sha256 = ma.fields.String(allow_none=True)
    question = ma.fields.Function(round_question, metadata={"type": "string"})
    objection_working_days = ma.fields.Integer()
    paper_grace_working_days = ma.fields.Integer()
    paper_grace_ends_at = ma.fields.Function(
        lambda round_: _iso(grace_end_or_none(round_)), allow_none=True, metadata={"type": "string", "format": "date-time", "description":
                                                      "end of the paper grace period (closes_at when 0 days); null "
                                                      "while the official calendar does not cover it"})
    result_notice_id = ma.fields.Integer(allow_none=True, metadata={"description": "the 结果公告 posted at closing"})
    result_state = ma.fields.Function(result_state, metadata={"type": "string", "enum": list(RESULT_STATES),
                                      "description": "none until closed; provisional until finalised; final"})
    objection_period = ma.fields.Function(
        lambda round_: _period(round_), allow_none=True,
        metadata={"type": "object", "description": "first and last day (CST) of the objection period"})
    finalised_at = ma.fields.DateTime(allow_none=True)
    item_questions = ma.fields.Function(lambda round_: list(round_item_questions(round_).codes),
                                        metadata={"type": "array", "items": {"type": "string"}})
    item_mode = ma.fields.Function(lambda round_: round_item_questions(round_).mode, metadata={"type": "string"})
    per_stairwell_items = ma.fields.Function(lambda round_: list(round_item_questions(round_).per_stairwell),
                                             metadata={"type": "array", "items": {"type": "string"}})
    transitions = ma.fields.List(ma.fields.Nested(TransitionSchema))

    def get_attribute(self, obj, attr, default):
        if attr == "total":  # the frozen totals are columns of the round itself
            return obj if obj.total_heads is not None else None
        return super().get_attribute(obj, attr, default)


OPINION_LENGTH_ZH = "意见内容不能为空，且不超过2000字"
ANSWER_LENGTH_ZH = "答复内容不能为空，且不超过2000字"
OBJECTION_LENGTH_ZH = "异议内容不能为空，且不超过2000字"


class OpinionCreateSchema(ma.Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000, error=OPINION_LENGTH_ZH),
                            error_messages={"required": OPINION_LENGTH_ZH})
    household_id = ma.fields.Integer(load_default=None, validate=ID_RANGE)


class OpinionSchema(ma.Schema):
    id = ma.fields.Integer()
    household_id = ma.fields.Integer(allow_none=True)
    text = ma.fields.String()
    channel = ma.fields.String()
    created_at = ma.fields.DateTime()
    answers = ma.fields.List(ma.fields.String())


class AnswerSchema(ma.Schema):
    opinion_id = ma.fields.Integer(required=True, validate=ID_RANGE)
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000, error=ANSWER_LENGTH_ZH),
                              error_messages={"required": ANSWER_LENGTH_ZH})
    summary = ma.fields.String(load_default="", validate=ma.validate.Length(max=500, error="意见摘要不超过500字"),
                               metadata={"description": "how the opinion reads on the public board (a paraphrase "
                                         "naming no one); left out, its text with digits hidden"})


class ResultPublishSchema(ma.Schema):
    answers = ma.fields.List(ma.fields.Nested(AnswerSchema), load_default=list)


class TallyCountSchema(ma.Schema):
    heads = ma.fields.Integer()
    area = AreaField()


class TallyCheckSchema(ma.Schema):
    name = ma.fields.String()
    measure = ma.fields.String()
    numerator = ma.fields.String()
    denominator = ma.fields.String()
    ratio = ma.fields.String()
    percent = ma.fields.String()
    threshold = ma.fields.String()
    inclusive = ma.fields.Boolean()
    passed = ma.fields.Boolean()
    margin = ma.fields.String()


class SurveyFigureSchema(TallyCountSchema):
    """A satisfaction figure: heads and area, and their shares of the roll ("a/b" reduced; percent, 4 places)."""

    heads_ratio = ma.fields.String()
    heads_percent = ma.fields.String()
    area_ratio = ma.fields.String()
    area_percent = ma.fields.String()


class TallySchema(ma.Schema):
    """Exactly the tally module's output (the same shape in the API, the CLI and the exports).

    A decision round: rule, policy, passed, total, participating, agree, disagree, abstain,
    not_voted, checks, conflicts. A satisfaction round (kind "satisfaction", tally.satisfaction):
    policy, passed null, total, answered, satisfied, basically_satisfied, dissatisfied,
    not_answered, unhappy_items, conflicts.
    """

    kind = ma.fields.String(metadata={"description": "'satisfaction' for a survey; absent for a decision round"})
    rule = ma.fields.String()
    policy = ma.fields.String()
    passed = ma.fields.Boolean(allow_none=True, metadata={"description": "null for a satisfaction survey"})
    answered = ma.fields.Nested(SurveyFigureSchema)
    satisfied = ma.fields.Nested(SurveyFigureSchema)
    basically_satisfied = ma.fields.Nested(SurveyFigureSchema)
    dissatisfied = ma.fields.Nested(SurveyFigureSchema)
    not_answered = ma.fields.Nested(SurveyFigureSchema)
    unhappy_items = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                   metadata={"description": "catalogue code → owners whose counted answer named it"})
    total = ma.fields.Nested(TallyCountSchema)
    participating = ma.fields.Nested(TallyCountSchema)
    agree = ma.fields.Nested(TallyCountSchema)
    disagree = ma.fields.Nested(TallyCountSchema)
    abstain = ma.fields.Nested(TallyCountSchema)
    not_voted = ma.fields.Nested(TallyCountSchema)
    checks = ma.fields.List(ma.fields.Nested(TallyCheckSchema))
    conflicts = ma.fields.List(ma.fields.Dict())


class TallyQuerySchema(ma.Schema):
    building = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                                metadata={"description": "count only this building's households (with unit: one stairwell)"})
    unit = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100),
                            metadata={"description": "the stairwell (单元) within the building; needs building"})
    rule = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(PRESETS), error="未知的表决规则"),
                            metadata={"description": "a preset rule instead of the round's"})


class ItemFiguresSchema(ma.Schema):
    total = ma.fields.Nested(TallyCountSchema)
    agree = ma.fields.Nested(TallyCountSchema)
    disagree = ma.fields.Nested(TallyCountSchema)
    abstain = ma.fields.Nested(TallyCountSchema)
    not_answered = ma.fields.Nested(TallyCountSchema)


class ItemBuildingSchema(ItemFiguresSchema):
    building = ma.fields.String()


class ItemStairwellSchema(ItemBuildingSchema):
    unit = ma.fields.String()
    decision = ma.fields.Nested(TallySchema, metadata={"description": "items decided per stairwell only"})


class ItemResultSchema(ma.Schema):
    code = ma.fields.String()
    per_stairwell = ma.fields.Boolean()
    estate = ma.fields.Nested(ItemFiguresSchema)
    buildings = ma.fields.List(ma.fields.Nested(ItemBuildingSchema))
    stairwells = ma.fields.List(ma.fields.Nested(ItemStairwellSchema))


class ItemTallySchema(ma.Schema):
    """Exactly voting.tally.items.item_tally's output (the same in the API and the offline recount)."""

    policy = ma.fields.String()
    rule = ma.fields.String()
    item_questions = ma.fields.List(ma.fields.String())
    item_mode = ma.fields.String()
    per_stairwell_items = ma.fields.List(ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(ItemResultSchema))


def _period(round_) -> dict | None:
    period = objection_period(round_)
    return None if period is None else {"starts_on": period[0].isoformat(), "ends_on": period[1].isoformat()}


class ObjectionCreateSchema(ma.Schema):
    """An objection received on paper, recorded by staff."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=OBJECTION_MAX, error=OBJECTION_LENGTH_ZH),
                            error_messages={"required": OBJECTION_LENGTH_ZH})
    household_id = ma.fields.Integer(load_default=None, validate=ID_RANGE)


class ObjectionAnswerCreateSchema(ma.Schema):
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=OBJECTION_MAX, error=ANSWER_LENGTH_ZH),
                              error_messages={"required": ANSWER_LENGTH_ZH})


class ObjectionSchema(ma.Schema):
    """An objection (from rounds.objections.round_objections) with its newest answer."""

    id = ma.fields.Integer(attribute="objection.id")
    household_id = ma.fields.Integer(attribute="objection.household_id", allow_none=True)
    channel = ma.fields.String(attribute="objection.channel")
    text = ma.fields.String(attribute="objection.text")
    created_at = ma.fields.DateTime(attribute="objection.created_at")
    answer = ma.fields.String(attribute="answer.text", allow_none=True, dump_default=None)
    answered_at = ma.fields.DateTime(attribute="answer.created_at", allow_none=True, dump_default=None)
    photos = ma.fields.Function(lambda row: len(row["photos"]), metadata={"type": "integer"})


class AftercareStatusSchema(ma.Schema):
    """A new status for an after-care problem (appended; the newest stands)."""

    status = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ("pending", "in_progress", "resolved"), error="状态只能是 pending（待处理）、in_progress（处理中）或 resolved（已解决）"))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500, error="处理说明不超过500字"),
                            metadata={"description": "required to resolve: what was done; the resident sees it"})


class AftercareHistorySchema(ma.Schema):
    status = ma.fields.String()
    status_zh = ma.fields.String()
    note = ma.fields.String()
    at = ma.fields.DateTime()


class AftercareProblemSchema(ma.Schema):
    """An after-care problem (rounds.aftercare.problems) with its current status and history."""

    id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    round_id = ma.fields.Integer(metadata={"description": "the round whose link reported it"})
    text = ma.fields.String()
    item = ma.fields.String(metadata={"description": "catalogue code, or empty"})
    item_zh = ma.fields.String()
    created_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "pending / in_progress / resolved"})
    status_zh = ma.fields.String()
    updated_at = ma.fields.DateTime()
    note = ma.fields.String()
    history = ma.fields.List(ma.fields.Nested(AftercareHistorySchema))
