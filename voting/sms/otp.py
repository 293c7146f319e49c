"""One-time codes for rounds verified by SMS (`verification = "sms"`).

The resident holds the link (something they have, delivered on paper) and proves the
roster's phone with a code texted to it. Codes are six digits, kept only as an HMAC
keyed by the server's secret (six digits hash in microseconds without a key), live ten
minutes, and only the household's newest code counts. Requests are limited per link
and per phone from the database, so limits hold across instances; wrong answers are
limited per code (and, in the ballot views, per link and address by Flask-Limiter).
"""
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..ballots.online import NO_PHONE_ZH, VoteRefused, usable_lookup
from ..clock import now as clock_now
from ..estates.models import Estate
from ..extensions import db
from ..privacy import mask_code, mask_phone
from ..rounds.models import RollEntry
from .models import OneTimeCode, OutboxMessage
from .outbox import enqueue, is_opted_out
from .phone_numbers import roll_phones
from .texts import code_text

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # wrong answers per code; then a new code is needed
RESEND_AFTER = timedelta(seconds=60)
PER_LINK_PER_HOUR = 5
PER_PHONE_PER_HOUR = 5
PER_PHONE_PER_DAY = 10
NEW_CODE_ZH = "请重新获取验证码"


def _key() -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"sms-one-time-code-v1", hashlib.sha256).digest()


def _digest(*parts: str) -> str:
    return hmac.new(_key(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def phone_hash(phone: str) -> str:
    """Keyed hash of an E.164 number: lets us count requests per phone without storing it."""
    return _digest("phone", phone)


def code_hash(salt: str, code: str) -> str:
    return _digest("code", salt, code)


def phone_choices(phones: str) -> list[str]:
    """The roll entry's textable numbers, masked, in the order `request_code` indexes them."""
    return [mask_phone(p) for p in roll_phones(phones)]


def _count(*where) -> int:
    return db.session.scalar(select(func.count(OneTimeCode.id)).where(*where))


def _check_rate(token_id: int, phone_key: str, now: datetime) -> None:
    last = db.session.scalar(select(func.max(OneTimeCode.created_at)).where(OneTimeCode.token_id == token_id))
    if last is not None and now - last < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last)).total_seconds()) + 1
        raise VoteRefused(429, f"验证码已发送，请{wait}秒后再重新获取", "code_rate")
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    if (_count(OneTimeCode.token_id == token_id, OneTimeCode.created_at > hour) >= PER_LINK_PER_HOUR
            or _count(OneTimeCode.phone_hash == phone_key, OneTimeCode.created_at > hour) >= PER_PHONE_PER_HOUR):
        raise VoteRefused(429, "获取验证码太频繁，请1小时后再试，或联系社区工作人员", "code_rate")
    if _count(OneTimeCode.phone_hash == phone_key, OneTimeCode.created_at > day) >= PER_PHONE_PER_DAY:
        raise VoteRefused(429, "该手机号今天获取验证码的次数已达上限，请明天再试，或联系社区工作人员", "code_rate")


def request_code(token: str, phone_index: int, now: datetime) -> tuple[OneTimeCode, OutboxMessage, str]:
    """Create a code for the link's household and queue it to the chosen roster phone; flushes.

    Returns (code row, outbox message, the masked number). Raises VoteRefused.
    """
    lookup = usable_lookup(token, now)
    round_ = lookup.round
    if round_.verification != "sms":
        raise VoteRefused(409, "本轮表决不需要短信验证码", "not_sms")
    entry = lookup.entry
    # Serialise the requests of one household (PostgreSQL), so the limits cannot be raced past.
    db.session.execute(select(RollEntry.id).where(RollEntry.id == entry.id).with_for_update())
    phones = roll_phones(entry.phones)
    if not phones:
        raise VoteRefused(409, NO_PHONE_ZH, "no_phone")
    if not 0 <= phone_index < len(phones):
        raise VoteRefused(422, "请选择接收验证码的手机号", "phone", "phone")
    phone = phones[phone_index]
    if is_opted_out(phone):
        raise VoteRefused(409, "该手机号已退订短信，无法接收验证码，请联系社区工作人员。", "opted_out")
    phone_key = phone_hash(phone)
    _check_rate(lookup.token_id, phone_key, now)
    code, salt = f"{secrets.randbelow(10 ** 6):06d}", secrets.token_hex(16)
    row = OneTimeCode(round_id=round_.id, household_id=entry.household_id, token_id=lookup.token_id,
                      phone_hash=phone_key, salt=salt, code_hash=code_hash(salt, code), created_at=now,
                      expires_at=now + CODE_TTL, attempts=0)
    db.session.add(row)
    db.session.flush()
    body = code_text(db.session.get(Estate, round_.estate_id).name, code, int(CODE_TTL.total_seconds() // 60))
    queued = enqueue(key=f"otp:{row.id}", kind="otp", to_phone=phone, body=body,
                     display_body=mask_code(body, code), now=now, actor="resident",
                     estate_id=round_.estate_id, round_id=round_.id, household_id=entry.household_id,
                     expires_at=row.expires_at)
    row.outbox_id = queued.message.id
    db.session.flush()
    return row, queued.message, mask_phone(phone)


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
