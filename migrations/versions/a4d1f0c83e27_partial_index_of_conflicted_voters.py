"""round voters: partial index of conflicted voters, for the live tally's conflict list

The live tally listed conflicts by scanning every voter of the round; the few voters
who voted through two units with different choices now have their own index.

Revision ID: a4d1f0c83e27
Revises: 7c3e9a1d2b45
Create Date: 2026-11-27 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d1f0c83e27'
down_revision = '7c3e9a1d2b45'
branch_labels = None
depends_on = None

# As voting.rounds.models.CONFLICTED_SQL when this revision was written.
CONFLICTED_SQL = "other_unit AND (choices & (choices - 1)) <> 0"


def upgrade():
    op.create_index('ix_round_voters_conflicted', 'round_voters', ['round_id', 'voter_key'], unique=False,
                    postgresql_where=sa.text(CONFLICTED_SQL), sqlite_where=sa.text(CONFLICTED_SQL))


def downgrade():
    op.drop_index('ix_round_voters_conflicted', table_name='round_voters')
