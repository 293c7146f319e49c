"""The item questions of a round on the pages that take ballots: the resident's page and paper entry.

A form names each item's answer `item-<code>`: a checkbox with value "agree" in a 多选
round, a 同意/不同意/弃权 radio group per item otherwise. Left empty, the item is not
answered. The answers are checked by voting.tally.items.check_answers when cast.
"""
from ..labels_zh import ITEM_ANSWER_ZH, ITEM_MODE_ZH
from ..models.rounds import Round
from ..proposals.catalogue import get_item
from ..rounds.round_tally import round_item_questions
from ..tally.items import ITEM_ANSWERS

FIELD_PREFIX = "item-"


def item_questions_view(round_: Round) -> dict | None:
    """What a ballot form shows of the round's item questions; None when it asks none.

    Per item its code, plain Chinese name and whether it is decided per stairwell. The
    estimated cost per household is not shown: proposals carry no per-item cost yet.
    """
    questions = round_item_questions(round_)
    if not questions.codes:
        return None
    items = []
    for code in questions.codes:
        item = get_item(code)
        items.append({"code": code, "field": FIELD_PREFIX + code, "name_zh": item.name_zh, "label_zh": item.label_zh,
                      "per_stairwell": code in questions.per_stairwell})
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
