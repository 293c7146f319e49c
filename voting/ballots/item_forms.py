"""The item questions of a round on the pages that take ballots: the resident's page and paper entry.

A form names each item's answer `item-<code>`: a checkbox with value "agree" in a 多选
round, a 同意/不同意/弃权 radio group per item otherwise. Left empty, the item is not
answered. The answers are checked by voting.tally.items.check_answers when cast.
"""
from decimal import Decimal

from ..labels_zh import ITEM_ANSWER_ZH, ITEM_MODE_ZH
from ..models.rounds import Round
from ..proposals.catalogue import get_item
from ..proposals.funding import item_household_share
from ..rounds.round_tally import round_item_questions
from ..tally.items import ITEM_ANSWERS

FIELD_PREFIX = "item-"


def item_questions_view(round_: Round, item_costs: dict[str, Decimal] | None = None,
                        area: Decimal | None = None) -> dict | None:
    """What a ballot form shows of the round's item questions; None when it asks none.

    Per item its code, plain Chinese name and whether it is decided per stairwell; with the
    plan's per-item costs (`item_costs`, 元) and the household's frozen `area`, also the item's
    estimated cost apportioned to this household by area (`share_zh`), where the plan prices it.
    """
    questions = round_item_questions(round_)
    if not questions.codes:
        return None
    items = []
    for code in questions.codes:
        item = get_item(code)
        share = None
        if item_costs and code in item_costs and area and round_.total_area:
            share = item_household_share(item_costs[code], area, round_.total_area)
        items.append({"code": code, "field": FIELD_PREFIX + code, "name_zh": item.name_zh, "label_zh": item.label_zh,
                      "per_stairwell": code in questions.per_stairwell,
                      "share_zh": None if share is None else
                      f"本项估算费用 {item_costs[code]:.2f} 元，按您名下面积分摊约 {share} 元（财政补助前）"})
    return {"mode": questions.mode, "mode_zh": ITEM_MODE_ZH[questions.mode], "items": items,
            "answers_zh": {a: ITEM_ANSWER_ZH[a] for a in ITEM_ANSWERS}}


def item_name(code: str) -> str:
    """The plain Chinese name of a catalogue item (the code itself if the catalogue lacks it)."""
    try:
        return get_item(code).name_zh
    except KeyError:
        return code


def items_from_form(form) -> dict[str, str]:
    """{code: answer} from a form's `item-<code>` fields (empty ones left out).

    Codes and values are checked when cast (an unknown code is refused there), so the
    form is read without looking the round up.
    """
    answers = {}
    for name in form:
        if name.startswith(FIELD_PREFIX):
            value = (form.get(name) or "").strip()
            if value:
                answers[name[len(FIELD_PREFIX):]] = value
    return answers
