"""The project's steps after the vote (notices/project_steps.py): order, lateness, the August deadline."""
from datetime import date

from notices.project_steps import application_deadline, last_done, next_step, step_states
from voting.labels_zh import MILESTONE_FLAG_ZH
from voting.models.notices import MILESTONE_STEPS

TODAY = date(2026, 10, 15)


def states(records, today=TODAY):
    return {s.step: s for s in step_states(MILESTONE_STEPS, records, today)}


def test_the_steps_are_the_plans_in_order():
    assert MILESTONE_STEPS == ("application", "design", "joint_review", "tendering", "construction",
                               "acceptance", "aftercare")
    assert application_deadline(2026) == date(2026, 8, 31)


def test_steps_in_order_and_on_time_carry_no_flag_and_the_next_is_the_first_not_done():
    got = states({"application": (date(2026, 8, 25), date(2026, 8, 20)),
                  "design": (date(2026, 9, 30), date(2026, 9, 28)), "joint_review": (date(2026, 11, 1), None)})
    assert all(not s.flags for s in got.values())
    ordered = step_states(MILESTONE_STEPS, {"application": (None, date(2026, 8, 20))}, TODAY)
    assert next_step(ordered).step == "design" and last_done(ordered).step == "application"
    assert next_step(list(got.values())).step == "joint_review"


def test_a_planned_date_is_not_done():
    got = states({"application": (date(2026, 8, 25), None)}, today=date(2026, 8, 1))
    assert not got["application"].done and got["application"].flags == ()


def test_a_step_done_before_its_predecessor_is_out_of_order_but_recorded():
    got = states({"application": (None, date(2026, 8, 20)), "tendering": (None, date(2026, 9, 1))})
    assert got["tendering"].done and got["tendering"].flags == ("out_of_order",)
    earlier = states({"application": (None, date(2026, 8, 20)), "design": (None, date(2026, 8, 10))})
    assert earlier["design"].flags == ("out_of_order",)  # done before the application it follows


def test_late_and_overdue():
    got = states({"application": (date(2026, 8, 1), date(2026, 8, 10)), "design": (date(2026, 9, 1), None)})
    assert got["application"].flags == ("late",)
    assert got["design"].flags == ("overdue",)
    assert not states({"design": (date(2026, 10, 15), None)})["design"].flags  # due today: not yet overdue


def test_the_application_after_the_end_of_august_is_flagged():
    assert states({"application": (None, date(2026, 9, 9))})["application"].flags == ("after_deadline",)
    assert states({"application": (date(2026, 9, 5), None)}, today=date(2026, 9, 1))["application"].flags == (
        "after_deadline",)
    assert states({"application": (None, date(2026, 8, 31))})["application"].flags == ()  # the 31st is in time


def test_every_flag_has_plain_chinese():
    got = states({"application": (date(2026, 8, 1), date(2026, 9, 9)), "tendering": (date(2026, 9, 1), date(2026, 9, 2)),
                  "design": (date(2026, 9, 1), None)})
    flags = {f for s in got.values() for f in s.flags}
    assert flags == set(MILESTONE_FLAG_ZH)
    assert "顺序异常" in MILESTONE_FLAG_ZH["out_of_order"] and "逾期" in MILESTONE_FLAG_ZH["late"]
