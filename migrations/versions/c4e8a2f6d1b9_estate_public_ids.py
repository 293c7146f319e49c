"""estates: a random public id for the public board's URL

Issue 15, "the public board enumerates estates": /board/estates/1…N showed every
estate. The board is now addressed by estates.public_id (12 random characters, the first
a letter); existing estates get one here.

Revision ID: c4e8a2f6d1b9
Revises: b3d9e6f1a7c2
Create Date: 2026-12-01 06:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2f6d1b9'
down_revision = 'b3d9e6f1a7c2'
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


def downgrade():
    op.drop_index(op.f('ix_estates_public_id'), table_name='estates')
    op.drop_column('estates', 'public_id')  # SQLite ≥ 3.35 drops a column in place
