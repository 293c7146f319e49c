"""households: the holder's name of a unit without an owner key (the developer's)

Issue 18: a roster row of the developer's flat names the developer (杭州某某置业有限公司) but has
no owner key; the import dropped the name. It is kept on the unit, shown on the roster page
(the developer as one voter with its name) and written back by the export.

Revision ID: c0851c89fe38
Revises: a1f3c5e7b9d2
Create Date: 2026-12-01 09:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0851c89fe38'
down_revision = 'a1f3c5e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('holder_name')
