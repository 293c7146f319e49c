"""rounds: a draft may be cancelled (status 'cancelled')

Issue 18: a draft round with a mistyped term is edited or cancelled (with a reason, kept in
the process record) instead of leaving a second "第一次征询" beside it. SQLite cannot alter a
CHECK: batch mode rebuilds `rounds` (it has no triggers to lose).

Revision ID: d7a1c3e5f9b2
Revises: c4e8a2f6b1d3
Create Date: 2026-12-01 06:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd7a1c3e5f9b2'
down_revision = 'c4e8a2f6b1d3'
branch_labels = None
depends_on = None

BEFORE = "status IN ('draft','open','closed','published')"
AFTER = "status IN ('draft','open','closed','published','cancelled')"


def _statuses(check: str) -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rounds_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_rounds_status_known'), check)


def upgrade():
    _statuses(AFTER)


def downgrade():
    _statuses(BEFORE)
