"""Slowing password guessing on one account without letting a stranger lock its owner out.

Failed logins (page and API alike) are counted per account name *and* client address, in
steps that grow roughly exponentially: 5 a minute, 10 in 10 minutes, 20 an hour, 40 a day.
Once a step is spent, that address gets 429 for that account — even with the right
password, so guessing on cannot tell a hit — until the step's window ends. Another
address is not affected: the owner logging in from the office is never refused because
someone elsewhere guessed their name. There is no CAPTCHA and no account-wide lock.

Crossing a step writes `staff_login_throttled` to the audit log, and an account failing
ACCOUNT_ALERT times within an hour from anywhere writes `staff_login_failures_alert`, so the
district sees a guessing campaign spread over many addresses. Names that are no account are
counted the same way (their 429 must not tell that the name is unknown) but never audited.
"""
from dataclasses import dataclass
from datetime import datetime

from limits import parse

from ..attempt_counts import Budget, lasts, refund, spend, spent
from ..audit.log import record as audit
from ..models.accounts import StaffUser
from ..refusals import Refused

STEPS = (
    Budget(parse("5 per minute"), "login-account-ip-1m", "登录失败次数过多，请1分钟后再试"),
    Budget(parse("10 per 10 minutes"), "login-account-ip-10m", "登录失败次数过多，请10分钟后再试"),
    Budget(parse("20 per hour"), "login-account-ip-1h", "登录失败次数过多，请1小时后再试，或联系管理员重置密码"),
    Budget(parse("40 per day"), "login-account-ip-1d", "登录失败次数过多，请明天再试，或联系管理员重置密码"),
)
ACCOUNT_ALERT = Budget(parse("30 per hour"), "login-account", "")


class LoginThrottled(Refused):
    pass


@dataclass(frozen=True)
class Attempt:
    username: str
    client: str

    @property
    def key(self) -> str:
        # No account name is longer than 80 characters: a longer one need not be stored whole.
        return f"{self.client}|{self.username[:80]}"


def _throttled(step: Budget) -> LoginThrottled:
    refusal = LoginThrottled(429, step.message)
    refusal.retry_after = step.retry_after
    return refusal


def reserve(attempt: Attempt) -> None:
    """Take one try of the first step before the password is checked, or raise LoginThrottled (429).

    Reserved atomically, so parallel guesses cannot all pass before any of them failed;
    `succeeded` gives the try back, `failed` keeps it and counts the longer steps.
    """
    first, key = STEPS[0], attempt.key
    if not spend(first, key):
        refund(first, key)
        raise _throttled(first)
    for step in STEPS[1:]:
        if not lasts(step, key):
            refund(first, key)
            raise _throttled(step)


def succeeded(attempt: Attempt) -> None:
    refund(STEPS[0], attempt.key)


def failed(attempt: Attempt, user: StaffUser | None, via: str, now: datetime) -> None:
    """Count one failure (the first step's try is already kept); audit the crossing of a step, and of
    the account-wide alert level."""
    for step in STEPS[1:]:
        spend(step, attempt.key)
    if user is None:
        return
    crossed = next((step for step in STEPS if not lasts(step, attempt.key)), None)
    if crossed is not None:
        audit(None, "staff_login_throttled", f"staff:{user.id}", actor=user.username, at=now,
              data={"via": via, "address": attempt.client, "failures": spent(crossed, attempt.key),
                    "window_seconds": crossed.retry_after})
    # Within the budget after this failure but not after the next: the level is reached now, once.
    if spend(ACCOUNT_ALERT, attempt.username) and not lasts(ACCOUNT_ALERT, attempt.username):
        audit(None, "staff_login_failures_alert", f"staff:{user.id}", actor=user.username, at=now,
              data={"via": via, "failures": ACCOUNT_ALERT.limit.amount,
                    "window_seconds": ACCOUNT_ALERT.retry_after})
