"""links: reissues confirmed by a second account; SMS: confirmation texts after each ballot

Issue 14, "no staff account votes for a resident unseen": a reissue request and its
confirmation (one per request, held by a unique key); the confirmation texts the worker
queues from the ledger (one row per household batch, naming the newest ballot covered);
the round's switch for them (on by default); the outbox kind `confirmation`.

Revision ID: b3d9e6f1a7c2
Revises: 3d9a6f0b7c21
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d9e6f1a7c2'
down_revision = '3d9a6f0b7c21'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('reminder','result','otp')"
KINDS_AFTER = "kind IN ('reminder','result','otp','confirmation')"


def _outbox_kinds(check: str) -> None:
    # SQLite cannot alter a CHECK: batch mode rebuilds sms_outbox (it has no triggers to lose).
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sms_outbox_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sms_outbox_kind_known'), check)


def upgrade():
    op.create_table('link_reissue_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_link_reissue_requests_household_id_households')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_users.id'], name=op.f('fk_link_reissue_requests_requested_by_id_staff_users')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_link_reissue_requests_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_reissue_requests'))
    )
    op.create_index('ix_link_reissue_requests_round', 'link_reissue_requests', ['round_id', 'household_id'])
    op.create_table('link_reissue_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['staff_users.id'], name=op.f('fk_link_reissue_confirmations_confirmed_by_id_staff_users')),
    sa.ForeignKeyConstraint(['request_id'], ['link_reissue_requests.id'], name=op.f('fk_link_reissue_confirmations_request_id_link_reissue_requests')),
    sa.ForeignKeyConstraint(['token_id'], ['voting_tokens.id'], name=op.f('fk_link_reissue_confirmations_token_id_voting_tokens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_reissue_confirmations')),
    sa.UniqueConstraint('request_id', name=op.f('uq_link_reissue_confirmations_request_id'))
    )
    op.create_table('sms_ballot_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_sms_ballot_confirmations_ballot_id_ballots')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_sms_ballot_confirmations_household_id_households')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_sms_ballot_confirmations_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_ballot_confirmations')),
    sa.UniqueConstraint('ballot_id', name=op.f('uq_sms_ballot_confirmations_ballot_id'))
    )
    op.create_index('ix_sms_ballot_confirmations_household', 'sms_ballot_confirmations', ['round_id', 'household_id'])
    # Plain ADD COLUMN: rebuilding `rounds` on SQLite would drop its triggers.
    op.add_column('rounds', sa.Column('confirmation_texts', sa.Boolean(), server_default=sa.true(), nullable=False))
    _outbox_kinds(KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM sms_outbox WHERE kind = 'confirmation'")
    _outbox_kinds(KINDS_BEFORE)
    op.drop_column('rounds', 'confirmation_texts')
    op.drop_index('ix_sms_ballot_confirmations_household', table_name='sms_ballot_confirmations')
    op.drop_table('sms_ballot_confirmations')
    op.drop_table('link_reissue_confirmations')
    op.drop_index('ix_link_reissue_requests_round', table_name='link_reissue_requests')
    op.drop_table('link_reissue_requests')
