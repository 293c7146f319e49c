"""The 结果公告 worded from a tally: every figure, every check as a fraction with its percentage, no one named."""
from datetime import datetime, timezone
from decimal import Decimal

from voting.tally.result_notice_zh import ResultNoticeFacts, check_lines_zh, result_notice_body, result_notice_title
from voting.tally.rules import PRESETS
from voting.tally.tally import CastBallot, RollUnit, tally

AT = datetime(2026, 9, 8, 1, tzinfo=timezone.utc)
FACTS = ResultNoticeFacts("东新园", "第一次征询：改造意愿", "您是否同意东新园实施综合改造？", "2026-09-01 09:00",
                          "2026-09-08 18:00", 5, "2026-09-15", "社区电话：0571-88001234")


def _result(choices):
    units = [RollUnit(i, f"1-{i}", Decimal("50.25"), f"k{i}", "owned") for i in range(len(choices) + 1)]
    ballots = [CastBallot(i, c, AT, ballot_id=str(i)) for i, c in enumerate(choices)]
    return tally(units, ballots, "civil-code-278-major")


def test_every_figure_and_check_of_the_tally_is_in_the_notice():
    result = _result(["agree", "agree", "agree", "disagree", "abstain"])
    rule = PRESETS["civil-code-278-major"]
    body = result_notice_body(FACTS, result, rule)
    for kind, label in (("total", "名册合计"), ("participating", "参与表决"), ("agree", "同意"),
                        ("disagree", "不同意"), ("abstain", "弃权"), ("not_voted", "未表决")):
        assert f"{label}：{result[kind]['heads']} 人，专有部分面积 {result[kind]['area']} ㎡" in body
    lines = check_lines_zh(result, rule)
    assert len(lines) == len(result["checks"]) == 4
    for line, check in zip(lines, result["checks"]):
        assert f"{check['numerator']}/{check['denominator']}" in line and check["percent"] in line and line in body
    assert "同意的人数占参与表决人数：3/5 人，即 60.0000%，要求四分之三以上（含本数）——未达到" in body
    assert "三、表决结果：未通过" in body and rule.legal_basis in body
    assert "5 个工作日内（至 2026-09-15）" in body and FACTS.contact in body and FACTS.question in body
    assert "k1" not in body and "1-1" not in body  # no voter or unit
    assert result_notice_title("东新园", "第一次征询：改造意愿") == "东新园第一次征询：改造意愿表决结果公告"


def test_no_contact_line_when_none_is_set():
    body = result_notice_body(FACTS.__class__(**{**FACTS.__dict__, "contact": ""}), _result(["agree"]),
                              PRESETS["civil-code-278-major"])
    assert "社区电话" not in body and body.endswith("方为最终结果。")
