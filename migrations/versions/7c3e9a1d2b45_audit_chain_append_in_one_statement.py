"""audit chains: keep the previous head, so an append is one locked statement

The append now claims the chain, links and hashes the event in SQL
(UPDATE audit_chains … RETURNING length, prev_head_hash, head_hash): the chain's
lock is held for one statement fewer, which every ballot of an estate waits on.

Revision ID: 7c3e9a1d2b45
Revises: 52f012db51e3
Create Date: 2026-11-27 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1d2b45'
down_revision = '52f012db51e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_chains', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_head_hash', sa.String(length=64), nullable=False,
                                      server_default='0' * 64))


def downgrade():
    with op.batch_alter_table('audit_chains', schema=None) as batch_op:
        batch_op.drop_column('prev_head_hash')
