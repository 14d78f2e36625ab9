"""Review moderation: buyers' reports of reviews, and the record of every hide and undo
(who, when, why).

Revision ID: 0029_moderation
Revises: 0028_wholesale
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0029_moderation'
down_revision = '0028_wholesale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], ondelete='CASCADE',
                                name=op.f('fk_review_reports_review_id_reviews')),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_review_reports_reporter_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reports')),
        sa.UniqueConstraint('review_id', 'reporter_id',
                            name=op.f('uq_review_reports_review_id_reporter_id')),
    )
    op.create_index(op.f('ix_review_reports_review_id'), 'review_reports', ['review_id'])
    op.create_table(
        'review_moderation_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("action IN ('hide', 'restore')",
                           name=op.f('ck_review_moderation_events_action_known')),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], ondelete='CASCADE',
                                name=op.f('fk_review_moderation_events_review_id_reviews')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_review_moderation_events_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_moderation_events')),
    )
    op.create_index(op.f('ix_review_moderation_events_review_id'), 'review_moderation_events',
                    ['review_id'])


def downgrade():
    op.drop_index(op.f('ix_review_moderation_events_review_id'),
                  table_name='review_moderation_events')
    op.drop_table('review_moderation_events')
    op.drop_index(op.f('ix_review_reports_review_id'), table_name='review_reports')
    op.drop_table('review_reports')
