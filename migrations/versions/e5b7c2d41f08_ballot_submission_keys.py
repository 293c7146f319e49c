"""ballots: the submission key of an online ballot, so a repeated submission is one ballot

A double tap on the confirmation page, or a client retrying a POST whose answer was lost,
sends the same submission again; its key is unique per voter and round, and the repeat
answers with the ballot it already made.

Revision ID: e5b7c2d41f08
Revises: c81f4e2a9d63
Create Date: 2026-11-27 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b7c2d41f08'
down_revision = 'c81f4e2a9d63'
branch_labels = None
depends_on = None

KEYED = "submission_key IS NOT NULL"


def upgrade():
    # Plain ADD COLUMN (not batch mode): rebuilding the table on SQLite would drop its append-only triggers.
    op.add_column('ballots', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('uq_ballots_submission', 'ballots', ['round_id', 'voter_key', 'submission_key'], unique=True,
                    postgresql_where=sa.text(KEYED), sqlite_where=sa.text(KEYED))


def downgrade():
    op.drop_index('uq_ballots_submission', table_name='ballots')
    op.drop_column('ballots', 'submission_key')  # SQLite ≥ 3.35 drops a column in place
