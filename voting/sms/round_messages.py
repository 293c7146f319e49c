"""What staff queue for a round: voting-link reminders, result notices, and resends.

Operations: they flush, the view commits (and the worker sends after the commit).
One message per owner and phone: an owner of several units votes once through any of
their links, so their phone receives one reminder with the first unit's link.

Developer-held flats (SPC interpretation Art. 9) are one voter, the developer: its reminder goes
to the phones on its unsold flats' rows (the developer's own contact on the roster) with an
unsold flat's link. A sold-but-undelivered flat's phones are the buyer's, who cannot vote for it
until delivery: they get no reminder (counted in `undelivered`).

Where links are not allowed (SMS_NO_LINK_PREFIXES, "+86" by default) a reminder names the
flat, the closing time, the QR slip delivered to the door and the community's hotline, and
a result text points to the estate's board without its URL; elsewhere the texts carry links.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..ballots.link_lookup import UNDELIVERED
from ..ballots.links import HouseholdLink, LinkRefused, household_link, household_links, roll_entry
from ..china_time import cst_today, to_cst
from ..estates.community_contact import contact_of
from ..extensions import db
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.rounds import Round
from ..models.sms import OutboxMessage
from ..phone_numbers import roll_phones
from ..privacy import mask_link_token
from ..refusals import Refused
from ..rounds.frozen_roll import roll_entries
from ..rounds.objections import objection_period, result_state
from .outbox import enqueue, enqueue_batch
from .settings import setting
from .texts import links_allowed, reminder_text, reminder_text_without_link, result_text


class SmsRefused(Refused):
    """Messages staff may not queue or resend now."""


@dataclass
class QueueReport:
    queued: int = 0
    duplicate: int = 0  # queued before under the same key (e.g. twice the same day)
    opted_out: int = 0
    voted: int = 0  # households skipped because their owner has a ballot
    no_phone: int = 0
    undelivered: int = 0  # sold-but-undelivered flats: the developer votes for them, their buyers get no reminder

    def include(self, batch) -> None:
        self.queued, self.duplicate, self.opted_out = batch.queued, batch.duplicate, batch.opted_out

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def may_link(phone: str) -> bool:
    return links_allowed(phone, setting("SMS_NO_LINK_PREFIXES"))


def _reminder(round_: Round, estate: Estate, link: HouseholdLink, phone: str, key: str, actor_id: int | None) -> dict:
    if may_link(phone):
        body = reminder_text(estate.name, round_.title, to_cst(round_.closes_at), link.url)
        display_body = mask_link_token(body, link.token)
    else:
        body = display_body = reminder_text_without_link(estate.name, link.label, to_cst(round_.closes_at),
                                                         contact_of(estate).hotline)
    return dict(key=key, to_phone=phone, body=body, display_body=display_body,
                household_id=link.household_id, expires_at=round_.closes_at, created_by_id=actor_id)


def _result_texts(round_: Round, estate: Estate) -> dict[bool, str]:
    """The result text where links are allowed (True: with the board's address) and where not (False)."""
    period = objection_period(round_)
    ends_on = period[1] if result_state(round_) == "provisional" and period is not None else None
    board = f"{current_app.config['PUBLIC_BASE_URL']}/board/estates/{estate.public_id}"
    return {allowed: result_text(estate.name, round_.title, to_cst(round_.closes_at), bool(round_.passed), ends_on,
                                 board if allowed else "") for allowed in (True, False)}


def queue_reminders(round_: Round, actor: str, actor_id: int | None, now: datetime,
                    batch_label: str | None = None) -> QueueReport:
    """Queue the voting link to every owner of the round without a ballot yet.

    Keyed per household, phone and `batch_label` (default: today's date in China), so
    queueing twice the same day sends nothing twice, and a reminder another day can.
    """
    if round_.status != "open" or now >= round_.closes_at:
        raise SmsRefused(409, "只有表决中的轮次可以发送表决提醒短信")
    label = (batch_label or cst_today(now).isoformat())[:40]
    estate = db.session.get(Estate, round_.estate_id)
    voted = set(db.session.scalars(select(Ballot.voter_key).where(Ballot.round_id == round_.id).distinct()))
    links = {link.household_id: link for link in household_links(round_, actor_id, now)}
    report, seen, messages = QueueReport(), set(), []
    for entry in roll_entries(round_.id):
        if entry.voter_key in voted:
            report.voted += 1
            continue
        if entry.status == UNDELIVERED:  # the buyer's phone: never a reminder to vote the developer's flat
            report.undelivered += 1
            continue
        link = links.get(entry.household_id)
        # A link-free reminder needs the link issued (its slip is at the door), not its URL.
        phones = [p for p in roll_phones(entry.phones) if link is not None and (link.url or not may_link(p))]
        if not phones or not link.issued:
            report.no_phone += 1
            continue
        for phone in phones:
            if (entry.voter_key, phone) in seen:
                continue
            seen.add((entry.voter_key, phone))
            messages.append(_reminder(round_, estate, link, phone,
                                      f"reminder:r{round_.id}:h{entry.household_id}:{phone}:{label}", actor_id))
    report.include(enqueue_batch(messages, kind="reminder", estate_id=estate.id, round_id=round_.id, actor=actor, now=now))
    return report


def queue_results(round_: Round, actor: str, actor_id: int | None, now: datetime) -> QueueReport:
    """Queue the result notice to every phone on the round's roll, once per phone and round."""
    if round_.status != "published":
        raise SmsRefused(409, "结果公布后才能发送表决结果短信")
    estate = db.session.get(Estate, round_.estate_id)
    texts = _result_texts(round_, estate)
    report, seen, messages = QueueReport(), set(), []
    for entry in roll_entries(round_.id):
        phones = roll_phones(entry.phones)
        if not phones:
            report.no_phone += 1
        for phone in phones:
            if phone in seen:
                continue
            seen.add(phone)
            body = texts[may_link(phone)]
            messages.append(dict(key=f"result:r{round_.id}:{phone}", to_phone=phone, body=body, display_body=body,
                                 household_id=entry.household_id, created_by_id=actor_id))
    report.include(enqueue_batch(messages, kind="result", estate_id=estate.id, round_id=round_.id, actor=actor, now=now))
    return report


def resendable(message: OutboxMessage) -> bool:
    failed = message.state in ("failed", "expired") or message.provider_status in ("failed", "undelivered")
    return failed and message.kind != "otp"


def resend(message: OutboxMessage, actor: str, actor_id: int | None, now: datetime) -> OutboxMessage:
    """A new message for a failed one, linked to it; the failed row keeps its history. Flushes."""
    if message.kind == "otp":
        raise SmsRefused(409, "验证码短信不能重发，请居民在表决页重新获取")
    if not resendable(message):
        raise SmsRefused(409, "只有发送失败或已过期的短信可以重发")
    round_ = db.session.get(Round, message.round_id)
    estate = db.session.get(Estate, message.estate_id)
    key = f"resend:{message.id}"
    if message.kind == "reminder":
        if round_.status != "open" or now >= round_.closes_at:
            raise SmsRefused(409, "本轮表决已截止，不能再重发表决提醒")
        try:
            if may_link(message.to_phone):
                link = household_link(round_, message.household_id, actor_id, now)
            else:  # the slip at the door is the link: only the flat's label is needed
                entry = roll_entry(round_.id, message.household_id)
                link = HouseholdLink(entry.household_id, entry.building, entry.unit, entry.room, entry.label, True,
                                     None, None)
        except LinkRefused as exc:
            raise SmsRefused(exc.status, exc.message) from exc
        queued = enqueue(**_reminder(round_, estate, link, message.to_phone, key, actor_id), kind="reminder",
                         now=now, actor=actor, estate_id=estate.id, round_id=round_.id, resend_of_id=message.id)
    else:
        # A confirmation says again what it said (it carries no credential, so its text is kept
        # as display_body); a result is worded anew, as the result stands now.
        body = (message.display_body if message.kind == "confirmation"
                else _result_texts(round_, estate)[may_link(message.to_phone)])
        queued = enqueue(key=key, kind=message.kind, to_phone=message.to_phone, body=body, display_body=body,
                         now=now, actor=actor, estate_id=estate.id, round_id=round_.id,
                         household_id=message.household_id, created_by_id=actor_id, resend_of_id=message.id)
    if queued.outcome == "opted_out":
        raise SmsRefused(409, "该号码已退订短信，不能重发")
    if queued.outcome == "duplicate":
        raise SmsRefused(409, "这条短信已经重发过，请查看重发的那一条")
    return queued.message
