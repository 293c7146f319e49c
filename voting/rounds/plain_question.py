"""The round's plain question: what residents are asked, in their words.

Staff write it ("您是否同意东新园实施综合改造？"); a client that leaves it out gets one
worded from the stage, the estate and the proposal's title, so existing clients keep working.
"""
from ..models.rounds import Round

STAGE_QUESTIONS = {
    1: "您是否同意{estate}实施老旧小区综合改造？",
    2: "您是否同意{estate}改造的初步方案“{title}”？",
    3: "您是否同意按正式方案“{title}”实施{estate}改造？",
}


def default_question(stage: int, estate: str, proposal_title: str) -> str:
    return STAGE_QUESTIONS[stage].format(estate=estate, title=proposal_title)


def plain_question(round_: Round, estate: str, proposal_title: str) -> str:
    """The question stored on the round, or (rounds created before it was asked) one worded now."""
    return round_.question or default_question(round_.stage, estate, proposal_title)
