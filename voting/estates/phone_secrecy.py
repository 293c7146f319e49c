"""Who may see voters' phone digits while a round verified by them is open.

In a `phone4` round a resident proves who they are with the last four digits of a phone on
the roll, so those digits are a secret shared with the community worker who holds the
links: together they vote for anyone. While such a round is open on an estate, a
community worker sees phones as 138******** in everything they can read or download
(roster CSV, the households list, the SMS outbox), and the full roster (`full=true`) is
for the street office or the district only. Both can still see and correct phones once
the round is closed.
"""
from flask import g
from sqlalchemy import select

from ..extensions import db
from ..models.accounts import StaffUser
from ..models.rounds import Round
from ..privacy import mask_phone, mask_phone_digits

FULL_ROSTER_REFUSED_ZH = "本小区正在进行核对手机号后四位的表决，完整名册须由街道办事处下载；社区可下载脱敏名册"


def phone4_round_open(estate_id: int) -> bool:
    return db.session.scalar(select(Round.id).where(
        Round.estate_id == estate_id, Round.status == "open", Round.verification == "phone4")) is not None


def digits_hidden(estate_id: int, user: StaffUser) -> bool:
    """True if `user` must not see phones' last digits on this estate now."""
    return user.role == "community" and phone4_round_open(estate_id)


def phone_for(phone: str, hidden: bool) -> str:
    """`phone` as a masked export shows it: 138****1234, or 138******** while the digits are hidden."""
    return mask_phone_digits(phone) if hidden else mask_phone(phone)


def keep_digits_secret_in_response(estate_id: int, user: StaffUser) -> bool:
    """Views call this before answering: the schemas then dump phones through `shown_phone(s)`."""
    g.phone_digits_hidden = digits_hidden(estate_id, user)
    return g.phone_digits_hidden


def shown_phone(phone: str) -> str:
    """A phone as this response may show it to staff: masked, and without its last digits when hidden."""
    return phone_for(phone, g.get("phone_digits_hidden", False))


def shown_phones(phones: list[str]) -> list[str]:
    """The roster's phones in full for staff, unless this response hides their last digits."""
    return [mask_phone_digits(p) for p in phones] if g.get("phone_digits_hidden", False) else list(phones)
