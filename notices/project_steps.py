"""The project after the vote: where each of the plan's steps stands, and what is out of order or late.

Pure: plain dates in, plain values out; `today` is a CST date passed by the caller. The step codes
and their order live in voting.models.notices.MILESTONE_STEPS (the plan's 三(三) steps 4 and 5,
7 to 11: 申报, 设计委托, 联合审查, 招投标, 施工与监理, 联合验收, 长效管理); their Chinese and
the flags' Chinese are in voting.labels_zh.

Rules (each a flag code, MILESTONE_FLAG_ZH):
- ``out_of_order`` (顺序异常): the step has an actual date while an earlier step has none, or its
  actual date is before an earlier step's actual date. Recorded all the same: a flag, not a refusal.
- ``late`` (逾期): the actual date is after the planned date.
- ``overdue`` (逾期未完成): no actual date and the planned date has passed (planned < today).
- ``after_deadline`` (超过8月底申报期限): the application (申报) planned or done after 31 August
  of its year (the plan's 三(三)4: "于每年8月底…申报"); the year is the planned date's, else the actual's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

APPLICATION_STEP = "application"
FLAGS = ("out_of_order", "late", "overdue", "after_deadline")


def application_deadline(year: int) -> date:
    """The plan's yearly application deadline: the end of August (31 August, included)."""
    return date(year, 8, 31)


@dataclass(frozen=True)
class StepState:
    """One step: its dates (None when not recorded), whether it is done, and its flags in FLAGS order."""

    step: str
    planned_on: date | None
    actual_on: date | None
    flags: tuple[str, ...]

    @property
    def done(self) -> bool:
        return self.actual_on is not None


def step_states(steps: Sequence[str], records: Mapping[str, tuple[date | None, date | None]],
                today: date) -> list[StepState]:
    """Every step in `steps` order with its (planned_on, actual_on) from `records` (missing: neither)."""
    states: list[StepState] = []
    for index, step in enumerate(steps):
        planned, actual = records.get(step, (None, None))
        flags: set[str] = set()
        if actual is not None:
            earlier = [records.get(s, (None, None))[1] for s in steps[:index]]
            if any(a is None or a > actual for a in earlier):
                flags.add("out_of_order")
            if planned is not None and actual > planned:
                flags.add("late")
        elif planned is not None and planned < today:
            flags.add("overdue")
        if step == APPLICATION_STEP and (planned or actual) is not None:
            deadline = application_deadline((planned or actual).year)
            if (planned is not None and planned > deadline) or (actual is not None and actual > deadline):
                flags.add("after_deadline")
        states.append(StepState(step, planned, actual, tuple(f for f in FLAGS if f in flags)))
    return states


def next_step(states: Sequence[StepState]) -> StepState | None:
    """The first step not done, in the plan's order; None when every step is done."""
    return next((s for s in states if not s.done), None)


def last_done(states: Sequence[StepState]) -> StepState | None:
    """The furthest step done (by the plan's order); None when none is."""
    done = [s for s in states if s.done]
    return done[-1] if done else None
