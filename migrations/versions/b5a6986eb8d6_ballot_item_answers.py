"""item preferences: a round's item questions, each ballot's item answers (append-only), paper entries' items

Issue 17: a round may ask about catalogue items (多选 or 同意/不同意/弃权 per item), some
of them decided per stairwell. A ballot's item answers are rows of ballot_items, written
with the ballot and refused UPDATE/DELETE by the database like the ballots themselves.

Revision ID: b5a6986eb8d6
Revises: 9b8450a7cd62
Create Date: 2026-12-01 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5a6986eb8d6'
down_revision = '9b8450a7cd62'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (not batch mode): rebuilding paper_entries on SQLite would drop its append-only triggers.
    op.add_column('rounds', sa.Column('item_questions_json', sa.Text(), nullable=True))
    op.add_column('paper_entries', sa.Column('items_json', sa.Text(), nullable=True))
    op.create_table(
        'ballot_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('answer', sa.String(length=10), nullable=False),
        sa.CheckConstraint("answer IN ('agree','disagree','abstain')", name=op.f('ck_ballot_items_answer_known')),
        sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_items_ballot_id_ballots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_items')),
        sa.UniqueConstraint('ballot_id', 'code', name=op.f('uq_ballot_items_ballot_id_code')),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ledger_append_only() is the ledger's trigger function (migration 3f6d2b8e1c07).
        op.execute("""CREATE TRIGGER ballot_items_no_update_delete BEFORE UPDATE OR DELETE ON ballot_items
                      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();""")
        op.execute("""CREATE TRIGGER ballot_items_no_truncate BEFORE TRUNCATE ON ballot_items
                      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();""")
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER ballot_items_no_{statement.lower()} BEFORE {statement} ON ballot_items
                           BEGIN SELECT RAISE(ABORT, 'ballot_items is append-only: {statement} refused'); END;""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ballot_items_no_truncate ON ballot_items")
        op.execute("DROP TRIGGER ballot_items_no_update_delete ON ballot_items")
    op.drop_table('ballot_items')
    op.drop_column('paper_entries', 'items_json')
    op.drop_column('rounds', 'item_questions_json')
