"""staff accounts: display name, post (职务) and office phone

Issue 18: evidence and pages name operators as people ("张三（社区书记）"), not login names;
residents and street offices reach them by the office phone.

Revision ID: a1f3c5e7b9d2
Revises: 5e8c1a7d3f90
Create Date: 2026-12-01 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f3c5e7b9d2'
down_revision = '5e8c1a7d3f90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('post', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('office_phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('office_phone')
        batch_op.drop_column('post')
        batch_op.drop_column('display_name')
