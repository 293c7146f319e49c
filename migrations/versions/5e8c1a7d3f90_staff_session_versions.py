"""staff accounts: a session version, so logout, a password change and disabling end every session

Issue 15: page sessions and API tokens carry the account's session version; raising it
(logout, password change, disabling) refuses every session and token issued before.

Revision ID: 5e8c1a7d3f90
Revises: c4e8a2f6d1b9
Create Date: 2026-12-01 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e8c1a7d3f90'
down_revision = 'c4e8a2f6d1b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
