"""fewer writes per ballot: SQLite advances the chain head by trigger; drop ix_ballots_round

SQLite: an AFTER INSERT trigger on audit_events moves its chain's head, so an append is
one INSERT … SELECT from the chain row (SQLite has one writer at a time, so reading the
head and appending in one statement is safe). PostgreSQL keeps its one-statement CTE.
ix_ballots_round (round_id, household_id) served no query: reads by round use the
(round_id, voter_key, seq) key; it only cost every ballot an index write.

Revision ID: c81f4e2a9d63
Revises: a4d1f0c83e27
Create Date: 2026-11-27 11:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c81f4e2a9d63'
down_revision = 'a4d1f0c83e27'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_ballots_round', table_name='ballots')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("""
            CREATE TRIGGER audit_events_advance_chain AFTER INSERT ON audit_events
            BEGIN
              UPDATE audit_chains SET length = NEW.seq, prev_head_hash = NEW.prev_hash, head_hash = NEW.hash
              WHERE chain = NEW.chain;
            END""")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_events_advance_chain")
    op.create_index('ix_ballots_round', 'ballots', ['round_id', 'household_id'], unique=False)
