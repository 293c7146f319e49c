"""Checking and using the one-time codes of rounds verified by SMS (`verification = "sms"`).

Casting needs this, and casting sits below the SMS package (which issues the codes and
texts them: voting/sms/otp.py). Codes are kept only as an HMAC keyed by the server's
secret; only the household's newest code counts; each code allows MAX_ATTEMPTS wrong answers.
"""
import hashlib
import hmac
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..clock import now as clock_now
from ..extensions import db
from ..models.sms import OneTimeCode
from ..phone_numbers import roll_phones
from ..privacy import mask_phone
from .link_lookup import VoteRefused

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # wrong answers per code; then a new code is needed
NEW_CODE_ZH = "请重新获取验证码"


def _key() -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"sms-one-time-code-v1", hashlib.sha256).digest()


def keyed_digest(*parts: str) -> str:
    return hmac.new(_key(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def code_hash(salt: str, code: str) -> str:
    return keyed_digest("code", salt, code)


def phone_choices(phones: str) -> list[str]:
    """The roll entry's textable numbers, masked, in the order `request_code` indexes them."""
    return [mask_phone(p) for p in roll_phones(phones)]


def _newest(round_id: int, household_id: int) -> OneTimeCode | None:
    return db.session.scalar(select(OneTimeCode).where(
        OneTimeCode.round_id == round_id, OneTimeCode.household_id == household_id)
        .order_by(OneTimeCode.id.desc()).limit(1))


def _answer(answer: str | None) -> str:
    # Full-width digits (１２３４５６) as some input methods type them.
    digits = unicodedata.normalize("NFKC", answer or "").strip()
    if not digits:
        raise VoteRefused(422, "请输入短信验证码", "verification_missing", "verification")
    return digits


def _live(round_id: int, household_id: int, now: datetime) -> OneTimeCode:
    code = _newest(round_id, household_id)
    if code is None:
        raise VoteRefused(422, "请先获取短信验证码", "code_missing", "verification")
    if code.used_at is not None:
        raise VoteRefused(422, "该验证码已使用，" + NEW_CODE_ZH, "code_used", "verification")
    if now >= code.expires_at:
        raise VoteRefused(422, "验证码已过期（10分钟内有效），" + NEW_CODE_ZH, "code_expired", "verification")
    return code


def check_code(round_id: int, household_id: int, answer: str | None, now: datetime | None = None) -> None:
    """Accept the household's newest live code or raise VoteRefused; never consumes it.

    Each check first reserves one of the code's MAX_ATTEMPTS in its own committed
    transaction: the ballot views roll back on a refusal, and a wrong answer must still
    count; reserving before comparing keeps concurrent guesses within the budget too.
    A right answer gives its attempt back.
    """
    now = now or clock_now()
    digits = _answer(answer)
    code = _live(round_id, household_id, now)
    with db.engine.begin() as conn:
        reserved = conn.execute(update(OneTimeCode).where(OneTimeCode.id == code.id,
                                                          OneTimeCode.attempts < MAX_ATTEMPTS)
                                .values(attempts=OneTimeCode.attempts + 1).returning(OneTimeCode.id)).first()
    if reserved is None:
        raise VoteRefused(429, "验证码错误次数过多，" + NEW_CODE_ZH, "code_locked", "verification")
    if not hmac.compare_digest(code_hash(code.salt, digits), code.code_hash):
        raise VoteRefused(422, "验证码不正确，请核对短信后重试（多次错误将暂时锁定）", "verification", "verification")
    with db.engine.begin() as conn:
        conn.execute(update(OneTimeCode).where(OneTimeCode.id == code.id).values(attempts=OneTimeCode.attempts - 1))


def use_code(round_id: int, household_id: int, answer: str | None, now: datetime) -> None:
    """Consume the code with the ballot (same transaction: a failed cast leaves it usable); flushes.

    Call after `check_code` accepted it. The conditional UPDATE makes a code single-use
    even when two submissions race.
    """
    code = _live(round_id, household_id, now)
    if not hmac.compare_digest(code_hash(code.salt, _answer(answer)), code.code_hash):
        raise VoteRefused(422, "验证码不正确，请核对短信后重试", "verification", "verification")
    used = db.session.execute(update(OneTimeCode).where(OneTimeCode.id == code.id, OneTimeCode.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if used != 1:
        raise VoteRefused(422, "该验证码已使用，" + NEW_CODE_ZH, "code_used", "verification")
