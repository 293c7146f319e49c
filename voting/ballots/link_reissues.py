"""Reissuing a link with two staff accounts: one requests, another confirms (operations, flush only).

A reissue makes the household's printed QR code stop working and hands a new live link
to staff, so one account alone could take a household's vote over. As with paper
ballots (paper.py), the request is recorded and audited first; a different account of
the same jurisdiction (the views check the round's jurisdiction) confirms it, and only
then is the new token issued (`links.reissue`) and disclosed to the confirmer.
Exactly one confirmation per request is held by the unique key on
`link_reissue_confirmations.request_id`.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.ballots import VotingToken
from ..models.link_reissues import LinkReissueConfirmation, LinkReissueRequest
from ..models.rounds import Round
from .ballot_tokens import token_hash
from .link_disclosures import record_disclosure
from .links import HouseholdLink, LinkRefused, reissue, require_open, roll_entry

STATUSES = ("pending", "confirmed")
SAME_ACCOUNT_ZH = "申请人不能确认自己提出的重新发放，请由另一位工作人员核实后确认"
CONFIRMED_ZH = "该重新发放申请已经确认过，不能重复确认"
NO_REASON_ZH = "请填写重新发放的原因（例如：二维码遗失）"


def request_reissue(round_: Round, household_id: int, user: StaffUser, reason: str, now: datetime,
                    client: str) -> LinkReissueRequest:
    """Record a request to reissue one household's link; nothing changes until another account confirms."""
    require_open(round_)
    reason = (reason or "").strip()
    if not reason:
        raise LinkRefused(422, NO_REASON_ZH, {"json": {"reason": [NO_REASON_ZH]}})
    roll_entry(round_.id, household_id)  # 404 if the household is not on the round's roll
    request = LinkReissueRequest(round_id=round_.id, household_id=household_id, reason=reason[:500],
                                 requested_by_id=user.id, requested_at=now)
    db.session.add(request)
    db.session.flush()
    # The reason is free text a worker typed: it stays in the row, not in the exported log.
    audit(round_.estate_id, "link_reissue_requested", f"reissue:{request.id}", actor=user.username, at=now,
          data={"round": round_.id, "household_id": household_id, "from": client})
    return request


def reissue_request(round_: Round, request_id: int) -> LinkReissueRequest:
    request = db.session.get(LinkReissueRequest, request_id)
    if request is None or request.round_id != round_.id:
        raise LinkRefused(404, "找不到该重新发放申请")
    return request


def confirm_reissue(round_: Round, request_id: int, via: str, user: StaffUser, now: datetime,
                    client: str) -> HouseholdLink:
    """Confirm another account's request: the new link is issued (the old one stops working) and disclosed.

    Raises LinkRefused: 409 for the requester's own account, a request confirmed already,
    or a round not open; 404 for a request of another round.
    """
    request = reissue_request(round_, request_id)
    if request.requested_by_id == user.id:
        raise LinkRefused(409, SAME_ACCOUNT_ZH)
    if db.session.scalar(select(LinkReissueConfirmation.id).where(
            LinkReissueConfirmation.request_id == request.id)) is not None:
        raise LinkRefused(409, CONFIRMED_ZH)
    link = reissue(round_, request.household_id, user.id, request.reason, now)
    token_id = db.session.scalar(select(VotingToken.id).where(VotingToken.token_hash == token_hash(link.token)))
    db.session.add(LinkReissueConfirmation(request_id=request.id, confirmed_by_id=user.id, confirmed_at=now,
                                           token_id=token_id))
    try:
        db.session.flush()
    except IntegrityError:
        # Another account confirmed this request between our check and our insert. The view rolls back.
        raise LinkRefused(409, CONFIRMED_ZH) from None
    audit(round_.estate_id, "link_reissued", f"reissue:{request.id}", actor=user.username, at=now,
          data={"round": round_.id, "household_id": request.household_id, "requested_by": request.requested_by_id,
                "token": token_id, "from": client})
    record_disclosure(round_, [link], "reissue", via, user, now, client)
    return link


def reissue_requests(round_: Round, pending_only: bool = True) -> list[dict]:
    """The round's reissue requests, newest first, as plain dicts (for the API and the round page)."""
    rows = db.session.execute(
        select(LinkReissueRequest, LinkReissueConfirmation)
        .outerjoin(LinkReissueConfirmation, LinkReissueConfirmation.request_id == LinkReissueRequest.id)
        .where(LinkReissueRequest.round_id == round_.id).order_by(LinkReissueRequest.id.desc())).all()
    if pending_only:
        rows = [(r, c) for r, c in rows if c is None]
    names = dict(db.session.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(
        {r.requested_by_id for r, _ in rows} | {c.confirmed_by_id for _, c in rows if c}))).all())
    views = []
    for request, confirmation in rows:
        views.append({
            "id": request.id, "round_id": request.round_id, "household_id": request.household_id,
            "unit": roll_entry(round_.id, request.household_id).label, "reason": request.reason,
            "requested_by_id": request.requested_by_id, "requested_by": names.get(request.requested_by_id),
            "requested_at": request.requested_at, "status": "confirmed" if confirmation else "pending",
            "confirmed_by": names.get(confirmation.confirmed_by_id) if confirmation else None,
            "confirmed_at": confirmation.confirmed_at if confirmation else None,
        })
    return views
