"""The models layer: every table, one module per feature, imported here so the metadata (and Alembic) sees all.

Models sit below every feature package (docs/architecture.md): a table is read by many
features (a round's tally reads ballots, a roster import checks for open rounds), so the
rows are the shared vocabulary and only foundation modules are imported from here.
"""
from .accounts import StaffUser  # noqa: F401
from .aftercare import AftercareEvent, AftercareProblem  # noqa: F401
from .attachments import Attachment  # noqa: F401
from .audit import AuditChain, AuditCheckpoint, AuditEvent  # noqa: F401
from .ballots import Ballot, PaperConfirmation, PaperEntry, SatisfactionItems, VotingToken  # noqa: F401
from .calendar import CalendarYear  # noqa: F401
from .estates import Building, Community, Estate, Household, RosterImport, Street, Voter  # noqa: F401
from .link_reissues import LinkReissueConfirmation, LinkReissueRequest  # noqa: F401
from .notices import Milestone, Notice, PhotoPublication  # noqa: F401
from .proposals import FinalCost, Proposal, ProposalVersion  # noqa: F401
from .rounds import (Objection, ObjectionAnswer, Opinion, OpinionAnswer, RollEntry, Round,  # noqa: F401
                     RoundTransition, RoundVoter)
from .slip_jobs import SlipJob  # noqa: F401
from .sms import BallotConfirmation, OneTimeCode, OptOut, OutboxMessage  # noqa: F401
