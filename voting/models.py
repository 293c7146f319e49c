"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""
from .accounts.models import StaffUser  # noqa: F401
from .estates.models import Building, Community, Estate, Household, RosterImport, Street, Voter  # noqa: F401
