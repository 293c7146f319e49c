"""One-time codes for rounds verified by SMS (`verification = "sms"`).

The resident holds the link (something they have, delivered on paper) and proves the
roster's phone with a code texted to it. Codes are six digits, kept only as an HMAC
keyed by the server's secret (six digits hash in microseconds without a key), live ten
minutes, and only the household's newest code counts. Requests are limited per link
and per phone from the database, so limits hold across instances; wrong answers are
limited per code (and, in the ballot views, per link and address by Flask-Limiter).
"""
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..ballots.link_lookup import NO_PHONE_ZH, VoteRefused, usable_lookup
from ..ballots.one_time_codes import CODE_TTL, code_hash, keyed_digest
from ..extensions import db
from ..models.estates import Estate
from ..models.rounds import RollEntry
from ..models.sms import OneTimeCode, OutboxMessage
from ..phone_numbers import roll_phones
from ..privacy import mask_code, mask_phone
from .outbox import enqueue, is_opted_out
from .texts import code_text

RESEND_AFTER = timedelta(seconds=60)
PER_LINK_PER_HOUR = 5
PER_PHONE_PER_HOUR = 5
PER_PHONE_PER_DAY = 10


def phone_hash(phone: str) -> str:
    """Keyed hash of an E.164 number: lets us count requests per phone without storing it."""
    return keyed_digest("phone", phone)


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


