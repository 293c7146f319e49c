"""estates: a random public id for the public board's URL; slip jobs

Issue 15, "the public board enumerates estates": /board/estates/1…N showed every
estate. The board is now addressed by estates.public_id (12 random characters, the first
a letter); existing estates get one here.

Issue 15, "bounded work": slips.pdf for a 20,000-household round ran past gunicorn's
30 s timeout. Past SLIPS_INLINE_MAX slips the request queues a slip job (202 + Location);
the slips worker issues and discloses the links, records progress and stores the PDF encrypted.

Revision ID: c4e8a2f6d1b9
Revises: d7a1c3e5f9b2
Create Date: 2026-12-01 06:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2f6d1b9'
down_revision = 'd7a1c3e5f9b2'
branch_labels = None
depends_on = None

# As voting.models.estates.new_public_id (a migration does not import the app's code).
LETTERS = "abcdefghijkmnpqrstuvwxyz"
ALPHABET = LETTERS + "23456789"


def _public_id() -> str:
    return secrets.choice(LETTERS) + "".join(secrets.choice(ALPHABET) for _ in range(11))


def upgrade():
    # NOT NULL with a placeholder default, then each row its own id: SQLite can add such a column
    # in place (rebuilding estates in batch mode would trip the foreign keys of every table under it).
    op.add_column('estates', sa.Column('public_id', sa.String(length=16), nullable=False, server_default=''))
    estates = sa.table('estates', sa.column('id', sa.Integer), sa.column('public_id', sa.String))
    connection = op.get_bind()
    for (estate_id,) in connection.execute(sa.select(estates.c.id)).all():
        connection.execute(estates.update().where(estates.c.id == estate_id).values(public_id=_public_id()))
    if connection.dialect.name != 'sqlite':  # SQLite cannot drop a default in place; the app always sets one
        op.alter_column('estates', 'public_id', server_default=None)
    op.create_index(op.f('ix_estates_public_id'), 'estates', ['public_id'], unique=True)

    op.create_table('slip_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('building', sa.String(length=100), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('queued','running','done','failed','expired')", name=op.f('ck_slip_jobs_status_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_users.id'], name=op.f('fk_slip_jobs_requested_by_id_staff_users')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_slip_jobs_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slip_jobs'))
    )
    op.create_index('ix_slip_jobs_status', 'slip_jobs', ['status', 'id'])
    op.create_index(op.f('ix_slip_jobs_round_id'), 'slip_jobs', ['round_id'])



def downgrade():
    op.drop_index(op.f('ix_slip_jobs_round_id'), table_name='slip_jobs')
    op.drop_index('ix_slip_jobs_status', table_name='slip_jobs')
    op.drop_table('slip_jobs')
    op.drop_index(op.f('ix_estates_public_id'), table_name='estates')
    op.drop_column('estates', 'public_id')  # SQLite ≥ 3.35 drops a column in place
