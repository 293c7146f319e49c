"""project funding per item, audited final costs, milestones with planned and actual dates, published photos

Issue 17 items 4 and 5: per-item costs on a proposal version (lifts and secondary water supply
outside the subsidy base), the audited final cost (决算) entered after the works, milestones
whose planned date is not taken for done (the old single date was recorded as done: it becomes
the actual date), and site photos staff publish to the board and the households' links.

Revision ID: 9b8450a7cd62
Revises: de0e81cab051
Create Date: 2026-12-01 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9b8450a7cd62'
down_revision = 'de0e81cab051'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_costs', sa.Text(), nullable=True))

    op.create_table('proposal_final_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('proposal_version_id', sa.Integer(), nullable=False),
    sa.Column('total_cost', sa.BigInteger(), nullable=False),
    sa.Column('item_costs', sa.Text(), nullable=True),
    sa.Column('audited_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_proposal_final_costs_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_final_costs_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['proposal_version_id'], ['proposal_versions.id'], name=op.f('fk_proposal_final_costs_proposal_version_id_proposal_versions')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['proposal_final_costs.id'], name=op.f('fk_proposal_final_costs_supersedes_id_proposal_final_costs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_final_costs')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_proposal_final_costs_supersedes_id'))
    )
    with op.batch_alter_table('proposal_final_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_final_costs_proposal_id'), ['proposal_id'], unique=False)

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('actual_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_milestones_supersedes_id_milestones'), 'milestones',
                                    ['supersedes_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_milestones_supersedes_id'), ['supersedes_id'])
    op.execute("UPDATE milestones SET actual_on = on_date")
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('on_date')

    op.create_table('photo_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_photo_publications_attachment_id_attachments')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_photo_publications_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_photo_publications_estate_id_estates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_publications'))
    )
    with op.batch_alter_table('photo_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_publications_attachment_id'), ['attachment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_publications_estate_id'), ['estate_id'], unique=False)


def downgrade():
    with op.batch_alter_table('photo_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_publications_estate_id'))
        batch_op.drop_index(batch_op.f('ix_photo_publications_attachment_id'))
    op.drop_table('photo_publications')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_date', sa.Date(), nullable=True))
    op.execute("UPDATE milestones SET on_date = COALESCE(actual_on, planned_on)")
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_milestones_supersedes_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_milestones_supersedes_id_milestones'), type_='foreignkey')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('actual_on')
        batch_op.drop_column('planned_on')
    with op.batch_alter_table('proposal_final_costs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_final_costs_proposal_id'))
    op.drop_table('proposal_final_costs')
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.drop_column('item_costs')
