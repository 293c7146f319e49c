"""audit checkpoints: signed heads of the estates' chains, append-only

A checkpoint (voting/audit/checkpoint_format.py) is signed at each round transition and
once a day while a round is open; copies held outside the database show whether the chain
was later truncated or rewritten. The table is append-only like audit_events, and the
unique (estate_id, daily_on) makes the daily command one per estate and day (daily_on is
NULL for transitions, and NULLs never collide on either engine).

Revision ID: 3d9a6f0b7c21
Revises: 3f6d2b8e1c07
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9a6f0b7c21'
down_revision = '3f6d2b8e1c07'
branch_labels = None
depends_on = None

PG_TRIGGERS = (("no_update_delete", "UPDATE OR DELETE", "ROW"), ("no_truncate", "TRUNCATE", "STATEMENT"))
SQLITE_REFUSED = ("UPDATE", "DELETE")


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('daily_on', sa.Date(), nullable=True),
    sa.Column('signing_key_sha256', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_audit_checkpoints_estate_id_estates')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_audit_checkpoints_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('estate_id', 'daily_on', name=op.f('uq_audit_checkpoints_estate_id_daily_on'))
    )
    op.create_index(op.f('ix_audit_checkpoints_estate_id'), 'audit_checkpoints', ['estate_id'], unique=False)
    op.create_index(op.f('ix_audit_checkpoints_round_id'), 'audit_checkpoints', ['round_id'], unique=False)
    # Append-only at the database, as audit_events: UPDATE, DELETE (and on PostgreSQL TRUNCATE) refused.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP; END $$")
        for name, event, each in PG_TRIGGERS:
            op.execute(f"CREATE TRIGGER audit_checkpoints_{name} BEFORE {event} ON audit_checkpoints "
                       f"FOR EACH {each} EXECUTE FUNCTION audit_checkpoints_append_only()")
    else:
        for verb in SQLITE_REFUSED:
            op.execute(f"CREATE TRIGGER audit_checkpoints_no_{verb.lower()} BEFORE {verb} ON audit_checkpoints "
                       f"BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: {verb} refused'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER audit_checkpoints_{name} ON audit_checkpoints")
        op.execute("DROP FUNCTION audit_checkpoints_append_only()")
    else:
        for verb in SQLITE_REFUSED:
            op.execute(f"DROP TRIGGER audit_checkpoints_no_{verb.lower()}")
    op.drop_index(op.f('ix_audit_checkpoints_round_id'), table_name='audit_checkpoints')
    op.drop_index(op.f('ix_audit_checkpoints_estate_id'), table_name='audit_checkpoints')
    op.drop_table('audit_checkpoints')
