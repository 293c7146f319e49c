"""What the ballot views share: the client's address, and owning the request's transaction.

Operations never read the request nor roll back the caller's transaction (docs/architecture.md);
the views do both, through here.
"""
from datetime import datetime

from flask_limiter.util import get_remote_address

from ..extensions import db
from .casting import AppendedBallot
from .link_lookup import VoteRefused
from .online import SubmissionFailed, same_submission, submitted_ballot, vote_with_token

KEY_REUSED_ZH = "幂等键已用于另一份表决内容"


# A worker must not cast "by accident" (or on purpose) from the office computer: the resident votes.
STAFF_CANNOT_VOTE_ZH = "工作人员账号不能代业主表决，请退出登录后由业主本人操作"


def client_address() -> str:
    """The address budgets of wrong answers and unknown links count by (Flask-Limiter's view of the request)."""
    return get_remote_address()


def cast_once(token: str, choice: str | None, opinion: str | None, verification: str | None, now: datetime,
              client: str, submission_key: str | None, items: dict | None = None,
              unhappy_items: list[str] | None = None) -> AppendedBallot:
    """`vote_with_token`, where a failed repeat of a keyed submission answers with the ballot it already made.

    Rolls back the session's transaction (the request's own, which its view owns) before
    looking for the first ballot; re-raises the failure (a VoteRefused) if there is none.
    The key binds the request: a repeat with another choice or opinion is refused (422,
    reason "submission_reused") rather than answered with a ballot it did not ask for.
    Only the failure path reads the first submission, so a first ballot costs nothing more.
    `items`: the ballot's item answers ({code: agree|disagree|abstain}); `unhappy_items`: a satisfaction
    answer's unhappy items (catalogue codes).
    """
    try:
        return vote_with_token(token, choice, opinion, verification, now, client, submission_key, items,
                               unhappy_items)
    except SubmissionFailed as failed:
        db.session.rollback()
        earlier = submitted_ballot(failed.round_id, failed.voter_key, failed.submission_key)
        if earlier is None:
            raise failed.__cause__ from None
        if not same_submission(earlier, choice, opinion, items):
            raise VoteRefused(422, KEY_REUSED_ZH, "submission_reused") from None
        return earlier.ballot
