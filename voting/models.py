"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""
from notices.models import CalendarYear, Milestone, Notice  # noqa: F401

from .accounts.models import StaffUser  # noqa: F401
from .attachments.models import Attachment  # noqa: F401
from .audit.models import AuditChain, AuditEvent  # noqa: F401
from .ballots.models import Ballot, PaperConfirmation, PaperEntry, VotingToken  # noqa: F401
from .estates.models import Building, Community, Estate, Household, RosterImport, Street, Voter  # noqa: F401
from .proposals.models import Proposal, ProposalVersion  # noqa: F401
from .rounds.models import Opinion, OpinionAnswer, RollEntry, Round, RoundTransition, RoundVoter  # noqa: F401
from .sms.models import OneTimeCode, OptOut, OutboxMessage  # noqa: F401
