"""three down: the round's plain question, the result notice, objections, the community's contact

Issue 16, the "three down" for residents: a round asks a plain question and keeps its
objection period (异议期, working days) and the result notice created when it closes; the
result stays provisional until staff finalise it. Objections and their answers are
append-only like the ballot ledger (the database refuses UPDATE and DELETE). A proposal
version states what residents pay; a community keeps its hotline and office for slips and
resident pages; an opinion's answer keeps the paraphrase published on the board.

Revision ID: c4e8a2f6b1d3
Revises: b3d9e6f1a7c2
Create Date: 2026-12-01 05:16:53

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2f6b1d3'
down_revision = 'b3d9e6f1a7c2'
branch_labels = None
depends_on = None


APPEND_ONLY = ("objections", "objection_answers")


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:  # ledger_append_only() comes from revision 3f6d2b8e1c07
            op.execute(f"""
                CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
            """)
    else:
        for table in APPEND_ONLY:
            for statement in ("UPDATE", "DELETE"):
                op.execute(f"""
                    CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END;
                """)


def upgrade():
    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('online','paper')", name=op.f('ck_objections_channel_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_objections_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_objections_household_id_households')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_objections_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_round_id'), ['round_id'], unique=False)

    op.create_table('objection_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_objection_answers_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['objection_id'], ['objections.id'], name=op.f('fk_objection_answers_objection_id_objections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_answers'))
    )
    with op.batch_alter_table('objection_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_answers_objection_id'), ['objection_id'], unique=False)

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('office', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('opinion_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resident_mode', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('resident_amount', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('objection_working_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('result_notice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finalised_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rounds_finalised_by_id_staff_users'), 'staff_users', ['finalised_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_rounds_result_notice_id_notices'), 'notices', ['result_notice_id'], ['id'], use_alter=True)

    _append_only()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_update_delete ON {table}")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rounds_result_notice_id_notices'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_rounds_finalised_by_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('finalised_by_id')
        batch_op.drop_column('finalised_at')
        batch_op.drop_column('result_notice_id')
        batch_op.drop_column('objection_working_days')
        batch_op.drop_column('question')

    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.drop_column('resident_amount')
        batch_op.drop_column('resident_mode')

    with op.batch_alter_table('opinion_answers', schema=None) as batch_op:
        batch_op.drop_column('summary')

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('office')
        batch_op.drop_column('hotline')

    with op.batch_alter_table('objection_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_answers_objection_id'))

    op.drop_table('objection_answers')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_round_id'))

    op.drop_table('objections')
