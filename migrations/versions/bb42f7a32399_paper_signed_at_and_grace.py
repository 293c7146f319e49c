"""paper ballots dated when signed; the paper grace period; each voter's counted ballot

Issue 18 item 2: a paper or proxy ballot stands by when the owner signed it
(paper_entries.signed_at, copied to ballots.signed_at at confirmation), not when it was
entered; rounds.paper_grace_working_days lets ballots signed before the close be entered
and confirmed for N working days after it. round_voters.counted_seq /
counted_expressed_at name the voter's counted ballot for the live tally (kept by casting);
existing voters are filled from their ballots, none of which has a signed time, so the
counted one is the first (policy first) or the last (policy last) by sequence, as before.

Revision ID: bb42f7a32399
Revises: b5a6986eb8d6
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb42f7a32399'
down_revision = 'b5a6986eb8d6'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (not batch mode): rebuilding these tables on SQLite would drop their
    # append-only triggers. The new columns are nullable, so nothing is updated in them.
    op.add_column('ballots', sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('paper_entries', sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_grace_working_days', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('round_voters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('counted_expressed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE round_voters SET counted_seq = CASE WHEN (SELECT ballot_policy FROM rounds"
        " WHERE rounds.id = round_voters.round_id) = 'last' THEN ballots ELSE 1 END WHERE ballots > 0")
    op.execute(
        "UPDATE round_voters SET counted_expressed_at = (SELECT cast_at FROM ballots"
        " WHERE ballots.round_id = round_voters.round_id AND ballots.voter_key = round_voters.voter_key"
        " AND ballots.seq = round_voters.counted_seq) WHERE counted_seq IS NOT NULL")


def downgrade():
    with op.batch_alter_table('round_voters', schema=None) as batch_op:
        batch_op.drop_column('counted_expressed_at')
        batch_op.drop_column('counted_seq')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('paper_grace_working_days')
    op.drop_column('paper_entries', 'signed_at')  # SQLite ≥ 3.35 drops a column in place
    op.drop_column('ballots', 'signed_at')
